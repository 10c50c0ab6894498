//! Server-time latency of the findings list and finding detail over a store of 1,000
//! synthetic findings, measured through the router with `oneshot` (no socket).
//!
//! `cargo run --release -p skydas-server --example latency [DATA_DIR]` — with a data directory
//! (e.g. one filled by `skydas simulate --scale 10` and `skydas import`), the findings are added
//! to that store, so the figures include its size.

use std::time::Instant;

use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use skydas_detect::coordination;
use skydas_model::{
    EdgeEvidence, Evidence, Finding, FindingActor, FindingKind, ItemPair, Platform,
};
use skydas_server::{App, Settings, router};
use skydas_store::accounts::{Role, secret_hash};
use tower::ServiceExt;

fn synthetic(i: usize) -> Finding {
    let n_actors = 5 + i % 40;
    let actors: Vec<FindingActor> = (0..n_actors)
        .map(|a| FindingActor {
            platform: Platform::X,
            id: format!("{}", 1_000_000 + i * 100 + a),
            handle: Some(format!("user_{i}_{a}")),
            name: None,
            role: None,
        })
        .collect();
    let evidence: Vec<Evidence> = (0..100)
        .map(|e| Evidence {
            platform: Platform::X,
            id: format!("{}", 9_000_000_000u64 + (i * 1000 + e) as u64),
            actor: actors[e % n_actors].id.clone(),
            time: 1_700_000_000 + (e as i64) * 600,
            url: Some(format!("https://example.org/{i}/{e}")),
            text: Some("the same text, posted again and again by many accounts".into()),
        })
        .collect();
    let edges: Vec<EdgeEvidence> = (0..n_actors)
        .flat_map(|a| (a + 1..n_actors.min(a + 4)).map(move |b| (a, b)))
        .map(|(a, b)| EdgeEvidence {
            acts: None,
            a: actors[a].id.clone(),
            b: actors[b].id.clone(),
            weight: 1.0 + (a * b % 7) as f64,
            signals: [("co-link".to_string(), 5)].into_iter().collect(),
            p_value: Some(1e-5),
            pairs: (0..8)
                .map(|p| ItemPair {
                    signal: "co-link".into(),
                    key: format!("https://example.org/{i}/{p}"),
                    a: format!("{p}"),
                    b: format!("{}", p + 1),
                    gap_s: 30,
                })
                .collect(),
        })
        .collect();
    Finding {
        id: format!("co-{i:016x}"),
        kind: FindingKind::of(&coordination::KIND),
        score: (i % 100) as f64 / 100.0,
        disarm: vec!["T0049.003".into(), "T0084.001".into()],
        first_seen: 1_700_000_000,
        last_seen: 1_700_060_000,
        summary: format!("{n_actors} actors repeatedly shared the same links"),
        actors,
        evidence,
        signals: [("co-link".to_string(), 40)].into_iter().collect(),
        edges,
        domain: None,
        impersonates: None,
        techniques: vec![],
        tlp: None,
        detector: coordination::KIND.name.into(),
        detector_version: "1".into(),
        params: serde_json::json!({}),
    }
}

async fn time(app: &std::sync::Arc<App>, path: &str, runs: usize) -> (f64, f64, usize) {
    let mut ms = Vec::with_capacity(runs);
    let mut bytes = 0;
    for _ in 0..runs {
        let req = Request::get(path)
            .header("authorization", "Bearer bench-token")
            .body(Body::empty())
            .unwrap();
        let t = Instant::now();
        let r = router(app.clone()).oneshot(req).await.unwrap();
        assert!(r.status().is_success(), "{path}: {}", r.status());
        bytes = r.into_body().collect().await.unwrap().to_bytes().len();
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    ms.sort_by(f64::total_cmp);
    (ms[ms.len() / 2], ms[ms.len() * 95 / 100], bytes)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = std::env::args_os()
        .nth(1)
        .map_or_else(|| tmp.path().to_path_buf(), Into::into);
    let app = App::open(&dir, Settings::new(skydas_detect::kinds())).unwrap();
    {
        let mut db = app.db();
        let findings: Vec<Finding> = (0..1000).map(synthetic).collect();
        let t = Instant::now();
        db.store
            .replace_findings(&[coordination::KIND.name], &findings)
            .unwrap();
        eprintln!(
            "stored 1000 findings in {:.0} ms",
            t.elapsed().as_secs_f64() * 1000.0
        );
        if db.accounts.user("bench").unwrap().is_none() {
            db.accounts
                .add_user("bench", Role::Viewer, "local", "x")
                .unwrap();
            db.accounts
                .add_token("bench", &secret_hash("bench-token"), "bench")
                .unwrap();
        }
        eprintln!("store: {} items", db.store.stats().unwrap().items);
    }
    let detail = format!("/findings/co-{:016x}", 39);
    let api_detail = format!("/api/v1/findings/co-{:016x}", 39);
    println!("route\tmedian ms\tp95 ms\tbytes");
    for path in [
        "/findings",
        "/findings?kind=coordination&min_score=0.5&disarm=T0084.001&offset=100",
        detail.as_str(),
        "/api/v1/findings?limit=50",
        api_detail.as_str(),
    ] {
        let (med, p95, bytes) = time(&app, path, 30).await;
        println!("{path}\t{med:.1}\t{p95:.1}\t{bytes}");
    }
}
