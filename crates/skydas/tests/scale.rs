//! Distributed runs against the real services (PostgreSQL at `SKYDAS_TEST_PG`, default
//! `postgres://postgres@127.0.0.1:5432/test`; NATS at `SKYDAS_TEST_NATS`, default
//! `nats://127.0.0.1:4222`): two worker processes, one killed with SIGKILL mid-run, must give
//! the embedded store's items and findings.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_skydas");

fn pg() -> String {
    std::env::var("SKYDAS_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

fn nats() -> String {
    std::env::var("SKYDAS_TEST_NATS").unwrap_or_else(|_| "nats://127.0.0.1:4222".to_string())
}

fn skydas(data: &Path, store: Option<&str>, args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.arg("--data")
        .arg(data)
        .env_remove("SKYDAS_STORE")
        .env_remove("SKYDAS_NATS");
    if let Some(s) = store {
        c.arg("--store").arg(s).arg("--nats").arg(nats());
    }
    c.env("SKYDAS_ACK_WAIT", "2")
        .env("SKYDAS_PARTITIONS", "5")
        .args(args);
    c
}

fn json(mut c: Command) -> serde_json::Value {
    let out = c.output().expect("run skydas");
    assert!(
        out.status.success(),
        "{c:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

/// Kind, sorted actor ids and domain of every finding.
fn finding_sets(doc: &serde_json::Value) -> Vec<(String, Vec<String>, Option<String>)> {
    let mut v: Vec<_> = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            let mut actors: Vec<String> = f["actors"]
                .as_array()
                .expect("actors")
                .iter()
                .map(|a| a["id"].as_str().unwrap_or_default().to_string())
                .collect();
            actors.sort();
            (
                f["kind"].as_str().unwrap_or_default().to_string(),
                actors,
                f["domain"].as_str().map(str::to_string),
            )
        })
        .collect();
    v.sort();
    v
}

struct Cleanup {
    url: String,
    schema: String,
    workers: Vec<Child>,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        for w in &mut self.workers {
            let _ = w.kill();
            let _ = w.wait();
        }
        let _ = skydas_store_pg::PgStore::drop_schema(&self.url);
        let _ = skydas_work::delete_streams(&nats(), &self.schema);
    }
}

#[test]
fn two_workers_one_killed_give_the_embedded_items_and_findings() {
    let dir = tempfile::tempdir().expect("temp dir");
    let scen = dir.path().join("scen");
    json(skydas(
        &dir.path().join("sim"),
        None,
        &[
            "simulate",
            "--json",
            "--scale",
            "0.05",
            "--out",
            scen.to_str().expect("utf-8"),
        ],
    ));
    let data = scen.join("data");
    let data = data.to_str().expect("utf-8");

    let emb = dir.path().join("embedded");
    let emb_import = json(skydas(&emb, None, &["import", "--json", data]));
    let emb_stats = json(skydas(&emb, None, &["stats", "--json"]));
    let emb_findings = json(skydas(&emb, None, &["analyze", "--json"]));
    assert!(emb_import["new_items"].as_u64().unwrap_or(0) > 1000);

    let schema = format!("skydas_test_scale_{}", std::process::id());
    let url = format!("{}?schema={schema}", pg());
    let _ = skydas_store_pg::PgStore::drop_schema(&url);
    let _ = skydas_work::delete_streams(&nats(), &schema);
    let pgd = dir.path().join("pg");
    let mut guard = Cleanup {
        url: url.clone(),
        schema: schema.clone(),
        workers: Vec::new(),
    };
    let spawn = |name: &str| {
        skydas(
            &pgd,
            Some(&url),
            &["worker", "--name", name, "--idle-exit", "30"],
        )
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn worker")
    };
    guard.workers.push(spawn("w1"));
    guard.workers.push(spawn("w2"));
    let imported = json(skydas(&pgd, Some(&url), &["import", "--json", data]));
    assert!(imported["enqueued_batches"].as_u64().unwrap_or(0) > 10);
    // Kill one worker while batches are in flight; its unacknowledged messages must be
    // delivered again to the other.
    guard.workers[0].kill().expect("kill -9");
    let _ = guard.workers[0].wait();

    let deadline = Instant::now() + Duration::from_secs(60);
    let stats = loop {
        let mut c = skydas(&pgd, Some(&url), &["stats", "--json"]);
        c.env_remove("SKYDAS_NATS");
        let s = json(c);
        if s["items"] == emb_stats["items"] && s["files"] == emb_stats["files"] {
            break s;
        }
        assert!(Instant::now() < deadline, "workers did not finish: {s}");
        std::thread::sleep(Duration::from_millis(200));
    };
    for k in [
        "items",
        "actors",
        "files",
        "provenance",
        "by_platform",
        "by_language",
    ] {
        assert_eq!(stats[k], emb_stats[k], "{k}: no loss, no duplicates");
    }

    let pg_findings = json(skydas(&pgd, Some(&url), &["analyze", "--json"]));
    let want = finding_sets(&emb_findings);
    assert!(want.iter().any(|f| f.0 == "coordination"), "{want:?}");
    assert!(want.iter().any(|f| f.0 == "lookalike_domain"), "{want:?}");
    assert_eq!(finding_sets(&pg_findings), want);

    // The stored findings are what `findings` shows, on either backend.
    let listed = json(skydas(&pgd, Some(&url), &["findings", "--json"]));
    assert_eq!(finding_sets(&listed), want);
}
