//! Planted scenarios: each builds a small corpus over organic background activity and checks
//! who the detector names.

use skydas_model::{
    Actor, ActorKind, Corpus, CorpusBuilder, Finding, Item, ItemKind, ItemUrl, Platform,
};

use super::{Coordination, Params};
use crate::Detector;
use crate::automation::{self, Automation};
use crate::testkit::{Rng, WORDS, link, provenance};

const T0: i64 = 1_700_000_000;
const DAY: i64 = 86_400;

/// Builds test corpora item by item.
struct Scenario {
    b: CorpusBuilder,
    n: u64,
    rng: Rng,
}

fn url(u: &str) -> ItemUrl {
    let host = u
        .split("://")
        .nth(1)
        .unwrap_or(u)
        .split('/')
        .next()
        .unwrap_or("")
        .to_string();
    let labels: Vec<&str> = host.split('.').collect();
    let domain = labels[labels.len().saturating_sub(2)..].join(".");
    link(u, &host, &domain)
}

impl Scenario {
    fn new(seed: u64) -> Scenario {
        Scenario {
            b: CorpusBuilder::new(),
            n: 0,
            rng: Rng(seed),
        }
    }

    /// A scenario of seed `seed` over the organic activity of `users` people
    /// ([`Scenario::background`]).
    fn organic(seed: u64, users: usize) -> Scenario {
        let mut s = Scenario::new(seed);
        s.background(users);
        s
    }

    fn item(&mut self, platform: Platform, actor: &str, time: i64, text: &str) -> Item {
        self.n += 1;
        let prov = provenance("test", self.n);
        let kind = if platform == Platform::Web {
            ActorKind::Site
        } else {
            ActorKind::Account
        };
        let a = Actor {
            platform_id: actor.into(),
            handle: Some(actor.into()),
            kind,
            ..Actor::default()
        };
        let mut it = Item::new(platform, format!("i{}", self.n), a, time, text, prov);
        it.match_text = text.to_lowercase();
        for w in text.split_whitespace() {
            if let Some(t) = w.strip_prefix('#') {
                it.hashtags.push(t.to_lowercase());
            }
        }
        it
    }

    fn post(&mut self, actor: &str, time: i64, text: &str, urls: &[&str]) {
        let mut it = self.item(Platform::X, actor, time, text);
        it.urls = urls.iter().map(|u| url(u)).collect();
        self.b.push(&it);
    }

    /// A post of `n` random words by `actor` at `time`, linking `links`.
    fn chatter(&mut self, actor: &str, time: i64, n: usize, links: &[&str]) {
        let text = self.words(n);
        self.post(actor, time, &text, links);
    }

    /// A network's burst on one link: actors `{prefix}0` to `{prefix}{members - 1}` each post
    /// `link` at a random moment of the `jitter` seconds from `start`, with `n` random words.
    fn burst(&mut self, prefix: &str, members: u64, start: i64, jitter: u64, link: &str, n: usize) {
        for m in 0..members {
            let t = start + self.rng.below(jitter) as i64;
            self.chatter(&format!("{prefix}{m}"), t, n, &[link]);
        }
    }

    fn words(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| WORDS[self.rng.below(WORDS.len() as u64) as usize])
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Organic activity: `users` people over a week, each posting 20 times at random hours,
    /// some posts linking one of 300 news articles (popular ones much more often).
    fn background(&mut self, users: usize) {
        for u in 0..users {
            for _ in 0..20 {
                let t = T0 + self.rng.below(7 * DAY as u64) as i64;
                let text = self.words(8);
                if self.rng.below(2) == 0 {
                    // Roughly Zipf: the square of a uniform favours low article numbers.
                    let r = self.rng.below(300);
                    let a = r * r / 300;
                    let link = format!("https://news{}.lt/a/{a}", a % 7);
                    self.post(&format!("user{u}"), t, &text, &[&link]);
                } else {
                    self.post(&format!("user{u}"), t, &text, &[]);
                }
            }
        }
    }

    fn corpus(self) -> Corpus {
        self.b.finish()
    }
}

fn coordination(c: &Corpus, p: Params) -> Vec<Finding> {
    Coordination::new(p).run(c)
}

fn members(f: &Finding) -> Vec<String> {
    let mut v: Vec<String> = f.actors.iter().map(|a| a.id.clone()).collect();
    v.sort();
    v
}

fn names(prefix: &str, n: usize) -> Vec<String> {
    let mut v: Vec<String> = (0..n).map(|i| format!("{prefix}{i}")).collect();
    v.sort();
    v
}

/// The findings' member lists, each sorted.
fn check(c: &Corpus, p: Params, expected: &[Vec<String>]) -> Vec<Finding> {
    let f = coordination(c, p);
    let mut got: Vec<Vec<String>> = f.iter().map(members).collect();
    got.sort();
    let mut want = expected.to_vec();
    want.sort();
    assert_eq!(
        got,
        want,
        "findings: {:#?}",
        f.iter().map(|f| &f.summary).collect::<Vec<_>>()
    );
    f
}

/// A network planted by `plant` over the organic activity of 200 people (seed `seed`): the
/// corpus, and its findings once checked to be `expected`.
fn planted(
    seed: u64,
    plant: impl FnOnce(&mut Scenario),
    expected: &[Vec<String>],
) -> (Corpus, Vec<Finding>) {
    let mut s = Scenario::organic(seed, 200);
    plant(&mut s);
    let c = s.corpus();
    let f = check(&c, Params::default(), expected);
    (c, f)
}

fn botnet(s: &mut Scenario) {
    for k in 0..8 {
        let base = T0 + DAY / 2 + k * 17 * 3600 + s.rng.below(3600) as i64;
        s.burst(
            "bot",
            6,
            base,
            20,
            &format!("https://lrt-news.ltd/clone/{k}"),
            6,
        );
    }
}

#[test]
fn bot_network_sharing_rare_links_is_found_exactly() {
    let (_, f) = planted(1, botnet, &[names("bot", 6)]);
    let f = &f[0];
    assert!(f.kind.is(&super::KIND));
    assert_eq!(f.signals.get("co-link"), Some(&8));
    assert!(f.score > 0.9, "score {}", f.score);
    assert!(!f.edges.is_empty() && f.edges.iter().all(|e| !e.pairs.is_empty()));
    let pair = &f.edges[0].pairs[0];
    assert!(pair.key.starts_with("https://lrt-news.ltd/clone/") && pair.gap_s.abs() <= 20);
    assert!(f.summary.starts_with("6 actors (6 x)"), "{}", f.summary);
}

#[test]
fn viral_link_flags_nobody() {
    let mut s = Scenario::organic(2, 200);
    for u in 0..300 {
        let t = T0 + 2 * DAY + s.rng.below(3600) as i64;
        let text = s.words(7);
        s.post(
            &format!("fan{u}"),
            t,
            &text,
            &["https://viral.example/video"],
        );
    }
    check(&s.corpus(), Params::default(), &[]);
}

#[test]
fn two_active_users_sharing_popular_links_are_not_flagged() {
    let mut s = Scenario::organic(3, 300);
    for k in 0..50 {
        let link = format!("https://news{}.lt/a/{}", k % 7, k);
        let base = T0 + s.rng.below(6 * DAY as u64) as i64;
        for who in ["active_a", "active_b"] {
            let t = base + s.rng.below(6 * 3600) as i64;
            s.chatter(who, t, 9, &[&link]);
        }
    }
    check(&s.corpus(), Params::default(), &[]);
}

#[test]
fn feed_aggregators_are_automation_not_coordination() {
    let mut s = Scenario::organic(4, 100);
    for k in 0..200 {
        let published = T0 + k * 2400 + s.rng.below(600) as i64;
        let link = format!("https://portal.example/news/{k}");
        let title = s.words(8);
        let mut art = s.item(Platform::Web, "portal.example", published, &title);
        art.kind = ItemKind::Article;
        art.urls = vec![url(&link)];
        s.b.push(&art);
        for a in 0..5 {
            let t = published + 5 + s.rng.below(26) as i64;
            s.post(&format!("agg{a}"), t, &title, &[&link]);
        }
    }
    let c = s.corpus();
    check(&c, Params::default(), &[]);
    let auto = Automation::new(automation::Params::default()).run(&c);
    let mut flagged: Vec<String> = auto.iter().map(|f| f.actors[0].id.clone()).collect();
    flagged.sort();
    assert_eq!(flagged, names("agg", 5));
    assert!(auto.iter().all(|f| f.signals.contains_key("feed-mirror")));
    assert!(
        auto.iter()
            .all(|f| f.disarm == vec!["T0146.007".to_string()])
    );
    // Without the exclusion they would be one tight network: the exclusion is what keeps them out.
    let p = Params {
        exclude_aggregators: false,
        ..Params::default()
    };
    let f = coordination(&c, p);
    assert!(
        f.iter()
            .any(|f| members(f).iter().any(|m| m.starts_with("agg")))
    );
}

#[test]
fn copypasta_with_light_edits_is_found_by_co_text() {
    let texts = [
        "Литва готовит провокацию на границе с Беларусью, сообщают наши источники в Вильнюсе",
        "Zelensky's government is stealing Western aid, says a leaked report from Brussels today",
        "Łotwa zamyka szkoły rosyjskie a rodzice protestują przed ministerstwem edukacji w Rydze",
        "Eesti valitsus tõstab makse taas ja pensionärid jäävad ilma küttetoetusest sel talvel",
        "НАТО перебрасывает танки к границе Калининграда, местные жители напуганы и уезжают",
    ];
    let decorations = [
        "",
        " 🔥🔥",
        " #правда #news",
        "!!!",
        " 👉 @someone",
        " #nato",
        " 😡",
        " ‼️",
    ];
    let mut s = Scenario::organic(5, 200);
    for (k, t) in texts.iter().enumerate() {
        let base = T0 + DAY + k as i64 * 9 * 3600;
        for (a, decoration) in decorations.iter().enumerate() {
            let mut text = t.to_string();
            if a % 3 == 1 {
                // A light edit: one word dropped.
                let w: Vec<&str> = text.split(' ').collect();
                text = w
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i != 3)
                    .map(|(_, w)| *w)
                    .collect::<Vec<_>>()
                    .join(" ");
            }
            if a % 3 == 2 {
                text = text.to_uppercase();
            }
            text.push_str(decoration);
            let time = base + s.rng.below(50) as i64;
            s.post(&format!("troll{a}"), time, &text, &[]);
        }
    }
    let f = check(&s.corpus(), Params::default(), &[names("troll", 8)]);
    assert_eq!(f[0].signals.get("co-text"), Some(&5));
    assert!(f[0].disarm.contains(&"T0084.001".to_string()));
}

#[test]
fn telegram_forward_network_is_found_by_co_repost() {
    let mut s = Scenario::organic(6, 200);
    for k in 0..10 {
        let base = T0 + DAY + k * 7 * 3600;
        let text = format!("{} {k}", s.words(10));
        for ch in 0..7 {
            let time = base + 5 + s.rng.below(50) as i64;
            let mut it = s.item(Platform::Telegram, &format!("chan{ch}"), time, &text);
            it.kind = ItemKind::Forward;
            it.repost_of = Some("from:Source Channel".into());
            s.b.push(&it);
        }
    }
    let f = check(&s.corpus(), Params::default(), &[names("chan", 7)]);
    assert_eq!(f[0].signals.get("co-repost"), Some(&10));
    assert!(f[0].disarm.contains(&"T0049.003".to_string()));
    assert!(
        f[0].edges[0].pairs[0]
            .key
            .starts_with("from:Source Channel · ")
    );
}

/// A source channel and its forwarders, as Telegram exports show them: some forwards name the
/// source by id and others by title only, a third of the source's posts are media without
/// text, and the forwarders take up to ten minutes.
#[test]
fn forward_network_with_mixed_source_names_and_media_posts_includes_its_source() {
    let mut s = Scenario::organic(17, 200);
    for k in 0..24 {
        let base = T0 + DAY / 2 + k * 6 * 3600 + s.rng.below(3600) as i64;
        let text = if k % 3 == 0 {
            String::new()
        } else {
            format!("{} {k}", s.words(10))
        };
        let mut src = s.item(Platform::Telegram, "555", base, &text);
        src.actor.name = Some("Source Channel".into());
        src.actor.kind = ActorKind::Channel;
        s.b.push(&src);
        for ch in 0..7 {
            if s.rng.below(5) == 0 {
                continue;
            }
            let time = base + 5 + s.rng.below(600) as i64;
            let mut it = s.item(Platform::Telegram, &format!("fwd{ch}"), time, &text);
            it.kind = ItemKind::Forward;
            it.repost_of = Some(if s.rng.below(3) == 0 {
                "from:name:Source Channel".into()
            } else {
                "from:channel555".into()
            });
            s.b.push(&it);
        }
    }
    let mut want = names("fwd", 7);
    want.push("555".into());
    want.sort();
    let f = check(&s.corpus(), Params::default(), &[want]);
    assert!(
        f[0].signals.get("co-repost").is_some_and(|&n| n >= 20),
        "{:?}",
        f[0].signals
    );
}

fn slow_network(s: &mut Scenario) {
    for k in 0..12 {
        let base = T0 + DAY / 3 + k * 11 * 3600;
        let link = format!("https://slow-campaign.example/p/{k}");
        s.burst("slow", 5, base + 600, 1200, &link, 7);
    }
}

#[test]
fn slow_coordination_is_found_only_by_slow_mode() {
    let (c, f) = planted(7, slow_network, &[names("slow", 5)]);
    assert_eq!(f[0].params["mode"], "slow");
    assert!(
        f[0].summary.contains("at most 30 min between"),
        "{}",
        f[0].summary
    );
    // Members post 10–30 min after each link appears, so some pairs meet within a minute twice
    // by the schedule's chance; three acts within a minute they never share.
    let fast_only = Params {
        slow_window_s: 60,
        min_acts: 3,
        ..Params::default()
    };
    check(&c, fast_only, &[]);
}

/// A relay: for each of many rare links, a few members of the network post it one after the
/// other, each 10–30 minutes after the previous one, so only neighbours in the chain are within
/// the slow window of each other.
fn relay_network(s: &mut Scenario, members: u64, links: i64) {
    for k in 0..links {
        let mut t = T0 + DAY / 4 + k * 4 * 3600 + s.rng.below(3600) as i64;
        let link = format!("https://relay-review.example/news/{k}");
        let mut chain: Vec<u64> = Vec::new();
        while chain.len() < 5 {
            let who = s.rng.below(members);
            if !chain.contains(&who) {
                chain.push(who);
            }
        }
        for who in chain {
            s.chatter(&format!("relay{who}"), t, 7, &[&link]);
            t += 600 + s.rng.below(1200) as i64;
        }
    }
}

#[test]
fn relay_chains_are_found_as_slow_coordination() {
    let (_, f) = planted(15, |s| relay_network(s, 10, 40), &[names("relay", 10)]);
    assert_eq!(f[0].params["mode"], "slow");
    assert!(
        f[0].edges[0]
            .pairs
            .iter()
            .all(|p| p.gap_s.abs() <= 4 * 1800),
        "{:?}",
        f[0].edges[0].pairs
    );
}

/// Fans of one outlet who share its links over the day, each at their own hour: the same keys,
/// the same sessions when the outlet is popular, but no more often than its popularity predicts.
#[test]
fn fans_of_an_outlet_sharing_its_links_over_hours_are_not_flagged() {
    let mut s = Scenario::organic(16, 200);
    for k in 0..60i64 {
        let published = T0 + k * 2 * 3600 + s.rng.below(1800) as i64;
        let link = format!("https://delfi.example/a/{k}");
        for f in 0..40 {
            if s.rng.below(4) != 0 {
                continue;
            }
            let t = published + s.rng.below(8 * 3600) as i64;
            s.chatter(&format!("fan{f}"), t, 8, &[&link]);
        }
    }
    check(&s.corpus(), Params::default(), &[]);
}

#[test]
fn cross_platform_copies_link_a_telegram_channel_to_x_accounts() {
    let mut s = Scenario::organic(8, 100);
    for k in 0..6 {
        let base = T0 + DAY + k * 5 * 3600;
        let text = format!("{} {}", s.words(12), k);
        let it = s.item(Platform::Telegram, "seed_channel", base, &text);
        s.b.push(&it);
        for a in 0..3 {
            let t = base + 120 + s.rng.below(900) as i64;
            s.post(&format!("amp{a}"), t, &format!("{text} #share"), &[]);
        }
    }
    let mut want = names("amp", 3);
    want.push("seed_channel".into());
    want.sort();
    let f = check(&s.corpus(), Params::default(), &[want]);
    for t in ["T0119", "T0119.002", "T0084.001"] {
        assert!(f[0].disarm.contains(&t.to_string()), "{:?}", f[0].disarm);
    }
    assert!(
        f[0].edges[0].a.contains(':'),
        "ids carry the platform when it is mixed"
    );
}

#[test]
fn findings_are_deterministic() {
    let build = || {
        let mut s = Scenario::organic(9, 150);
        botnet(&mut s);
        slow_network(&mut s);
        s.corpus()
    };
    let a = serde_json::to_string(&coordination(&build(), Params::default())).unwrap_or_default();
    let b = serde_json::to_string(&coordination(&build(), Params::default())).unwrap_or_default();
    assert!(a.len() > 100);
    assert_eq!(a, b);
}

#[test]
fn empty_and_tiny_corpora_give_nothing() {
    check(&Corpus::default(), Params::default(), &[]);
    let mut s = Scenario::new(10);
    s.post("a", T0, "x", &["https://a.example/1"]);
    s.post("b", T0 + 1, "x", &["https://a.example/1"]);
    check(&s.corpus(), Params::default(), &[]);
}

/// Organic hashtag use: people tagging everyday posts with a few common tags, at random times.
fn hashtag_background(s: &mut Scenario, users: usize) {
    let common = ["#news", "#nato", "#ukraine", "#weather", "#sport"];
    for u in 0..users {
        for _ in 0..6 {
            let t = T0 + s.rng.below(7 * DAY as u64) as i64;
            let a = common[s.rng.below(common.len() as u64) as usize];
            let b = common[s.rng.below(common.len() as u64) as usize];
            let text = format!("{} {a} {b}", s.words(6));
            s.post(&format!("tagger{u}"), t, &text, &[]);
        }
    }
}

#[test]
fn hashtag_flood_in_bursts_is_found_by_co_hashtag() {
    let mut s = Scenario::organic(11, 200);
    hashtag_background(&mut s, 30);
    // Twenty bursts of the same two campaign tags, each spread over 10 minutes; the tags come
    // in either order and every third copy adds a popular tag, so the tag sets vary.
    for k in 0..20 {
        let base = T0 + DAY / 2 + k * 8 * 3600;
        for b in 0..10 {
            if s.rng.below(10) < 3 {
                continue;
            }
            let t = base + s.rng.below(600) as i64;
            let mut tags = if s.rng.below(2) == 0 {
                "#balticapartheid #natoout".to_string()
            } else {
                "#natoout #balticapartheid".to_string()
            };
            if s.rng.below(3) == 0 {
                tags.push_str(" #news");
            }
            let text = format!("{} {tags}", s.words(7));
            s.post(&format!("flood{b}"), t, &text, &[]);
        }
    }
    let f = check(&s.corpus(), Params::default(), &[names("flood", 10)]);
    assert!(
        f[0].signals.get("co-hashtag").is_some_and(|&n| n >= 10),
        "{:?}",
        f[0].signals
    );
    assert!(f[0].disarm.contains(&"T0049.002".to_string()));
}

#[test]
fn a_hashtag_flood_that_never_pauses_is_still_found() {
    let mut s = Scenario::organic(13, 200);
    hashtag_background(&mut s, 30);
    // A burst every 15 minutes for three days: the tag is never unused for a slow window, so
    // without a longest burst all of it would be one co-action.
    for k in 0..(3 * 24 * 4) {
        let base = T0 + k * 900;
        for b in 0..10 {
            if s.rng.below(10) < 5 {
                continue;
            }
            let t = base + s.rng.below(600) as i64;
            let text = format!("{} #natoout #balticapartheid", s.words(7));
            s.post(&format!("flood{b}"), t, &text, &[]);
        }
    }
    let f = check(&s.corpus(), Params::default(), &[names("flood", 10)]);
    assert!(f[0].disarm.contains(&"T0049.002".to_string()));
}

#[test]
fn popular_hashtags_flag_nobody() {
    let mut s = Scenario::organic(12, 100);
    hashtag_background(&mut s, 300);
    check(&s.corpus(), Params::default(), &[]);
}

#[test]
fn portals_join_their_telegram_source_without_its_handle() {
    // The channel's export has a numeric id and no handle; the portals link its messages by
    // handle (`t.me/warsource/N`), which only the message numbers and times tie to it.
    let mut s = Scenario::organic(13, 150);
    for k in 0..15i64 {
        let base = T0 + DAY / 2 + k * 8 * 3600;
        let msg = 4000 + k * 3;
        let text = s.words(12);
        let mut it = s.item(Platform::Telegram, "1507343143", base, &text);
        it.actor.handle = None;
        it.platform_id = format!("1507343143/{msg}");
        s.b.push(&it);
        for p in 0..4 {
            let t = base + 60 + s.rng.below(900) as i64;
            let host = format!("portal{p}.example");
            let title = s.words(8);
            let mut art = s.item(Platform::Web, &host, t, &title);
            art.kind = ItemKind::Article;
            art.urls = vec![
                url(&format!("https://{host}/a/{k}")),
                url(&format!("https://t.me/warsource/{msg}")),
            ];
            s.b.push(&art);
        }
    }
    let mut want = names("portal", 4)
        .into_iter()
        .map(|p| format!("{p}.example"))
        .collect::<Vec<_>>();
    want.push("1507343143".into());
    want.sort();
    check(&s.corpus(), Params::default(), &[want]);
}

#[test]
fn link_bots_posting_round_the_clock_stay_in_the_network() {
    // Bots that post nothing but links, day and night, at a few posts a day: automated, but
    // not aggregators, so their network is still reported.
    let mut s = Scenario::organic(14, 150);
    for k in 0..40i64 {
        let base = T0 + k * 4 * 3600 + s.rng.below(3600) as i64;
        s.burst(
            "linkbot",
            6,
            base,
            60,
            &format!("https://lrt-news.ltd/clone/{k}"),
            6,
        );
    }
    for b in 0..6 {
        for k in 0..20i64 {
            let t = T0 + k * 8 * 3600 + 1800 + s.rng.below(3600) as i64;
            let link = format!("https://clone-two.ltd/p/{b}/{k}");
            s.chatter(&format!("linkbot{b}"), t, 6, &[&link]);
        }
    }
    let c = s.corpus();
    check(&c, Params::default(), &[names("linkbot", 6)]);
}

#[test]
fn high_volume_link_bots_pushing_clone_sites_stay_in_the_network() {
    // Bots posting some 30 links a day, day and night, all to a campaign's clone sites: as
    // automated and as voluminous as feed aggregators, but their links go to domains nobody else
    // links, so they are a network, not aggregators.
    let mut s = Scenario::organic(18, 150);
    for k in 0..200i64 {
        let base = T0 + k * 3000 + s.rng.below(600) as i64;
        let link = format!("https://clone{}.ltd/p/{k}", k % 4);
        for b in 0..6 {
            if s.rng.below(3) == 0 {
                continue;
            }
            let t = base + s.rng.below(40) as i64;
            s.chatter(&format!("pushbot{b}"), t, 6, &[&link]);
        }
    }
    for b in 0..6 {
        for k in 0..100i64 {
            let t = T0 + k * 6000 + s.rng.below(3000) as i64;
            let link = format!("https://clone{}.ltd/x/{b}/{k}", k % 4);
            s.chatter(&format!("pushbot{b}"), t, 6, &[&link]);
        }
    }
    let c = s.corpus();
    let auto = automation::automated_actors(&c, &automation::Params::default());
    assert!(
        auto.iter()
            .any(|(_, r)| r.contains(&"high-volume") && r.contains(&"rare-domains")),
        "{auto:?}"
    );
    check(&c, Params::default(), &[names("pushbot", 6)]);
}
