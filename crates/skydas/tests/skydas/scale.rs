//! Distributed runs against the real services (PostgreSQL at `SKYDAS_TEST_PG`, default
//! `postgres://postgres@127.0.0.1:5432/test`; NATS at `SKYDAS_TEST_NATS`, default
//! `nats://127.0.0.1:4222`): two worker processes must give the embedded store's items and
//! findings when one is killed with SIGKILL mid-run, when NATS restarts mid-run and when
//! PostgreSQL restarts mid-run.
//!
//! The restart tests stop the machine's own services (the commands of the machine's docs), so
//! the tests of this file run one at a time, and a guard starts a stopped service again even
//! when a test fails. Without either service each test says so and skips, unless
//! `SKYDAS_REQUIRE_SERVICES=1` makes it fail ([`services`]).

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use skydas_store_pg::testing;

const BIN: &str = env!("CARGO_BIN_EXE_skydas");

fn pg() -> String {
    std::env::var(testing::TEST_PG).unwrap_or_else(|_| testing::DEFAULT_TEST_PG.to_string())
}

fn nats() -> String {
    std::env::var("SKYDAS_TEST_NATS").unwrap_or_else(|_| "nats://127.0.0.1:4222".to_string())
}

/// Whether PostgreSQL and NATS are both there: the one check of the tests of this file. When
/// either is not, says so on stderr and the test returns early, unless
/// `SKYDAS_REQUIRE_SERVICES=1`, which fails it.
fn services() -> bool {
    static NATS: OnceLock<Result<(), String>> = OnceLock::new();
    if testing::test_postgres().is_none() {
        return false;
    }
    let url = nats();
    let probe = NATS.get_or_init(|| probe_nats(&url));
    testing::service_available("NATS", &url, "SKYDAS_TEST_NATS", probe)
}

/// Connects to the NATS server and reads its greeting (`INFO {…}`).
fn probe_nats(url: &str) -> Result<(), String> {
    let hostport = url
        .split_once("://")
        .map_or(url, |(_, rest)| rest)
        .rsplit('@')
        .next()
        .unwrap_or_default()
        .trim_end_matches('/');
    let addr = hostport
        .to_socket_addrs()
        .map_err(|e| format!("{hostport}: {e}"))?
        .next()
        .ok_or_else(|| format!("{hostport}: no address"))?;
    let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(3))
        .map_err(|e| e.to_string().to_lowercase())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(3)))
        .map_err(|e| e.to_string())?;
    let mut greeting = String::new();
    BufReader::new(stream)
        .read_line(&mut greeting)
        .map_err(|e| format!("no greeting: {e}"))?;
    if greeting.starts_with("INFO ") {
        Ok(())
    } else {
        Err(format!("not a NATS server: {:?}", greeting.trim_end()))
    }
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

/// Serialises the tests of this file: two of them restart a service the others use.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What each test of this file starts from: the services' check ([`services`]; `None` when
/// the test is to skip), then this file's lock ([`serial`]) and the [`baseline`].
fn serial_baseline() -> Option<(MutexGuard<'static, ()>, Baseline)> {
    if !services() {
        return None;
    }
    let serial = serial();
    Some((serial, baseline()))
}

/// A simulated scenario, imported and analysed by the embedded store: what every distributed
/// run must reproduce.
struct Baseline {
    dir: tempfile::TempDir,
    data: String,
    stats: serde_json::Value,
    findings: serde_json::Value,
}

fn baseline() -> Baseline {
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
    let data = scen.join("data").to_str().expect("utf-8").to_string();
    let emb = dir.path().join("embedded");
    let imported = json(skydas(&emb, None, &["import", "--json", &data]));
    assert!(imported["new_items"].as_u64().unwrap_or(0) > 1000);
    let stats = json(skydas(&emb, None, &["stats", "--json"]));
    let findings = json(skydas(&emb, None, &["analyze", "--json"]));
    let want = finding_sets(&findings);
    assert!(want.iter().any(|f| f.0 == "coordination"), "{want:?}");
    assert!(want.iter().any(|f| f.0 == "lookalike_domain"), "{want:?}");
    Baseline {
        dir,
        data,
        stats,
        findings,
    }
}

/// A fresh schema and streams for one distributed run, removed (with its workers) on drop.
fn distributed(b: &Baseline, tag: &str) -> (Cleanup, String, PathBuf) {
    let schema = format!("skydas_test_{tag}_{}", std::process::id());
    let url = format!("{}?schema={schema}", pg());
    let _ = skydas_store_pg::PgStore::drop_schema(&url);
    let _ = skydas_work::delete_streams(&nats(), &schema);
    let guard = Cleanup {
        url: url.clone(),
        schema,
        workers: Vec::new(),
    };
    (guard, url, b.dir.path().join(format!("pg_{tag}")))
}

/// A worker that exits after `idle` seconds without work and prints its report as JSON.
fn spawn_worker(pgd: &Path, url: &str, name: &str, idle: &str) -> Child {
    skydas(
        pgd,
        Some(url),
        &["worker", "--json", "--name", name, "--idle-exit", idle],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::null())
    .spawn()
    .expect("spawn worker")
}

/// Waits for the workers to go idle and exit, and returns their reports.
fn reports(workers: &mut Vec<Child>) -> Vec<serde_json::Value> {
    workers
        .drain(..)
        .map(|w| {
            let out = w.wait_with_output().expect("worker output");
            assert!(out.status.success(), "worker failed: {:?}", out.status);
            serde_json::from_slice(&out.stdout).expect("worker report")
        })
        .collect()
}

/// Polls `skydas stats` until the distributed store holds the embedded store's items and
/// files (a failed poll, e.g. while a service restarts, is polled again), then returns them.
fn stats_when_done(pgd: &Path, url: &str, want: &serde_json::Value) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let mut c = skydas(pgd, Some(url), &["stats", "--json"]);
        c.env_remove("SKYDAS_NATS");
        let out = c.output().expect("run skydas stats");
        let s: serde_json::Value = if out.status.success() {
            serde_json::from_slice(&out.stdout).expect("json")
        } else {
            serde_json::Value::Null
        };
        if s["items"] == want["items"] && s["files"] == want["files"] {
            return s;
        }
        assert!(Instant::now() < deadline, "workers did not finish: {s}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The distributed store holds exactly the embedded store's items: no loss, no duplicates.
fn assert_same_stats(got: &serde_json::Value, want: &serde_json::Value) {
    for k in [
        "items",
        "actors",
        "files",
        "provenance",
        "record_errors",
        "by_platform",
        "by_language",
    ] {
        assert_eq!(got[k], want[k], "{k}: no loss, no duplicates");
    }
}

/// Waits until the store holds some items but (probably) not yet all: the moment to break
/// something mid-run.
fn wait_for_first_items(url: &str, dir: &Path) -> u64 {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let items = skydas_store_pg::PgStore::connect(url, dir)
            .and_then(|s| skydas_store::Store::stats(&s))
            .map_or(0, |s| s.items);
        if items > 0 {
            return items;
        }
        assert!(Instant::now() < deadline, "no items stored after a minute");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A service of the machine that a test stops or restarts.
#[derive(Debug, Clone, Copy)]
enum Service {
    Postgres,
    Nats,
}

impl Service {
    fn port(self) -> u16 {
        match self {
            Service::Postgres => 5432,
            Service::Nats => 4222,
        }
    }

    fn is_up(self) -> bool {
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port()));
        TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
    }

    /// The cluster version directory of the machine's PostgreSQL (`/etc/postgresql/15`).
    fn pg_version() -> String {
        std::fs::read_dir("/etc/postgresql")
            .ok()
            .and_then(|mut d| d.next())
            .and_then(|e| e.ok())
            .map_or_else(
                || "15".to_string(),
                |e| e.file_name().to_string_lossy().into(),
            )
    }

    fn command(self, action: &str) -> Command {
        let mut c;
        match (self, action) {
            (Service::Postgres, _) => {
                c = Command::new("pg_ctlcluster");
                c.args([
                    "--skip-systemctl-redirect",
                    &Self::pg_version(),
                    "main",
                    action,
                ]);
            }
            (Service::Nats, "stop") => {
                c = Command::new("start-stop-daemon");
                c.args([
                    "--stop",
                    "--retry",
                    "TERM/10/KILL/5",
                    "--exec",
                    "/usr/sbin/nats-server",
                ]);
            }
            (Service::Nats, _) => {
                c = Command::new("start-stop-daemon");
                c.args([
                    "--start",
                    "--oknodo",
                    "--background",
                    "--exec",
                    "/usr/sbin/nats-server",
                    "--",
                    "-a",
                    "127.0.0.1",
                    "-p",
                    "4222",
                    "-js",
                    "-sd",
                    "/var/lib/nats-server",
                    "-l",
                    "/var/log/nats-server.log",
                ]);
            }
        }
        // The daemons outlive the test: they must not hold its output open.
        c.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        c
    }

    fn run(self, action: &str) {
        let status = self.command(action).status();
        assert!(
            status.as_ref().is_ok_and(|s| s.success()),
            "{self:?} {action}: {status:?}"
        );
    }

    fn wait(self, up: bool) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.is_up() != up {
            assert!(Instant::now() < deadline, "{self:?} up={up} after 30 s");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops the service; the returned guard starts it again when dropped.
    fn stop(self) -> Outage {
        let guard = Outage(self);
        self.run("stop");
        self.wait(false);
        guard
    }
}

/// Starts its service again when dropped (also when the test panics), so that one failed test
/// does not leave the machine without PostgreSQL or NATS.
struct Outage(Service);

impl Outage {
    fn end(self) {
        drop(self);
    }
}

impl Drop for Outage {
    fn drop(&mut self) {
        if !self.0.is_up() {
            let _ = self.0.command("start").status();
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        while !self.0.is_up() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// Runs the distributed import and analysis of `b` with two workers, calling `disrupt` once
/// the first items are stored (the import still running), and checks items and findings
/// against the embedded store's. Returns the workers' reports.
fn distributed_run(b: &Baseline, tag: &str, disrupt: impl FnOnce()) -> Vec<serde_json::Value> {
    let (mut guard, url, pgd) = distributed(b, tag);
    guard.workers.push(spawn_worker(&pgd, &url, "w1", "6"));
    guard.workers.push(spawn_worker(&pgd, &url, "w2", "6"));
    let import = skydas(&pgd, Some(&url), &["import", "--json", &b.data])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn import");
    let before = wait_for_first_items(&url, &b.dir.path().join("probe"));
    assert!(
        before < b.stats["items"].as_u64().unwrap_or(0),
        "the run finished before it could be disrupted"
    );
    disrupt();
    let out = import.wait_with_output().expect("import output");
    assert!(
        out.status.success(),
        "import: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let imported: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(imported["enqueued_batches"].as_u64().unwrap_or(0) > 10);

    let stats = stats_when_done(&pgd, &url, &b.stats);
    assert_same_stats(&stats, &b.stats);
    let findings = json(skydas(&pgd, Some(&url), &["analyze", "--json"]));
    assert_eq!(finding_sets(&findings), finding_sets(&b.findings));
    reports(&mut guard.workers)
}

fn retries(reports: &[serde_json::Value]) -> u64 {
    reports
        .iter()
        .map(|r| r["retries"].as_u64().unwrap_or(0))
        .sum()
}

#[test]
fn nats_restart_mid_run_loses_nothing() {
    let Some((_serial, b)) = serial_baseline() else {
        return;
    };
    let reports = distributed_run(&b, "natsrestart", || {
        let outage = Service::Nats.stop();
        std::thread::sleep(Duration::from_millis(1500));
        outage.end();
        Service::Nats.wait(true);
    });
    // The outage was met: a fetch failed and was backed off from, or an acknowledgement was
    // lost with the connection (and the batch came again and was skipped as already stored).
    // A worker busy in PostgreSQL at that moment may find the client already reconnected, so
    // not necessarily all of these, nor by both workers.
    let met: u64 = reports
        .iter()
        .map(|r| {
            ["retries", "acks_lost", "skipped_batches"]
                .iter()
                .map(|k| r[k].as_u64().unwrap_or(0))
                .sum::<u64>()
        })
        .sum();
    assert!(met > 0, "{reports:?}");
}

#[test]
fn postgres_restart_mid_run_loses_nothing() {
    let Some((_serial, b)) = serial_baseline() else {
        return;
    };
    let reports = distributed_run(&b, "pgrestart", || {
        let outage = Outage(Service::Postgres);
        Service::Postgres.run("restart");
        outage.end();
        Service::Postgres.wait(true);
    });
    // Every worker's session died with the restart; the next write found out and reconnected.
    assert!(retries(&reports) > 0, "{reports:?}");
}

#[test]
fn two_workers_one_killed_give_the_embedded_items_and_findings() {
    let Some((_serial, b)) = serial_baseline() else {
        return;
    };
    let (mut guard, url, pgd) = distributed(&b, "scale");
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
    let imported = json(skydas(&pgd, Some(&url), &["import", "--json", &b.data]));
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
        if s["items"] == b.stats["items"] && s["files"] == b.stats["files"] {
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
        assert_eq!(stats[k], b.stats[k], "{k}: no loss, no duplicates");
    }

    let pg_findings = json(skydas(&pgd, Some(&url), &["analyze", "--json"]));
    let want = finding_sets(&b.findings);
    assert!(want.iter().any(|f| f.0 == "coordination"), "{want:?}");
    assert!(want.iter().any(|f| f.0 == "lookalike_domain"), "{want:?}");
    assert_eq!(finding_sets(&pg_findings), want);

    // The stored findings are what `findings` shows, on either backend.
    let listed = json(skydas(&pgd, Some(&url), &["findings", "--json"]));
    assert_eq!(finding_sets(&listed), want);

    // And what `serve` shows: a user and token made in PostgreSQL read them over HTTP.
    let mut add = skydas(
        &pgd,
        Some(&url),
        &["user", "add", "ona", "--role", "viewer"],
    );
    add.env("SKYDAS_PASSWORD", "correct horse battery")
        .stdout(Stdio::null());
    assert!(add.status().expect("user add").success());
    let token = skydas(&pgd, Some(&url), &["token", "create", "ona"])
        .output()
        .expect("token create");
    assert!(token.status.success());
    let token = String::from_utf8_lossy(&token.stdout).trim().to_string();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let addr = format!("127.0.0.1:{port}");
    guard.workers.push(
        skydas(&pgd, Some(&url), &["serve", "--addr", &addr])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn serve"),
    );
    let body = http_get(&addr, "/api/v1/findings?limit=1000", &token);
    let served: serde_json::Value = serde_json::from_str(&body).expect("findings json");
    assert_eq!(finding_sets(&served), want);
    // The audit log is PostgreSQL's too: the distributed import and analysis are in it.
    let audit = json(skydas(&pgd, Some(&url), &["audit", "list", "--json"]));
    let actions: Vec<&str> = audit["audit"]
        .as_array()
        .expect("audit rows")
        .iter()
        .filter_map(|r| r["action"].as_str())
        .collect();
    for a in ["import", "analyze", "user_add", "token_create"] {
        assert!(actions.contains(&a), "{a} not audited: {actions:?}");
    }
    let verify = skydas(&pgd, Some(&url), &["audit", "verify"])
        .stdout(Stdio::null())
        .status();
    assert!(verify.is_ok_and(|s| s.success()), "audit chain intact");
}

/// The body of `GET path` with a bearer token, retried while the server starts.
fn http_get(addr: &str, path: &str, token: &str) -> String {
    use std::io::{Read, Write};
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(mut s) = TcpStream::connect(addr) {
            let req = format!(
                "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
                 Connection: close\r\n\r\n"
            );
            let mut resp = String::new();
            if s.write_all(req.as_bytes()).is_ok() && s.read_to_string(&mut resp).is_ok() {
                let (head, body) = resp.split_once("\r\n\r\n").unwrap_or((&resp, ""));
                assert!(head.starts_with("HTTP/1.1 200"), "{head}");
                assert!(
                    !head
                        .to_ascii_lowercase()
                        .contains("transfer-encoding: chunked"),
                    "{head}"
                );
                return body.to_string();
            }
        }
        assert!(Instant::now() < deadline, "serve did not answer on {addr}");
        std::thread::sleep(Duration::from_millis(100));
    }
}
