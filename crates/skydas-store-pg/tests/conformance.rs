//! The shared store conformance suite (the store and its sharing tables), run against the
//! PostgreSQL server named by `SKYDAS_TEST_PG` (default
//! `postgres://postgres@127.0.0.1:5432/test`), each check in a fresh schema that is dropped
//! afterwards. Without a server each test says so and skips, unless `SKYDAS_REQUIRE_SERVICES=1`
//! makes it fail.

use std::sync::atomic::{AtomicU32, Ordering};

use skydas_store::sharing::SharingStore;
use skydas_store::{Store, conformance};
use skydas_store_pg::PgStore;

/// Schemas made by this process on the test server, dropped when the guard goes.
struct Schemas {
    base: String,
    urls: std::sync::Mutex<Vec<String>>,
    dir: tempfile::TempDir,
}

impl Drop for Schemas {
    fn drop(&mut self) {
        for url in self.urls.lock().map(|u| u.clone()).unwrap_or_default() {
            if let Err(e) = PgStore::drop_schema(&url) {
                eprintln!("cannot drop {url}: {e}");
            }
        }
    }
}

impl Schemas {
    /// The guard for one test, `None` when the test skips: the one place this crate checks
    /// that the server is there.
    fn new() -> Option<Schemas> {
        Some(Schemas {
            base: skydas_store_pg::testing::test_postgres()?,
            urls: std::sync::Mutex::new(Vec::new()),
            dir: tempfile::tempdir().expect("temp dir"),
        })
    }

    /// A store in a fresh schema of its own.
    fn store(&self, name: &str) -> PgStore {
        static N: AtomicU32 = AtomicU32::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let schema = format!("skydas_test_{}_{name}_{n}", std::process::id());
        let url = format!("{}?schema={schema}", self.base);
        PgStore::drop_schema(&url).expect("drop");
        self.urls.lock().expect("lock").push(url.clone());
        let dir = self.dir.path().join(&schema);
        PgStore::connect(&url, &dir).unwrap_or_else(|e| panic!("connect {url}: {e}"))
    }
}

fn run_store(check: conformance::Check, name: &str) {
    let Some(schemas) = Schemas::new() else {
        return;
    };
    let make = || -> Box<dyn Store> { Box::new(schemas.store(name)) };
    check(&make);
}

fn run_sharing(check: conformance::sharing::Check, name: &str) {
    let Some(schemas) = Schemas::new() else {
        return;
    };
    let make = || -> Box<dyn SharingStore> {
        Box::new(schemas.store(name).sharing().expect("sharing session"))
    };
    check(&make);
}

skydas_store::conformance_tests!(run_store, run_sharing);
