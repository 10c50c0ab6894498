//! End-to-end tests: determinism, truth consistency against the written files, format
//! validity, and exact evaluation metrics on hand-made truth and findings.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use skydas_model::{Finding, FindingActor, FindingKind, FindingsDoc, KindSpec, Platform};

use crate::truth::{LookalikeDomain, Operation, Truth, TruthActor};
use crate::{SimConfig, simulate};

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p)
            } else {
                out.push(p)
            }
        }
    }
    out.sort();
    out
}

fn small(seed: u64) -> SimConfig {
    SimConfig {
        seed,
        scale: 0.02,
        ..SimConfig::default()
    }
}

#[test]
fn same_seed_gives_identical_bytes_and_another_seed_differs() {
    let (a, b, c) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let sa = simulate(&small(11), a.path()).unwrap();
    let sb = simulate(&small(11), b.path()).unwrap();
    simulate(&small(12), c.path()).unwrap();
    assert_eq!(sa, sb);
    let (fa, fb) = (files(a.path()), files(b.path()));
    assert_eq!(fa.len(), fb.len());
    for (x, y) in fa.iter().zip(&fb) {
        assert_eq!(
            x.strip_prefix(a.path()).unwrap(),
            y.strip_prefix(b.path()).unwrap()
        );
        assert!(
            std::fs::read(x).unwrap() == std::fs::read(y).unwrap(),
            "{} differs",
            x.display()
        );
    }
    let ta = std::fs::read(a.path().join("truth.json")).unwrap();
    let tc = std::fs::read(c.path().join("truth.json")).unwrap();
    assert_ne!(ta, tc);
}

/// What the files contain, as an importer would name it.
#[derive(Default)]
struct Seen {
    items: BTreeSet<(Platform, String)>,
    actors: BTreeSet<(Platform, String)>,
    feeds: usize,
    atom: usize,
    full_account: bool,
    page_lines: usize,
    flat_lines: usize,
    retweets_with_original: usize,
}

fn read_x(seen: &mut Seen, path: &Path) {
    let text = std::fs::read_to_string(path).unwrap();
    for line in text.lines() {
        let v: Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let tweets: Vec<&Value> = match v.get("data") {
            Some(Value::Array(d)) => {
                seen.page_lines += 1;
                let users = v["includes"]["users"].as_array().unwrap();
                let incl: BTreeSet<&str> = v["includes"]["tweets"]
                    .as_array()
                    .map(|a| a.iter().filter_map(|t| t["id"].as_str()).collect())
                    .unwrap_or_default();
                for t in d {
                    assert!(
                        users.iter().any(|u| u["id"] == t["author_id"]),
                        "author missing from includes"
                    );
                    if let Some(r) = t["referenced_tweets"]
                        .as_array()
                        .and_then(|r| r.iter().find(|r| r["type"] == "retweeted"))
                    {
                        assert!(
                            incl.contains(r["id"].as_str().unwrap()),
                            "original missing from includes"
                        );
                        seen.retweets_with_original += 1;
                    }
                }
                d.iter().collect()
            }
            _ => {
                seen.flat_lines += 1;
                assert_eq!(v["author"]["id"], v["author_id"]);
                vec![&v]
            }
        };
        for t in tweets {
            let created = t["created_at"].as_str().unwrap();
            assert!(
                skydas_model::time::parse_datetime(created).is_some(),
                "{created}"
            );
            for u in t["entities"]["urls"].as_array().into_iter().flatten() {
                let (s, e) = (
                    u["start"].as_u64().unwrap() as usize,
                    u["end"].as_u64().unwrap() as usize,
                );
                let sub: String = t["text"]
                    .as_str()
                    .unwrap()
                    .chars()
                    .skip(s)
                    .take(e - s)
                    .collect();
                assert_eq!(sub, u["url"].as_str().unwrap());
                assert!(u["expanded_url"].as_str().unwrap().starts_with("https://"));
            }
            if let Some(text) = t["text"].as_str()
                && t["referenced_tweets"]
                    .as_array()
                    .is_some_and(|r| r.iter().any(|r| r["type"] == "retweeted"))
            {
                assert!(text.starts_with("RT @"), "{text}");
            }
            seen.items
                .insert((Platform::X, t["id"].as_str().unwrap().to_string()));
            seen.actors
                .insert((Platform::X, t["author_id"].as_str().unwrap().to_string()));
        }
    }
}

fn read_chat(seen: &mut Seen, chat: &Value) {
    let id = chat["id"].as_u64().unwrap();
    assert_eq!(chat["type"], "public_channel");
    for m in chat["messages"].as_array().unwrap() {
        let ts = m["date_unixtime"].as_str().unwrap();
        assert!(ts.parse::<i64>().is_ok());
        assert_eq!(m["from_id"], format!("channel{id}"));
        assert!(m["text"].is_string() || m["text"].is_array());
        seen.items.insert((
            Platform::Telegram,
            format!("{id}/{}", m["id"].as_u64().unwrap()),
        ));
        seen.actors.insert((Platform::Telegram, id.to_string()));
    }
}

fn read_feed(seen: &mut Seen, path: &Path) {
    use quick_xml::events::Event;
    let text = std::fs::read_to_string(path).unwrap();
    let mut r = quick_xml::Reader::from_str(&text);
    let mut stack: Vec<String> = Vec::new();
    let mut host = None;
    let mut is_atom = false;
    loop {
        match r
            .read_event()
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        {
            Event::Start(e) => {
                let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                if name == "feed" {
                    is_atom = true;
                }
                stack.push(name);
            }
            Event::Empty(e) if e.name().as_ref() == b"link" && stack.len() == 1 && is_atom => {
                let href = e
                    .try_get_attribute("href")
                    .unwrap()
                    .unwrap()
                    .unescape_value()
                    .unwrap()
                    .to_string();
                host = Some(
                    href.trim_start_matches("https://")
                        .trim_end_matches('/')
                        .to_string(),
                );
            }
            Event::End(_) => {
                stack.pop();
            }
            Event::Text(t) => {
                let v = t.decode().unwrap().to_string();
                let path: Vec<&str> = stack.iter().map(String::as_str).collect();
                match path.as_slice() {
                    ["rss", "channel", "link"] => {
                        host = Some(
                            v.trim_start_matches("https://")
                                .trim_end_matches('/')
                                .to_string(),
                        )
                    }
                    ["rss", "channel", "item", "guid"] | ["feed", "entry", "id"] => {
                        seen.items.insert((Platform::Web, v));
                    }
                    ["rss", "channel", "item", "pubDate"] => {
                        assert!(skydas_model::time::parse_rfc2822(&v).is_some(), "{v}")
                    }
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert!(stack.is_empty(), "{} is not closed", path.display());
    seen.feeds += 1;
    seen.atom += usize::from(is_atom);
    seen.actors
        .insert((Platform::Web, host.expect("feed has a link")));
}

fn read_all(dir: &Path) -> Seen {
    let mut seen = Seen::default();
    for p in files(&dir.join("data")) {
        let rel = p
            .strip_prefix(dir.join("data"))
            .unwrap()
            .to_string_lossy()
            .to_string();
        if rel.starts_with("x/") {
            read_x(&mut seen, &p);
        } else if rel.starts_with("telegram/") {
            let v: Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
            if let Some(list) = v["chats"]["list"].as_array() {
                seen.full_account = true;
                assert!(v["personal_information"].is_object());
                for c in list {
                    read_chat(&mut seen, c);
                }
            } else {
                read_chat(&mut seen, &v);
            }
        } else if rel.starts_with("web/") {
            read_feed(&mut seen, &p);
        } else {
            panic!("unexpected file {rel}");
        }
    }
    seen
}

#[test]
fn truth_matches_the_files_and_formats_parse() {
    let dir = tempfile::tempdir().unwrap();
    let sum = simulate(&small(3), dir.path()).unwrap();
    let truth: Truth =
        serde_json::from_slice(&std::fs::read(dir.path().join("truth.json")).unwrap()).unwrap();
    let seen = read_all(dir.path());
    assert_eq!(truth.items_total, sum.items);
    assert_eq!(
        seen.items.len() as u64,
        sum.items,
        "item ids are unique and all parsed"
    );
    assert!(seen.full_account && seen.atom >= 1 && seen.feeds > seen.atom);
    assert!(seen.page_lines > 0 && seen.flat_lines > 0 && seen.retweets_with_original > 0);
    let kinds: BTreeSet<&str> = truth.operations.iter().map(|o| o.kind.as_str()).collect();
    assert_eq!(kinds.len(), 8, "{kinds:?}");
    for op in truth.operations.iter().chain(&truth.decoys) {
        for it in &op.items {
            assert!(
                seen.items.contains(&(it.platform, it.id.clone())),
                "{}: item {:?} not in files",
                op.id,
                it
            );
        }
        for a in &op.actors {
            assert!(
                seen.actors.contains(&(a.platform, a.id.clone())),
                "{}: actor {:?} not in files",
                op.id,
                a
            );
        }
    }
    // Every clone in the truth is linked from the files (as the preview or the direct link).
    let x_text: String = files(&dir.path().join("data/x"))
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    assert!(!truth.lookalike_domains.is_empty());
    for l in &truth.lookalike_domains {
        assert!(
            x_text.contains(&format!("https://{}/", l.host)),
            "clone {} is in the truth but no post links to it",
            l.host
        );
    }
    for op in &truth.operations {
        assert!(
            !op.items.is_empty() && !op.actors.is_empty() && !op.disarm.is_empty(),
            "{}",
            op.id
        );
    }
    let op_items: usize = truth.operations.iter().map(|o| o.items.len()).sum();
    assert!(
        op_items as u64 * 4 < sum.items,
        "operations stay a minority: {op_items} of {}",
        sum.items
    );
    assert!(!truth.lookalike_domains.is_empty());
    for l in &truth.lookalike_domains {
        assert!(
            l.domain.is_ascii() && !truth.benign_domains.contains(&l.domain),
            "{l:?}"
        );
    }
}

fn actor(p: Platform, id: &str) -> TruthActor {
    TruthActor {
        platform: p,
        id: id.into(),
        handle: None,
        role: None,
    }
}

fn op(id: &str, kind: &str, actors: &[&str]) -> Operation {
    Operation {
        id: id.into(),
        kind: kind.into(),
        disarm: vec![],
        actors: actors.iter().map(|a| actor(Platform::X, a)).collect(),
        items: vec![],
        domains: vec![],
        redirectors: vec![],
        params: json!({}),
    }
}

/// A finding of the kind `spec` declares.
fn finding(
    spec: &'static KindSpec,
    id: &str,
    actors: &[&str],
    domain: Option<(&str, &str)>,
) -> Finding {
    Finding {
        id: id.into(),
        kind: FindingKind::of(spec),
        score: 0.9,
        disarm: vec![],
        first_seen: 0,
        last_seen: 0,
        summary: String::new(),
        actors: actors
            .iter()
            .map(|a| FindingActor {
                platform: Platform::X,
                id: (*a).into(),
                handle: None,
                name: None,
                role: None,
            })
            .collect(),
        evidence: vec![],
        signals: Default::default(),
        edges: vec![],
        domain: domain.map(|d| d.0.to_string()),
        impersonates: domain.map(|d| d.1.to_string()),
        techniques: vec![],
        tlp: None,
        detector: "test".into(),
        detector_version: "1".into(),
        params: json!({}),
    }
}

#[test]
fn evaluation_gives_exact_numbers() {
    let truth = Truth {
        seed: 1,
        scale: 1.0,
        start: 0,
        days: 1,
        items_total: 10,
        operations: vec![
            op("op-1", "copypasta", &["1", "2", "3", "4"]),
            op("op-2", "retweet_ring", &["5", "6"]),
        ],
        decoys: vec![
            op("d-1", "aggregator", &["7", "8"]),
            // Actor 5 is an operation member sharing a viral link as cover: not a decoy.
            op("d-2", "viral_cascade", &["9", "5"]),
        ],
        lookalike_domains: vec![
            LookalikeDomain {
                domain: "spiegel.ltd".into(),
                host: "spiegel.ltd".into(),
                impersonates: "spiegel.de".into(),
                technique: "tld-swap".into(),
            },
            LookalikeDomain {
                domain: "news-today.net".into(),
                host: "lrt.lt.news-today.net".into(),
                impersonates: "lrt.lt".into(),
                technique: "subdomain".into(),
            },
        ],
        benign_domains: vec!["lrt.lt".into(), "lrytas.lt".into()],
    };
    let doc = FindingsDoc {
        findings: vec![
            finding(
                &skydas_detect::coordination::KIND,
                "c1",
                &["1", "2", "3", "7"],
                None,
            ),
            finding(&skydas_detect::coordination::KIND, "c2", &["5"], None),
            finding(
                &skydas_detect::lookalike::KIND,
                "l1",
                &[],
                Some(("spiegel.ltd", "spiegel.de")),
            ),
            finding(
                &skydas_detect::lookalike::KIND,
                "l2",
                &[],
                Some(("lrytas.lt", "lrt.lt")),
            ),
            finding(&skydas_detect::automation::KIND, "a1", &["7"], None),
            finding(&skydas_detect::automation::KIND, "a2", &["8", "1"], None),
        ],
    };
    let r = crate::evaluate(&truth, &doc);
    assert_eq!(
        (r.actors.predicted, r.actors.truth, r.actors.true_positives),
        (5, 6, 4)
    );
    assert!((r.actors.precision - 0.8).abs() < 1e-12);
    assert!((r.actors.recall - 4.0 / 6.0).abs() < 1e-12);
    assert!((r.actors.f1 - 2.0 * 0.8 * (4.0 / 6.0) / (0.8 + 4.0 / 6.0)).abs() < 1e-12);
    assert_eq!(r.operations[0].recall, 0.75);
    assert_eq!(r.operations[0].best_jaccard, 3.0 / 5.0);
    assert_eq!(r.operations[0].best_finding.as_deref(), Some("c1"));
    assert_eq!(
        (r.operations[1].recall, r.operations[1].best_jaccard),
        (0.5, 0.5)
    );
    assert_eq!(
        (
            r.decoys[0].kind.as_str(),
            r.decoys[0].flagged,
            r.decoys[0].fraction
        ),
        ("aggregator", 1, 0.5)
    );
    assert_eq!(
        (
            r.decoys[1].kind.as_str(),
            r.decoys[1].actors,
            r.decoys[1].flagged
        ),
        ("viral_cascade", 1, 0)
    );
    assert_eq!(
        (
            r.lookalike.found,
            r.lookalike.recall,
            r.lookalike.impersonates_matched
        ),
        (1, 0.5, 1)
    );
    assert_eq!(r.lookalike.missed, vec!["news-today.net".to_string()]);
    assert_eq!(r.lookalike.false_alarms, vec!["lrytas.lt".to_string()]);
    assert_eq!(r.lookalike.benign_flagged, vec!["lrytas.lt".to_string()]);
    assert_eq!(r.automation.decoys_flagged["aggregator"], 2);
    assert_eq!(r.automation.operation_actors_flagged, 1);
    let table = crate::render(&r);
    assert!(table.contains("precision 0.800  recall 0.667"), "{table}");
    assert!(table.contains("op-1"), "{table}");
    assert!(serde_json::to_value(&r).unwrap()["actors"]["true_positives"] == 4);
}

#[test]
fn empty_findings_score_zero_without_dividing_by_zero() {
    let truth = Truth {
        seed: 0,
        scale: 0.1,
        start: 0,
        days: 1,
        items_total: 0,
        operations: vec![op("o", "copypasta", &["1"])],
        decoys: vec![],
        lookalike_domains: vec![],
        benign_domains: vec![],
    };
    let r = crate::evaluate(&truth, &FindingsDoc::default());
    assert_eq!(
        (
            r.actors.precision,
            r.actors.recall,
            r.actors.f1,
            r.lookalike.recall
        ),
        (0.0, 0.0, 0.0, 0.0)
    );
}

#[test]
fn rejects_bad_configs() {
    let dir = tempfile::tempdir().unwrap();
    for cfg in [
        SimConfig {
            scale: 0.0,
            ..small(1)
        },
        SimConfig {
            scale: f64::NAN,
            ..small(1)
        },
        SimConfig {
            days: 0,
            ..small(1)
        },
    ] {
        assert!(matches!(
            simulate(&cfg, dir.path()),
            Err(crate::SimError::Config(_))
        ));
    }
}
