//! Findings to export, built field by field: shared by the crate's tests and the sample exporter
//! (`examples/export_sample.rs` includes this file), so that both start from the same finding
//! and only say what their findings have of their own.

use std::collections::BTreeMap;

use skydas_model::{Evidence, Finding, FindingActor, FindingKind, Platform};

/// A finding of `kind`, seen over `seen` (first, last), by the kind's own detector, with no
/// techniques, actors, evidence, signals or edges yet.
pub fn finding(
    id: &str,
    kind: FindingKind,
    score: f64,
    seen: (i64, i64),
    summary: String,
) -> Finding {
    Finding {
        id: id.into(),
        kind: kind.clone(),
        score,
        disarm: vec![],
        first_seen: seen.0,
        last_seen: seen.1,
        summary,
        actors: vec![],
        evidence: vec![],
        signals: BTreeMap::new(),
        edges: vec![],
        domain: None,
        impersonates: None,
        techniques: vec![],
        tlp: None,
        detector: kind.as_str().to_string(),
        detector_version: "1".into(),
        params: serde_json::json!({}),
    }
}

/// An account or channel with a handle and, when given, a display name.
pub fn actor(platform: Platform, id: &str, handle: &str, name: Option<String>) -> FindingActor {
    FindingActor {
        platform,
        id: id.into(),
        handle: Some(handle.into()),
        name,
        role: None,
    }
}

/// One post of `actor` at `time`, with its text.
pub fn evidence(
    platform: Platform,
    id: &str,
    actor: &str,
    time: i64,
    url: Option<&str>,
    text: String,
) -> Evidence {
    Evidence {
        platform,
        id: id.into(),
        actor: actor.into(),
        time,
        url: url.map(Into::into),
        text: Some(text),
    }
}
