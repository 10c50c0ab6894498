//! End-to-end tests of the `skydas` binary: real files in, real processes, real exit codes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub(crate) fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_skydas"));
    c.env_remove("SKYDAS_DATA")
        .env_remove("SKYDAS_AUDIT_KEYRING")
        .env("SKYDAS_LOG", "warn");
    c
}

pub(crate) fn run(args: &[&str], data: &Path) -> Output {
    on_store(data, args).output().expect("the binary runs")
}

/// The binary (see [`bin`]) set to run `args` on the store in `data`, with nothing on stdin;
/// the caller adds environment, pipes and further arguments.
pub(crate) fn on_store(data: &Path, args: &[&str]) -> Command {
    let mut c = bin();
    c.arg("--data").arg(data).args(args).stdin(Stdio::null());
    c
}

pub(crate) fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub(crate) fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// String field `field` of every element of the JSON array `list`.
pub(crate) fn each_str(list: &serde_json::Value, field: &str) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| v[field].as_str().unwrap().to_string())
        .collect()
}

pub(crate) fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            stdout(o),
            stderr(o)
        )
    })
}

/// A small simulated scenario, written once per test into its own folder.
pub(crate) fn scenario(dir: &Path, seed: u64, scale: f64) -> PathBuf {
    let out = dir.join("scn");
    let o = bin()
        .args(["simulate", "--out"])
        .arg(&out)
        .args(["--seed", &seed.to_string(), "--scale", &scale.to_string()])
        .output()
        .unwrap();
    assert!(o.status.success(), "simulate failed: {}", stderr(&o));
    out
}

/// A store in `dir/store` holding simulated scenario `seed` at `scale`, imported and analysed:
/// the store's folder and what `analyze --json` printed.
fn analyzed_store(dir: &Path, seed: u64, scale: f64) -> (PathBuf, serde_json::Value) {
    let scn = scenario(dir, seed, scale);
    let data = dir.join("store");
    let o = run(&["import", scn.join("data").to_str().unwrap()], &data);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(&["analyze", "--json"], &data);
    assert!(o.status.success(), "{}", stderr(&o));
    (data, json(&o))
}

/// Counts what the files hold, independently of the importers: tweets in X JSONL (flattened
/// lines and `data` arrays of page lines) and `type: message` entries of Telegram exports.
fn count_posts(data: &Path) -> (u64, u64) {
    let mut x = 0;
    let mut tg = 0;
    let mut stack = vec![data.to_path_buf()];
    while let Some(p) = stack.pop() {
        if p.is_dir() {
            for e in std::fs::read_dir(&p).unwrap() {
                stack.push(e.unwrap().path());
            }
            continue;
        }
        let text = std::fs::read_to_string(&p).unwrap_or_default();
        if p.extension().is_some_and(|e| e == "jsonl") {
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                let v: serde_json::Value = serde_json::from_str(line).unwrap();
                x += match v.get("data") {
                    Some(d) => d.as_array().map_or(1, |a| a.len() as u64),
                    None => 1,
                };
            }
        } else if p.file_name().is_some_and(|n| n == "result.json") {
            let v: serde_json::Value = serde_json::from_str(&text).unwrap();
            let chats: Vec<&serde_json::Value> = match v.get("chats") {
                Some(c) => c["list"].as_array().unwrap().iter().collect(),
                None => vec![&v],
            };
            for c in chats {
                tg += c["messages"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|m| m["type"] == "message")
                    .count() as u64;
            }
        }
    }
    (x, tg)
}

fn stats(data: &Path) -> serde_json::Value {
    let o = run(&["stats", "--json"], data);
    assert!(o.status.success(), "{}", stderr(&o));
    json(&o)
}

#[test]
fn imports_x_and_telegram_exactly_once() {
    let tmp = tempfile::tempdir().unwrap();
    let scn = scenario(tmp.path(), 11, 0.03);
    let data = tmp.path().join("store");
    let (x, tg) = count_posts(&scn.join("data"));
    assert!(
        x > 100 && tg > 100,
        "scenario too small: {x} tweets, {tg} messages"
    );

    let o = run(&["import", "--json"], &data);
    assert_eq!(
        o.status.code(),
        Some(2),
        "import without paths is a usage error"
    );

    let x_dir = scn.join("data/x");
    let tg_dir = scn.join("data/telegram");
    let import_both = || {
        on_store(&data, &["import", "--json"])
            .arg(&x_dir)
            .arg(&tg_dir)
            .output()
            .unwrap()
    };
    let o = import_both();
    assert!(o.status.success(), "{}", stderr(&o));
    let r = json(&o);
    assert_eq!(r["record_errors"], 0, "{}", stderr(&o));
    let s = stats(&data);
    assert_eq!(s["items"].as_u64().unwrap(), x + tg);
    assert_eq!(s["by_platform"]["x"].as_u64().unwrap(), x);
    assert_eq!(s["by_platform"]["telegram"].as_u64().unwrap(), tg);

    let o = import_both();
    assert!(o.status.success());
    assert_eq!(json(&o)["new_items"], 0, "a second import adds nothing");
    assert_eq!(stats(&data)["items"].as_u64().unwrap(), x + tg);
}

#[test]
fn a_garbage_file_is_named_and_the_good_ones_land() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("in");
    std::fs::create_dir_all(&dir).unwrap();
    let good = r#"{"id":"1","text":"Labas rytas, Vilniau","author_id":"10","created_at":"2024-02-24T06:00:00.000Z","author":{"id":"10","username":"a"}}
{"id":"2","text":"Доброго ранку, Києве","author_id":"11","created_at":"2024-02-24T06:00:05.000Z","author":{"id":"11","username":"b"}}
"#;
    std::fs::write(dir.join("good.jsonl"), good).unwrap();
    std::fs::write(
        dir.join("garbage.bin"),
        [0xffu8, 0xfe, 0x00, 0x13, 0x37, 0x42, 0x99].repeat(100),
    )
    .unwrap();
    let data = tmp.path().join("store");
    let o = run(&["import", dir.to_str().unwrap()], &data);
    assert_eq!(
        o.status.code(),
        Some(1),
        "an unreadable file makes the run fail"
    );
    assert!(
        stderr(&o).contains("garbage.bin"),
        "the bad file is named: {}",
        stderr(&o)
    );
    assert_eq!(stats(&data)["items"], 2, "the good file landed");
}

#[test]
fn a_truncated_line_is_reported_with_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("tweets.jsonl");
    let lines = [
        r#"{"id":"1","text":"Labas rytas","author_id":"10","created_at":"2024-02-24T06:00:00.000Z","author":{"id":"10","username":"a"}}"#,
        r#"{"id":"2","text":"Dzień dobry","author_id":"11","created_at":"2024-02-24T06:00:05.000Z","auth"#,
        r#"{"id":"3","text":"Hyvää huomenta","author_id":"12","created_at":"2024-02-24T06:00:09.000Z","author":{"id":"12","username":"c"}}"#,
    ];
    std::fs::write(&f, lines.join("\n") + "\n").unwrap();
    let data = tmp.path().join("store");
    let o = run(&["import", f.to_str().unwrap()], &data);
    assert_eq!(
        o.status.code(),
        Some(0),
        "a partly bad input exits 0: {}",
        stderr(&o)
    );
    let err = stderr(&o);
    assert!(
        err.contains(&format!("{}:2:", f.display())),
        "file:line named: {err}"
    );
    assert_eq!(stats(&data)["items"], 2);
}

#[test]
fn kill_during_import_then_reimport_gives_the_exact_count() {
    let tmp = tempfile::tempdir().unwrap();
    let scn = scenario(tmp.path(), 5, 0.6);
    let (x, tg) = count_posts(&scn.join("data"));
    let src = [scn.join("data/x"), scn.join("data/telegram")];
    let data = tmp.path().join("store");
    let mut child = on_store(&data, &["import"])
        .args(&src)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill it once it has written into the store (the WAL grows past its header).
    let wal = data.join("skydas.db-wal");
    let mut killed_mid_run = false;
    for _ in 0..2000 {
        if std::fs::metadata(&wal)
            .map(|m| m.len() > 64 * 1024)
            .unwrap_or(false)
        {
            killed_mid_run = child.try_wait().unwrap().is_none();
            break;
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let _ = child.kill(); // SIGKILL on Unix
    let _ = child.wait();
    assert!(
        killed_mid_run,
        "the import finished before it could be killed; make the scenario larger"
    );

    let o = on_store(&data, &["import", "--json"])
        .args(&src)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stats(&data)["items"].as_u64().unwrap(),
        x + tg,
        "exactly the single-import count"
    );
}

#[test]
fn scan_finds_planted_operations_and_eval_scores_them() {
    let tmp = tempfile::tempdir().unwrap();
    let scn = scenario(tmp.path(), 1, 1.0);
    let data = tmp.path().join("unused");
    let o = run(
        &["scan", "--json", scn.join("data").to_str().unwrap()],
        &data,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let findings = json(&o);
    let list = findings["findings"].as_array().unwrap();
    assert!(list.iter().any(|f| f["kind"] == "coordination"));
    for f in list {
        for key in [
            "id",
            "kind",
            "score",
            "disarm",
            "first_seen",
            "last_seen",
            "evidence",
            "actors",
        ] {
            assert!(f.get(key).is_some(), "finding lacks {key}: {f}");
        }
        let score = f["score"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&score));
    }
    let fpath = tmp.path().join("findings.json");
    std::fs::write(&fpath, &o.stdout).unwrap();
    let o = run(
        &[
            "eval",
            "--json",
            "--truth",
            scn.join("truth.json").to_str().unwrap(),
            fpath.to_str().unwrap(),
        ],
        &data,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let ev = json(&o);
    let recall = ev["actors"]["recall"].as_f64().unwrap();
    let precision = ev["actors"]["precision"].as_f64().unwrap();
    assert!(recall >= 0.9, "actor recall {recall}: {ev}");
    assert!(precision >= 0.9, "actor precision {precision}: {ev}");
    for op in ev["operations"].as_array().unwrap() {
        assert!(
            op["recall"].as_f64().unwrap() >= 0.9,
            "operation missed: {op}"
        );
    }
    let (decoys, flagged) = ev["decoys"]
        .as_array()
        .unwrap()
        .iter()
        .fold((0, 0), |(d, f), k| {
            (
                d + k["actors"].as_u64().unwrap(),
                f + k["flagged"].as_u64().unwrap(),
            )
        });
    assert!(
        flagged * 100 <= decoys,
        "{flagged} of {decoys} decoy actors flagged: {ev}"
    );
    assert_eq!(ev["lookalike"]["recall"], 1.0, "{ev}");
    assert!(
        ev["lookalike"]["false_alarms"]
            .as_array()
            .unwrap()
            .is_empty(),
        "{ev}"
    );
}

#[test]
fn analyze_stores_findings_that_show_explains() {
    let tmp = tempfile::tempdir().unwrap();
    let (data, doc) = analyzed_store(tmp.path(), 4, 0.2);
    let first = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "coordination")
        .expect("a coordination finding")
        .clone();
    let id = first["id"].as_str().unwrap();
    let o = run(&["findings", "--json"], &data);
    assert_eq!(
        json(&o)["findings"].as_array().unwrap().len(),
        doc["findings"].as_array().unwrap().len()
    );
    let o = run(&["findings", "show", id], &data);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains(id));
    assert!(
        text.contains(" s apart"),
        "edges are explained by item pairs: {text}"
    );
    assert!(
        text.contains("from "),
        "evidence points at original files: {text}"
    );
    for fmt in ["gexf", "graphml", "csv"] {
        let out = tmp.path().join(format!("g.{fmt}"));
        let o = run(
            &[
                "findings",
                "graph",
                id,
                "--format",
                fmt,
                "--out",
                out.to_str().unwrap(),
            ],
            &data,
        );
        assert!(o.status.success(), "{}", stderr(&o));
        let g = std::fs::read_to_string(&out).unwrap();
        let first_actor = first["actors"][0]["id"].as_str().unwrap();
        assert!(g.contains(first_actor), "{fmt} graph names the actors");
    }
}

#[test]
fn red_findings_never_leave_and_markings_gate_exports() {
    let tmp = tempfile::tempdir().unwrap();
    let (data, doc) = analyzed_store(tmp.path(), 6, 0.2);
    let ids = each_str(&doc["findings"], "id");
    assert!(ids.len() >= 3, "need a few findings: {ids:?}");
    let (red, strict, green) = (&ids[0], &ids[1], &ids[2]);
    for (id, level) in [(red, "red"), (strict, "amber+strict"), (green, "green")] {
        let o = run(&["findings", "mark", id, "--tlp", level], &data);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let bundle_of = |args: &[&str], out: &Path| -> (serde_json::Value, String) {
        let mut all = vec!["--json", "export"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--out", out.to_str().unwrap()]);
        let o = run(&all, &data);
        assert!(o.status.success(), "{}", stderr(&o));
        (json(&o), std::fs::read_to_string(out).unwrap())
    };
    // A partner at AMBER: RED and AMBER+STRICT are withheld, GREEN goes.
    let out = tmp.path().join("partner.json");
    let (r, text) = bundle_of(&["stix", "--tlp", "amber"], &out);
    assert!(r["withheld"].as_u64().unwrap() >= 2, "{r}");
    assert!(!text.contains(red.as_str()) && !text.contains(strict.as_str()));
    assert!(
        text.contains("marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"),
        "TLP:GREEN marking present"
    );
    assert!(
        !text.contains("marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"),
        "no TLP:RED marking"
    );
    // Our own organisation at AMBER+STRICT gets the strict finding, still not the red one.
    let out = tmp.path().join("own.json");
    let (_, text) = bundle_of(&["stix", "--tlp", "amber+strict", "--own-org"], &out);
    assert!(!text.contains("marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"));
    assert!(text.contains("marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"));
    // MISP takes the same gate.
    let out = tmp.path().join("event.json");
    let (r, text) = bundle_of(&["misp", "--tlp", "clear"], &out);
    assert!(r["withheld"].as_u64().unwrap() >= 2, "{r}");
    assert!(!text.contains("tlp:red") && !text.contains("tlp:amber"));
    // Asking for RED is refused outright.
    let o = run(
        &[
            "export",
            "stix",
            "--tlp",
            "red",
            "--out",
            tmp.path().join("x.json").to_str().unwrap(),
        ],
        &data,
    );
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn scan_flags_clones_of_protected_domains_and_leaves_real_outlets_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("posts.jsonl");
    let mut lines = Vec::new();
    let links = [
        ("https://t.co/a1", "https://spiegel.ltd/politik/a-1.html"),
        ("https://t.co/a2", "https://xn--dlfi-v4d.lt/naujienos/1"),
        ("https://t.co/a3", "https://www.lrytas.lt/lietuvosdiena/1"),
        ("https://t.co/a4", "https://www.lrt.lt/naujienos/2"),
        ("https://t.co/a5", "https://kaunodiena-news.online/str/3"),
        ("https://t.co/a6", "https://www.delfi.lv/news/4"),
    ];
    for (i, (tco, url)) in links.iter().enumerate() {
        for k in 0..3 {
            let id = i * 10 + k;
            lines.push(format!(
                r#"{{"id":"{id}","text":"Skaitykite {tco}","author_id":"{a}","created_at":"2024-02-24T06:{m:02}:00.000Z","author":{{"id":"{a}","username":"user{a}"}},"entities":{{"urls":[{{"start":11,"end":26,"url":"{tco}","expanded_url":"{url}"}}]}}}}"#,
                a = 100 + k,
                m = i * 3 + k
            ));
        }
    }
    std::fs::write(&f, lines.join("\n") + "\n").unwrap();
    let protected = tmp.path().join("mine.txt");
    std::fs::write(
        &protected,
        "# our own outlets\nkaunodiena.lt,lt,media,Kauno diena\n",
    )
    .unwrap();
    let data = tmp.path().join("unused");
    let lookalikes = |extra: &[&str]| -> Vec<(String, String)> {
        let mut args = vec!["scan", "--json"];
        args.extend_from_slice(extra);
        args.push(f.to_str().unwrap());
        let o = run(&args, &data);
        assert!(o.status.success(), "{}", stderr(&o));
        let mut v: Vec<(String, String)> = json(&o)["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| x["kind"] == "lookalike_domain")
            .map(|x| {
                assert!(
                    x["disarm"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|d| d == "T0149.003")
                );
                (
                    x["domain"].as_str().unwrap().to_string(),
                    x["impersonates"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let base = lookalikes(&[]);
    assert!(
        base.contains(&("spiegel.ltd".into(), "spiegel.de".into())),
        "{base:?}"
    );
    assert!(
        base.contains(&("xn--dlfi-v4d.lt".into(), "delfi.lt".into())),
        "homoglyph: {base:?}"
    );
    for legit in ["lrytas.lt", "lrt.lt", "delfi.lv"] {
        assert!(
            base.iter().all(|(d, _)| d != legit),
            "{legit} is real: {base:?}"
        );
    }
    assert!(
        base.iter().all(|(d, _)| !d.starts_with("kaunodiena")),
        "not protected yet: {base:?}"
    );
    let p = protected.to_str().unwrap();
    let with = lookalikes(&["--protected", p]);
    assert!(
        with.contains(&("kaunodiena-news.online".into(), "kaunodiena.lt".into())),
        "{with:?}"
    );
}

#[test]
fn the_audit_log_is_sealed_with_a_keyring_kept_apart_and_rotated() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("store");
    let f = tmp.path().join("posts.csv");
    std::fs::write(&f, "id,author_id,time,text\n1,a,1700000000,hello\n").unwrap();
    assert!(
        run(&["import", f.to_str().unwrap()], &data)
            .status
            .success()
    );
    let keyring = data.join("audit.keyring");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&keyring).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "made for its owner only");
    }
    let o = run(&["--json", "audit", "verify"], &data);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(
        (v["status"].as_str(), v["unkeyed"].as_u64()),
        (Some("ok"), Some(0))
    );
    assert!(v["head"].as_str().unwrap().starts_with("k1:"), "{v}");
    // A new key seals from the next row on; the old one still verifies its rows.
    let o = run(&["audit", "rotate-key"], &data);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        run(&["import", f.to_str().unwrap()], &data)
            .status
            .success()
    );
    let v = json(&run(&["--json", "audit", "verify"], &data));
    assert!(v["head"].as_str().unwrap().starts_with("k2:"), "{v}");
    // Without its keyring a sealed log is neither verified nor written to.
    let kept = tmp.path().join("keyring.backup");
    std::fs::rename(&keyring, &kept).unwrap();
    let o = run(&["audit", "verify"], &data);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("keyring"), "{}", stderr(&o));
    assert!(!keyring.exists(), "no new key is made for a sealed log");
    // The keyring elsewhere, named by SKYDAS_AUDIT_KEYRING.
    let verify_with = |keyring: &Path| {
        on_store(&data, &["audit", "verify"])
            .env("SKYDAS_AUDIT_KEYRING", keyring)
            .output()
            .unwrap()
    };
    let o = verify_with(&kept);
    assert!(o.status.success(), "{}", stderr(&o));
    // One that others may read is refused.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&kept, std::fs::Permissions::from_mode(0o644)).unwrap();
        let o = verify_with(&kept);
        assert_eq!(o.status.code(), Some(1));
        assert!(stderr(&o).contains("chmod 600"), "{}", stderr(&o));
    }
}

/// One HTTP request to a server on loopback with an API token: the status code and the body.
fn api(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    token: &str,
    body: &str,
) -> (u16, String) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    let (head, body) = resp.split_once("\r\n\r\n").unwrap_or((&resp, ""));
    let code = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (code, body.to_string())
}

/// The tweets of an X API v2 JSONL file (page lines and flattened lines), each with its author
/// inlined, so that a copy can be written as flattened lines.
fn tweets_of(path: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        match v.get("data").and_then(|d| d.as_array()) {
            Some(data) => {
                let users = v["includes"]["users"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                for t in data {
                    let mut t = t.clone();
                    if let Some(u) = users.iter().find(|u| u["id"] == t["author_id"]) {
                        t["author"] = u.clone();
                    }
                    out.push(t);
                }
            }
            None => out.push(v),
        }
    }
    out
}

/// Every X JSONL file under `dir`.
fn x_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(p) = stack.pop() {
        if p.is_dir() {
            for e in std::fs::read_dir(&p).unwrap() {
                stack.push(e.unwrap().path());
            }
        } else if p.extension().is_some_and(|e| e == "jsonl") {
            out.push(p);
        }
    }
    out.sort();
    out
}

#[test]
fn a_network_keeps_its_id_and_review_when_an_account_joins() {
    let tmp = tempfile::tempdir().unwrap();
    let (data, doc) = analyzed_store(tmp.path(), 5, 0.2);
    // The largest network with members on X.
    let largest = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "coordination")
        .filter(|f| {
            f["actors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["platform"] == "x")
        })
        .max_by_key(|f| f["actors"].as_array().unwrap().len())
        .expect("a coordinated network on X")
        .clone();
    let id = largest["id"].as_str().unwrap().to_string();
    let members = each_str(&largest["actors"], "id");

    // An analyst confirms it through the API, with a note.
    let add = on_store(&data, &["user", "add", "ona", "--role", "analyst"])
        .env("SKYDAS_PASSWORD", "a long enough passphrase")
        .output()
        .unwrap();
    assert!(add.status.success(), "{}", stderr(&add));
    let token = run(&["token", "create", "ona"], &data);
    assert!(token.status.success(), "{}", stderr(&token));
    let token = stdout(&token).trim().to_string();
    let server = crate::serve::serve(&data, &[]);
    let note = "the same network as in the March report";
    let (code, body) = api(
        server.1,
        "POST",
        &format!("/api/v1/findings/{id}/status"),
        &token,
        &serde_json::json!({"status": "confirmed", "note": note}).to_string(),
    );
    assert_eq!(code, 200, "{body}");

    // One more account copies every post of one of the network's members on X, 7 s later: of
    // the member most given to the network (the most of its posts among the evidence), so
    // that copying it reads as joining the network rather than as a pair of its own.
    let mut posts: std::collections::BTreeMap<String, Vec<serde_json::Value>> = Default::default();
    for file in x_files(&tmp.path().join("scn/data")) {
        for t in tweets_of(&file) {
            let author = t["author_id"].as_str().unwrap_or("").to_string();
            if members.contains(&author) {
                posts.entry(author).or_default().push(t);
            }
        }
    }
    let in_evidence = |m: &str| {
        largest["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["actor"] == m)
            .count()
    };
    let (member, tweets) = posts
        .iter()
        .max_by(|a, b| {
            let share = |(m, ts): &(&String, &Vec<serde_json::Value>)| {
                in_evidence(m) as f64 / ts.len() as f64
            };
            share(a).total_cmp(&share(b)).then(b.0.cmp(a.0))
        })
        .expect("the network's members on X have posts in the X files");
    let newcomer = "990000000000000007";
    assert!(!members.iter().any(|m| m == newcomer));
    let mut copies = String::new();
    for t in tweets {
        let mut c = t.clone();
        let time = skydas_model::time::parse_rfc3339(t["created_at"].as_str().unwrap())
            .expect("an RFC 3339 time");
        c["id"] = format!("99{}", t["id"].as_str().unwrap()).into();
        c["author_id"] = newcomer.into();
        c["created_at"] = skydas_model::time::format_rfc3339(time + 7).into();
        c["author"] = serde_json::json!({
            "id": newcomer, "username": "copycat_seven", "name": "Copy Cat",
        });
        copies.push_str(&c.to_string());
        copies.push('\n');
    }
    assert!(!copies.is_empty(), "{member} has posts");
    let extra = tmp.path().join("extra");
    std::fs::create_dir_all(&extra).unwrap();
    std::fs::write(extra.join("copycat.jsonl"), copies).unwrap();
    let o = run(&["import", extra.to_str().unwrap()], &data);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(&["analyze", "--json"], &data);
    assert!(o.status.success(), "{}", stderr(&o));

    // The same finding: its id, its review, the newcomer among its actors and in version 2.
    let o = run(&["findings", "show", &id, "--json"], &data);
    assert!(
        o.status.success(),
        "the finding keeps its id: {}",
        stderr(&o)
    );
    let shown = json(&o);
    assert_eq!(shown["review"]["status"], "confirmed");
    assert_eq!(shown["review"]["note"], note);
    let actors = each_str(&shown["actors"], "id");
    assert!(actors.iter().any(|a| a == newcomer), "{actors:?}");
    let versions = shown["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 2, "{versions:?}");
    assert_eq!(versions[0]["version"], 1);
    assert_eq!(versions[1]["version"], 2);
    let joined = each_str_list(&versions[1]["members_in"]);
    assert!(joined.contains(&format!("x:{newcomer}")), "{joined:?}");
    assert!(versions[1]["at"].as_str() >= versions[0]["at"].as_str());
    let listed = json(&run(&["findings", "--json"], &data));
    let again = listed["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id.as_str())
        .expect("listed under its id");
    assert_eq!(again["review"]["status"], "confirmed");
    assert_eq!(again["review"]["note"], note);
    let text = stdout(&run(&["findings", "show", &id], &data));
    assert!(text.contains("review    confirmed"), "{text}");
    assert!(text.contains(&format!("joined x:{newcomer}")), "{text}");
    // The API shows the versions too.
    let (code, body) = api(
        server.1,
        "GET",
        &format!("/api/v1/findings/{id}"),
        &token,
        "",
    );
    assert_eq!(code, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["versions"].as_array().map(Vec::len), Some(2), "{v}");
    assert_eq!(v["review"]["note"], note);
}

/// The strings of a JSON array.
fn each_str_list(list: &serde_json::Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}
