//! For the tests of any crate that need a running service (PostgreSQL here, NATS in the
//! binary's tests): which server to test against, and what a test does when it is not there.
//! A test skips, saying why on stderr, unless `SKYDAS_REQUIRE_SERVICES=1` (as CI sets it), in
//! which case a missing service fails it: CI always runs them against the real server.

use std::io::Write;
use std::str::FromStr;
use std::sync::OnceLock;
use std::time::Duration;

use crate::redact;

/// The variable that makes a missing service fail tests instead of skipping them.
pub const REQUIRE_SERVICES: &str = "SKYDAS_REQUIRE_SERVICES";

/// The variable naming the PostgreSQL server tests use.
pub const TEST_PG: &str = "SKYDAS_TEST_PG";

/// The PostgreSQL server tests use when [`TEST_PG`] names none.
pub const DEFAULT_TEST_PG: &str = "postgres://postgres@127.0.0.1:5432/test";

/// Whether a missing service must fail a test rather than skip it (`SKYDAS_REQUIRE_SERVICES=1`).
pub fn services_required() -> bool {
    std::env::var(REQUIRE_SERVICES).is_ok_and(|v| v.trim() == "1")
}

/// Whether the service a test needs could be reached, by the outcome of probing it. When it
/// could not, says so on stderr (`skipping: no NATS at nats://… (set SKYDAS_TEST_NATS): …`) and
/// returns `false`, and the test returns early.
///
/// # Panics
///
/// When the service could not be reached and [`services_required`]: the test fails.
pub fn service_available(
    name: &str,
    shown_at: &str,
    env: &str,
    probe: &std::result::Result<(), String>,
) -> bool {
    match probe {
        Ok(()) => true,
        Err(why) if services_required() => panic!(
            "{name} at {shown_at} cannot be reached and {REQUIRE_SERVICES}=1 requires it \
             (set {env}): {why}"
        ),
        Err(why) => {
            // Straight to the process's stderr and in one write: the test harness captures
            // `eprintln!` of passing tests, and parallel tests must not interleave their lines.
            let line = skip_line(name, shown_at, env, why);
            let _ = std::io::stderr().write_all(line.as_bytes());
            false
        }
    }
}

/// What a skipping test says.
fn skip_line(name: &str, shown_at: &str, env: &str, why: &str) -> String {
    format!("skipping: no {name} at {shown_at} (set {env}): {why}\n")
}

/// The PostgreSQL server to test against ([`TEST_PG`], else [`DEFAULT_TEST_PG`]), or `None`
/// when it cannot be reached and the test should skip (see [`service_available`]). The server
/// is probed once per process; callable from async code.
///
/// # Panics
///
/// When the server cannot be reached and [`services_required`].
pub fn test_postgres() -> Option<String> {
    static PROBE: OnceLock<std::result::Result<(), String>> = OnceLock::new();
    let url = std::env::var(TEST_PG).unwrap_or_else(|_| DEFAULT_TEST_PG.to_string());
    let probe = PROBE.get_or_init(|| {
        // The driver blocks on a runtime of its own, which may not start on a thread that
        // drives one (an async test's).
        let u = url.clone();
        std::thread::spawn(move || probe_postgres(&u))
            .join()
            .unwrap_or_else(|_| Err("the probe panicked".into()))
    });
    service_available("PostgreSQL", &redact(&url), TEST_PG, probe).then_some(url)
}

/// Connects to the server (giving up after a few seconds) and asks it something.
fn probe_postgres(url: &str) -> std::result::Result<(), String> {
    let mut config = postgres::Config::from_str(url).map_err(|e| e.to_string())?;
    config.connect_timeout(Duration::from_secs(5));
    let mut client = config
        .connect(postgres::NoTls)
        .map_err(|e| connect_error(&e))?;
    client
        .simple_query("SELECT 1")
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// The driver's message with its cause (`connection refused`), which its own `Display` leaves
/// out.
fn connect_error(e: &postgres::Error) -> String {
    match std::error::Error::source(e) {
        Some(cause) => format!("{e}: {cause}"),
        None => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_skip_names_the_service_its_address_and_the_variable() {
        assert_eq!(
            skip_line(
                "NATS",
                "nats://127.0.0.1:4222",
                "SKYDAS_TEST_NATS",
                "refused"
            ),
            "skipping: no NATS at nats://127.0.0.1:4222 (set SKYDAS_TEST_NATS): refused\n"
        );
        assert!(service_available("X", "x://h", "X_URL", &Ok(())));
    }

    #[test]
    fn an_unreachable_server_is_named_with_its_cause() {
        // Port 1 on the loopback refuses at once.
        let why = probe_postgres("postgres://u:secret@127.0.0.1:1/db").unwrap_err();
        assert!(why.to_lowercase().contains("refused"), "{why}");
        assert!(!why.contains("secret"), "{why}");
    }
}
