//! The sharing checks of the conformance suite, run against SQLite.

use std::cell::Cell;

use crate::conformance::sharing::{self as checks, MakeSharing};
use crate::{OpenOptions, SqliteStore};

use super::SharingStore;

fn with_sharing(check: fn(MakeSharing<'_>)) {
    let dir = tempfile::tempdir().unwrap();
    let n = Cell::new(0u32);
    let make = || -> Box<dyn SharingStore> {
        n.set(n.get() + 1);
        let path = dir.path().join(n.get().to_string());
        let store = SqliteStore::open(&path, OpenOptions::default()).unwrap();
        Box::new(store.sharing().unwrap())
    };
    check(&make);
}

macro_rules! sharing_tests {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                with_sharing(checks::$name);
            }
        )*

        #[test]
        fn every_sharing_check_runs_here() {
            let here = [$(stringify!($name)),*];
            let all: Vec<&str> = checks::CHECKS.iter().map(|c| c.0).collect();
            assert_eq!(here.as_slice(), all.as_slice());
        }
    };
}

sharing_tests!(
    collections_and_grants,
    versions_get_increasing_date_added,
    statuses_pages_and_pull_state,
    partner_intel_and_watch_items,
);
