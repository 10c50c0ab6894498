//! Tests of the known-infrastructure detector: what an indicator matches, through which form
//! of a link, and under which marking.

use std::sync::Arc;

use skydas_model::{
    Actor, Corpus, CorpusBuilder, Indicator, IndicatorKind, Item, ItemUrl, Platform, Tlp, UrlSource,
};
use skydas_normalise::Normaliser;

use super::*;
use crate::testkit::provenance;

fn ind(kind: IndicatorKind, value: &str, list: &str, tlp: Tlp) -> Indicator {
    Indicator {
        kind,
        value: value.into(),
        platform: None,
        label: value.into(),
        list: list.into(),
        source: format!("file:{list}.txt"),
        tlp,
    }
}

struct Posts {
    b: CorpusBuilder,
    n: u64,
    norm: Normaliser,
}

impl Posts {
    fn new() -> Posts {
        Posts {
            b: CorpusBuilder::new(),
            n: 0,
            norm: Normaliser::new(),
        }
    }

    fn post(&mut self, platform: Platform, actor: &str, handle: Option<&str>, urls: Vec<ItemUrl>) {
        self.n += 1;
        let a = Actor {
            platform_id: actor.into(),
            handle: handle.map(str::to_string),
            ..Actor::default()
        };
        let prov = provenance("test", self.n);
        let mut it = Item::new(
            platform,
            format!("p{}", self.n),
            a,
            1_700_000_000 + self.n as i64,
            "",
            prov,
        );
        it.urls = urls;
        self.norm.normalise(&mut it);
        self.b.push(&it);
    }

    fn link(&mut self, actor: &str, url: &str) {
        self.post(
            Platform::X,
            actor,
            None,
            vec![link(url, None, UrlSource::Entity)],
        );
    }

    /// A post on X of a link `raw` that its source expanded to `expanded`.
    fn redirect(&mut self, actor: &str, raw: &str, expanded: &str) {
        let url = link(raw, Some(expanded), UrlSource::Entity);
        self.post(Platform::X, actor, None, vec![url]);
    }

    fn finish(self) -> Corpus {
        self.b.finish()
    }

    /// The one finding of `indicator` on the posts.
    fn finding_of(self, indicator: Indicator) -> Finding {
        let mut f = run(&self.finish(), vec![indicator]);
        assert_eq!(f.len(), 1, "{f:#?}");
        f.remove(0)
    }
}

fn link(raw: &str, expanded: Option<&str>, source: UrlSource) -> ItemUrl {
    ItemUrl {
        raw: raw.into(),
        expanded: expanded.map(str::to_string),
        source,
        ..ItemUrl::default()
    }
}

fn run(c: &Corpus, inds: Vec<Indicator>) -> Vec<Finding> {
    KnownInfrastructure::new(Arc::new(inds)).run(c)
}

fn items(f: &Finding) -> Vec<&str> {
    f.evidence.iter().map(|e| e.id.as_str()).collect()
}

#[test]
fn a_domain_matches_itself_and_its_subdomains_and_nothing_that_merely_resembles_it() {
    let mut p = Posts::new();
    p.link("a", "https://rrn.media/story"); // p1: exact
    p.link("b", "https://www.RRN.media/x"); // p2: exact (www.)
    p.link("c", "https://de.rrn.media/y"); // p3: subdomain
    p.link("d", "https://rrn.media.example.com/z"); // contains the name
    p.link("e", "https://rrn.world/z"); // the label under another suffix
    p.link("f", "https://notrrn.media/z"); // a longer label
    p.post(
        Platform::Telegram,
        "g",
        None,
        vec![link("rrn.media", None, UrlSource::Domain)],
    ); // p7: a domain column
    let f = p.finding_of(ind(
        IndicatorKind::Domain,
        "RRN.media.",
        "viginum",
        Tlp::Green,
    ));
    assert_eq!(items(&f), ["p1", "p2", "p3", "p7"]);
    assert_eq!(f.domain.as_deref(), Some("rrn.media"));
    assert_eq!(f.params["matched_as"]["exact domain"], 3);
    assert_eq!(f.params["matched_as"]["subdomain"], 1);
    assert_eq!(f.params["through"]["domain column"], 1);
    assert_eq!(f.disarm, [disarm::DOMAIN_ASSET]);
    assert_eq!(f.tlp, Some(Tlp::Green));
}

#[test]
fn redirect_hops_count_and_say_so() {
    let mut p = Posts::new();
    p.redirect("a", "https://t.co/abc", "https://go.redir.example/r?to=1");
    p.redirect(
        "b",
        "https://go.redir.example/r?to=2",
        "https://clean.example/article",
    );
    let f = p.finding_of(ind(
        IndicatorKind::Domain,
        "redir.example",
        "qurium",
        Tlp::Amber,
    ));
    assert_eq!(items(&f), ["p1", "p2"]);
    assert_eq!(f.params["through"]["link"], 1);
    assert_eq!(f.params["through"]["redirect hop"], 1);
    assert!(f.disarm.contains(&disarm::REDIRECTING_DOMAIN.to_string()));
}

#[test]
fn a_url_matches_below_itself_at_a_path_boundary() {
    let mut p = Posts::new();
    p.link("a", "https://t.me/rybar/123"); // p1
    p.link("b", "https://t.me/rybar_news/1"); // not below
    p.link("c", "https://t.me/rybar"); // p3
    p.link("d", "https://t.me/s/rybar/7"); // p4: the web view, canonically the same
    p.link("e", "https://t.me/rybarx"); // a longer name
    let f = p.finding_of(ind(
        IndicatorKind::Url,
        "t.me/rybar",
        "channels",
        Tlp::Clear,
    ));
    assert_eq!(items(&f), ["p1", "p3", "p4"]);
    assert_eq!(f.params["matched_as"]["url prefix"], 3);
}

#[test]
fn accounts_by_handle_or_id_on_their_platform_and_the_most_restrictive_marking() {
    let mut p = Posts::new();
    p.post(Platform::X, "123", Some("SomeOp"), vec![]); // p1: handle, any case
    p.post(Platform::Telegram, "-100999", Some("someop"), vec![]); // p2
    p.post(Platform::X, "456", None, vec![]); // p3: by id
    p.post(Platform::X, "789", Some("someoperator"), vec![]); // a longer handle
    let c = p.finish();
    let mut on_x = ind(IndicatorKind::Actor, "@someop", "partner", Tlp::Red);
    on_x.platform = Some(Platform::X);
    let f = run(
        &c,
        vec![
            on_x,
            ind(IndicatorKind::Actor, "@SOMEOP", "own", Tlp::Green),
            ind(IndicatorKind::Actor, "456", "own", Tlp::Amber),
        ],
    );
    let by_value: BTreeMap<&str, &Finding> = f
        .iter()
        .map(|f| (f.params["indicator"]["value"].as_str().unwrap(), f))
        .collect();
    assert_eq!(items(by_value["@someop"]), ["p1", "p2"]);
    assert_eq!(
        by_value["@someop"].tlp,
        Some(Tlp::Red),
        "the most restrictive of its lists"
    );
    assert_eq!(items(by_value["id:456"]), ["p3"]);
    assert_eq!(by_value["id:456"].disarm, [disarm::ACCOUNT_ASSET]);
    assert_eq!(f.len(), 2);
}

#[test]
fn the_platform_an_indicator_names_limits_it() {
    let mut p = Posts::new();
    p.post(Platform::Telegram, "-100999", Some("someop"), vec![]);
    let c = p.finish();
    let mut on_x = ind(IndicatorKind::Actor, "@someop", "partner", Tlp::Amber);
    on_x.platform = Some(Platform::X);
    assert!(run(&c, vec![on_x]).is_empty());
}

#[test]
fn values_that_cannot_be_matched_are_told_apart() {
    for (kind, v) in [
        (IndicatorKind::Domain, "not a domain"),
        (IndicatorKind::Url, "ftp://x.example/a"),
        (IndicatorKind::Actor, "@"),
    ] {
        assert!(normalise(&ind(kind, v, "l", Tlp::Amber)).is_err(), "{v}");
    }
    assert_eq!(
        normalise(&ind(IndicatorKind::Domain, "ЛРТ.рф", "l", Tlp::Amber)),
        Ok(Key::Domain("xn--k1akg.xn--p1ai".into()))
    );
}
