//! The command line's contract, walked subcommand by subcommand: a bad value exits 2 naming
//! the value and what is allowed; a closed pipe ends quietly; a read command on a missing
//! store says so; folders are read by content and every skipped file is named; a re-import
//! names what was already there; `demo` serves whatever stdout is.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use std::process::Output;

use crate::cli::{json, on_store, run, scenario, stderr, stdout};

fn ok(o: &Output) {
    assert!(o.status.success(), "{}", stderr(o));
}

/// Every subcommand that takes a value, given a bad one: (arguments, the value as the message
/// must name it, a word of what is allowed).
const BAD_VALUES: &[(&[&str], &str, &str)] = &[
    (
        &["search", "nato", "--since", "yesterday"],
        "yesterday",
        "RFC 3339",
    ),
    (&["search", "nato", "--until", "soon"], "soon", "RFC 3339"),
    (
        &["search", "nato", "--platform", "myspace"],
        "myspace",
        "telegram",
    ),
    (&["search", "nato", "--limit", "0"], "0", "at least 1"),
    (&["search", "nato", "--limit", "many"], "many", "at least 1"),
    (&["simulate", "--out", "x", "--scale", "0"], "0", "above 0"),
    (
        &["simulate", "--out", "x", "--scale", "-1"],
        "-1",
        "above 0",
    ),
    (
        &["simulate", "--out", "x", "--start", "someday"],
        "someday",
        "date",
    ),
    (&["demo", "--scale", "0", "--no-serve"], "0", "above 0"),
    (
        &["findings", "--kind", "lookalike"],
        "lookalike_domain",
        "coordination",
    ),
    (
        &["findings", "mark", "ID", "--tlp", "purple"],
        "purple",
        "amber+strict",
    ),
    (&["findings", "graph", "--format", "png"], "png", "graphml"),
    (
        &["protect", "add", "not a domain!!"],
        "not a domain!!",
        "lrt.lt",
    ),
    (
        &["protect", "add", "lrt.lt", "--country", "XX"],
        "XX",
        "ISO 3166-1",
    ),
    (
        &["protect", "add", "lrt.lt", "--kind", "banana"],
        "banana",
        "government",
    ),
    (
        &["export", "stix", "--tlp", "red", "--out", "x.json"],
        "RED",
        "amber+strict",
    ),
    (
        &["export", "misp", "--tlp", "ultraviolet", "--out", "x.json"],
        "ultraviolet",
        "green",
    ),
    (&["import", "--format", "banana", "x"], "banana", "telegram"),
    (
        &["import", "--platform", "myspace", "x"],
        "myspace",
        "telegram",
    ),
    (
        &["import", "--tz", "Mars/Olympus", "x"],
        "Mars/Olympus",
        "Europe/Vilnius",
    ),
    (&["scan", "--format", "banana", "x"], "banana", "telegram"),
    (&["scan", "--min-acts", "1", "x"], "1", "2"),
    (&["analyze", "--fdr", "2"], "2", "between 0 and 1"),
    (&["analyze", "--window", "0"], "0", "1 to 86400"),
    (&["worker", "--idle-exit", "-1"], "-1", "0 or more"),
    (
        &["convert", "--format", "banana", "--out", "x.csv", "x"],
        "banana",
        "telegram",
    ),
    (
        &["indicators", "import", "--tlp", "blue", "x"],
        "blue",
        "amber",
    ),
    (&["user", "add", "eve", "--role", "god"], "god", "analyst"),
    (&["audit", "list", "--limit", "0"], "0", "at least 1"),
    (
        &[
            "taxii",
            "pull",
            "http://127.0.0.1:9/",
            "--collection",
            "c",
            "--user",
            "u",
            "--token",
            "t",
            "--interval",
            "often",
        ],
        "often",
        "seconds",
    ),
    (
        &["collection", "grant", "c", "org", "--max-tlp", "red"],
        "RED",
        "amber",
    ),
    (
        &["collection", "publish", "c", "--tlp", "pink"],
        "pink",
        "amber",
    ),
    (&["serve", "--addr", "localhost"], "localhost", "address"),
];

#[test]
fn every_bad_value_exits_2_naming_the_value_and_what_is_allowed() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    // A store exists, so that no command stops at "no store" before it reads its values.
    ok(&run(
        &["protect", "add", "lrt.lt", "--country", "lt"],
        &data,
    ));
    let mut failures = Vec::new();
    for (args, value, allowed) in BAD_VALUES {
        let o = on_store(&data, args)
            .current_dir(tmp.path())
            .env("SKYDAS_PASSWORD", "a long enough passphrase")
            .output()
            .unwrap();
        let err = stderr(&o);
        let code = o.status.code();
        if code != Some(2)
            || !err.contains(value)
            || !err.contains(allowed)
            || err.contains("panicked")
        {
            failures.push(format!("skydas {}: exit {code:?}: {err}", args.join(" ")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} bad values broke the contract:\n{}",
        failures.len(),
        BAD_VALUES.len(),
        failures.join("\n")
    );
}

/// Runs `args` with stdout a pipe whose reader closes it after the first bytes.
fn with_closed_pipe(args: &[&str], data: &Path) -> (Option<i32>, String) {
    let mut child = on_store(data, args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut first = [0u8; 16];
    let _ = out.read(&mut first).unwrap();
    drop(out);
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    (child.wait().unwrap().code(), err)
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let scn = scenario(tmp.path(), 5, 0.1);
    ok(&run(&["import", scn.join("data").to_str().unwrap()], &data));
    let doc = json(&run(&["--json", "analyze"], &data));
    let id = doc["findings"][0]["id"].as_str().unwrap().to_string();
    for args in [
        vec!["search", "nato", "--limit", "5000"],
        vec!["--json", "search", "nato", "--limit", "5000"],
        vec!["findings", "show", id.as_str()],
        vec!["--json", "findings"],
        vec!["findings", "graph", "--format", "graphml"],
        vec!["audit", "list", "--limit", "5000"],
    ] {
        let (code, err) = with_closed_pipe(&args, &data);
        assert_eq!(code, Some(0), "skydas {}: {err}", args.join(" "));
        assert!(
            err.is_empty(),
            "skydas {} was not quiet: {err}",
            args.join(" ")
        );
    }
}

#[test]
fn read_commands_on_a_missing_store_say_so_and_create_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("no-such-store");
    for args in [
        &["findings"][..],
        &["findings", "show", "co-1"],
        &["stats"],
        &["search", "nato"],
        &["analyze"],
        &["export", "stix", "--out", "x.json"],
        &["audit", "verify"],
        &["protect", "list"],
        &["indicators", "list"],
        &["user", "list"],
        &["collection", "list"],
    ] {
        let o = run(args, &missing);
        assert_eq!(o.status.code(), Some(1), "skydas {}", args.join(" "));
        assert!(
            stderr(&o).contains("no store in") && stderr(&o).contains("no-such-store"),
            "skydas {}: {}",
            args.join(" "),
            stderr(&o)
        );
        assert!(
            !missing.exists(),
            "skydas {} created a store",
            args.join(" ")
        );
    }
}

#[test]
fn folders_are_read_by_content_and_every_skipped_file_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let dir = tmp.path().join("in");
    std::fs::create_dir_all(&dir).unwrap();
    let feed = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title>\
        <link>https://news.example.lt/</link><item><title>a</title>\
        <link>https://news.example.lt/a</link><pubDate>Tue, 20 Feb 2024 10:00:00 GMT</pubDate>\
        </item></channel></rss>";
    std::fs::write(dir.join("page.html"), feed).unwrap();
    std::fs::write(
        dir.join(".hidden.jsonl"),
        "{\"id\":\"9\",\"author_id\":\"1\",\"created_at\":\"2024-02-20T10:00:00Z\",\"text\":\"x\"}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("real-page.html"),
        "<!DOCTYPE html><html><body>hi</body></html>",
    )
    .unwrap();
    std::fs::write(dir.join("picture.dat"), b"\x89PNG\r\n\x1a\n\0\0\0\0").unwrap();
    std::fs::write(dir.join("junk.txt"), "neither a feed nor a table\n").unwrap();
    let o = run(&["import", dir.to_str().unwrap()], &data);
    let err = stderr(&o);
    // Two files of data, one named error, two named skips: five files, none in silence.
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("junk.txt: unrecognised format"), "{err}");
    assert!(err.contains("real-page.html: skipped: HTML page"), "{err}");
    assert!(err.contains("picture.dat: skipped: PNG image"), "{err}");
    assert!(
        stdout(&o).contains("from 3 files (2 skipped): 2 new items"),
        "{}",
        stdout(&o)
    );
    assert_eq!(json(&run(&["--json", "stats"], &data))["items"], 2);
    // Again: the JSON report names what was skipped and what was already there.
    let r = json(&run(&["--json", "import", dir.to_str().unwrap()], &data));
    let skipped: Vec<&str> = r["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["path"].as_str().unwrap())
        .collect();
    assert_eq!(skipped.len(), 2, "{r}");
    assert!(
        skipped
            .iter()
            .all(|p| p.ends_with("picture.dat") || p.ends_with("real-page.html"))
    );
    let unchanged = r["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["status"] == "unchanged")
        .count();
    assert_eq!(unchanged, 2, "{r}");
    // And as text: every file is named as already there, and the totals say so.
    let again = run(&["import", dir.to_str().unwrap()], &data);
    let err = stderr(&again);
    assert!(err.contains("page.html: already imported"), "{err}");
    assert!(err.contains(".hidden.jsonl: already imported"), "{err}");
    assert!(
        stdout(&again).contains("2 already imported"),
        "{}",
        stdout(&again)
    );
}

#[test]
fn demo_serves_when_stdout_is_not_a_terminal_and_counts_the_files_stats_counts() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let mut child = on_store(&data, &["demo", "--scale", "0.02", "--addr", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Both pipes are read by threads, so that the test waits a bounded time whatever the
    // child does.
    let (tx, rx) = std::sync::mpsc::channel();
    let out = child.stdout.take().unwrap();
    let err = child.stderr.take().unwrap();
    for pipe in [Box::new(out) as Box<dyn Read + Send>, Box::new(err)] {
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut files = None;
    let mut serving = None;
    let mut seen = Vec::new();
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        let Ok(line) = rx.recv_timeout(left) else {
            break;
        };
        if let Some(n) = line
            .trim()
            .strip_suffix(" files")
            .and_then(|l| l.rsplit(' ').next())
        {
            files = n.parse::<u64>().ok();
        }
        if line.contains("Open http://127.0.0.1:") {
            serving = Some(line);
            break;
        }
        seen.push(line);
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        serving.is_some(),
        "demo did not serve with stdout a pipe:\n{}",
        seen.join("\n")
    );
    let stats = json(&run(&["--json", "stats"], &data));
    assert_eq!(
        files,
        stats["files"].as_u64(),
        "demo and stats count files alike"
    );
}

#[test]
fn backup_and_restore_round_trip_every_table_and_original_and_the_audit_log_verifies() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let scn = scenario(tmp.path(), 5, 0.05);
    ok(&run(&["import", scn.join("data").to_str().unwrap()], &data));
    ok(&run(&["analyze"], &data));
    ok(&run(
        &["protect", "add", "lrt.lt", "--country", "LT"],
        &data,
    ));
    ok(&run(&["collection", "add", "FIMI"], &data));
    let add = on_store(&data, &["user", "add", "ada", "--role", "admin"])
        .env("SKYDAS_PASSWORD", "a long enough passphrase")
        .output()
        .unwrap();
    ok(&add);
    ok(&run(&["token", "create", "ada"], &data));

    let bk = tmp.path().join("backup");
    let b = json(&run(&["--json", "backup", bk.to_str().unwrap()], &data));
    let tables = b["manifest"]["tables"].as_object().unwrap().clone();
    for t in [
        "items",
        "actors",
        "provenance",
        "findings",
        "users",
        "api_tokens",
        "audit_log",
    ] {
        assert!(tables[t].as_u64().unwrap() > 0, "{t} is empty in {b}");
    }
    let originals = b["manifest"]["originals"].as_u64().unwrap();
    assert!(originals > 0, "{b}");
    // A backup never overwrites, and the keyring is not in it.
    assert_eq!(
        run(&["backup", bk.to_str().unwrap()], &data).status.code(),
        Some(2)
    );
    assert!(!bk.join("audit.keyring").exists());

    // Without its keyring a sealed log cannot be restored, and nothing is left behind.
    let to = tmp.path().join("restored");
    let o = run(&["restore", bk.to_str().unwrap()], &to);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--keyring"), "{}", stderr(&o));
    assert!(!to.join("skydas.db").exists());

    let keyring = data.join("audit.keyring");
    let r = json(&run(
        &[
            "--json",
            "restore",
            bk.to_str().unwrap(),
            "--keyring",
            keyring.to_str().unwrap(),
        ],
        &to,
    ));
    assert_eq!(r["audit"]["status"], "ok", "{r}");
    let v = run(&["audit", "verify"], &to);
    assert!(v.status.success(), "{}", stderr(&v));
    // Every table holds what the original store held at the backup, and as many originals.
    let again = json(&run(
        &["--json", "backup", tmp.path().join("b2").to_str().unwrap()],
        &to,
    ));
    for (t, n) in &tables {
        let now = again["manifest"]["tables"][t].as_u64().unwrap();
        // The restored store's own log gained its restore and backup rows since.
        if t.starts_with("audit") {
            assert!(now >= n.as_u64().unwrap(), "{t}");
        } else {
            assert_eq!(now, n.as_u64().unwrap(), "{t}");
        }
    }
    assert_eq!(again["manifest"]["originals"].as_u64(), Some(originals));
    assert_eq!(
        json(&run(&["--json", "stats"], &to)),
        json(&run(&["--json", "stats"], &data))
    );
    let findings = |d: &Path| json(&run(&["--json", "findings"], d));
    assert_eq!(findings(&to), findings(&data));

    // A damaged backup is refused, naming the file.
    let damaged = tmp.path().join("damaged");
    std::fs::create_dir_all(&damaged).unwrap();
    std::fs::copy(bk.join("backup.json"), damaged.join("backup.json")).unwrap();
    let mut db = std::fs::read(bk.join("skydas.db")).unwrap();
    let mid = db.len() / 2;
    db[mid] ^= 0xFF;
    std::fs::write(damaged.join("skydas.db"), db).unwrap();
    let o = run(
        &["restore", damaged.to_str().unwrap()],
        &tmp.path().join("r3"),
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("damaged"), "{}", stderr(&o));
}

#[test]
fn the_password_prompt_on_a_terminal_does_not_echo() {
    // A real terminal: `script` (util-linux, in every Debian) runs the command on a pty whose
    // output it copies to its stdout, echo included.
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let cmd = format!(
        "{} --data {} user add bob --role admin",
        env!("CARGO_BIN_EXE_skydas"),
        data.display()
    );
    let mut child = std::process::Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .env_remove("SKYDAS_PASSWORD")
        .env_remove("SKYDAS_DATA")
        .env_remove("SKYDAS_AUDIT_KEYRING")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("script (util-linux) runs");
    let mut out = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 256];
        while let Ok(n) = out.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    let wait_for = |seen: &mut Vec<u8>, what: &str| {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !String::from_utf8_lossy(seen).contains(what) {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(chunk) => seen.extend(chunk),
                Err(_) => return false,
            }
        }
        true
    };
    assert!(
        wait_for(&mut seen, "password:"),
        "no prompt: {}",
        String::from_utf8_lossy(&seen)
    );
    let secret = "correct horse battery staple";
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        writeln!(stdin, "{secret}").unwrap();
        // The pty stays open until the command has answered.
        assert!(
            wait_for(&mut seen, "added bob"),
            "{}",
            String::from_utf8_lossy(&seen)
        );
    }
    let _ = child.wait();
    let shown = String::from_utf8_lossy(&seen);
    assert!(!shown.contains(secret), "the password was echoed: {shown}");
    // The password that was typed is the one kept.
    let o = run(&["user", "list"], &data);
    assert!(stdout(&o).contains("bob"), "{}", stderr(&o));
}
