//! [`Blocking`]: the PostgreSQL handles made safe to call from async code.
//!
//! The `postgres` driver is synchronous: each call drives its own small runtime, which may not
//! be started on a thread that is already driving a tokio runtime (the web server's handlers
//! run there). `Blocking` runs each call on a short-lived scoped thread when the caller is
//! inside a runtime, and directly otherwise. A thread per call costs tens of microseconds, far
//! below the network round trip of the query itself.

use std::path::{Path, PathBuf};

use skydas_model::{Corpus, Finding, Item, Platform};
use skydas_store::accounts::{AccountStore, AuditCheck, AuditEvent, AuditRecord, Role, User};
use skydas_store::browse::{BrowseStore, FindingFilter, FindingSummary, ItemRow, Overview};
use skydas_store::sharing::{
    Added, Collection, Grant, NewObject, ObjectRow, PartnerObject, SharingStore, WatchItem,
};
use skydas_store::{
    FileRecord, FileStatus, FindingVersion, InsertOutcome, ProtectedRow, Result, Review, Revision,
    SearchHit, SearchQuery, Stats, Store, StoredItem,
};

/// A store handle whose every call, and whose drop, may be made from async code. See the
/// module docs.
#[derive(Debug)]
pub struct Blocking<T: Send>(Option<T>);

impl<T: Send> Blocking<T> {
    /// Wraps a handle.
    pub fn new(inner: T) -> Blocking<T> {
        Blocking(Some(inner))
    }

    fn get(&self) -> &T {
        // Only `drop` takes the handle out.
        self.0.as_ref().expect("handle present until dropped")
    }

    fn get_mut(&mut self) -> &mut T {
        // Only `drop` takes the handle out.
        self.0.as_mut().expect("handle present until dropped")
    }
}

impl<T: Send> Drop for Blocking<T> {
    /// Closing a session blocks on the driver's runtime too.
    fn drop(&mut self) {
        if let Some(inner) = self.0.take() {
            off_runtime(move || drop(inner));
        }
    }
}

/// Runs `f` off the current thread when that thread drives a tokio runtime.
fn off_runtime<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    if tokio::runtime::Handle::try_current().is_err() {
        return f();
    }
    std::thread::scope(|s| match s.spawn(f).join() {
        Ok(r) => r,
        // The call panicked: let the caller's thread carry the panic on.
        Err(p) => std::panic::resume_unwind(p),
    })
}

/// Writes trait methods that pass their arguments on to the wrapped handle's method of the same
/// name through [`off_runtime`]: `&self` methods through `get`, `&mut self` ones through
/// `get_mut`. A method that needs more (a callback, no result) is written out by hand.
macro_rules! off_runtime_methods {
    () => {};
    (fn $name:ident(&self $(, $arg:ident: $ty:ty)*) -> $ret:ty; $($rest:tt)*) => {
        fn $name(&self $(, $arg: $ty)*) -> $ret {
            off_runtime(|| self.get().$name($($arg),*))
        }
        off_runtime_methods! { $($rest)* }
    };
    (fn $name:ident(&mut self $(, $arg:ident: $ty:ty)*) -> $ret:ty; $($rest:tt)*) => {
        fn $name(&mut self $(, $arg: $ty)*) -> $ret {
            off_runtime(|| self.get_mut().$name($($arg),*))
        }
        off_runtime_methods! { $($rest)* }
    };
}

impl<T: Store + Sync> Store for Blocking<T> {
    off_runtime_methods! {
        fn file_status(&self, sha256: &str) -> Result<Option<FileStatus>>;
        fn begin_file(&mut self, f: &FileRecord) -> Result<()>;
        fn insert_items(&mut self, items: &[Item]) -> Result<InsertOutcome>;
        fn finish_file(&mut self, sha256: &str, items: u64, errors: u64) -> Result<()>;
        fn store_original(&mut self, path: &Path, sha256: &str) -> Result<PathBuf>;
        fn original_path(&self, sha256: &str) -> Result<Option<PathBuf>>;
        fn stats(&self) -> Result<Stats>;
        fn search(&self, q: &SearchQuery) -> Result<Vec<SearchHit>>;
        fn load_corpus(&self) -> Result<Corpus>;
        fn replace_findings(&mut self, detector_kinds: &[&str], findings: &[Finding]) -> Result<()>;
        fn revise_findings(&mut self, detector_kinds: &[&str], findings: &[Finding],
            revision: &Revision) -> Result<()>;
        fn finding_versions(&self, id: &str) -> Result<Vec<FindingVersion>>;
        fn findings(&self) -> Result<Vec<Finding>>;
        fn finding(&self, id: &str) -> Result<Option<Finding>>;
        fn review(&self, id: &str) -> Result<Option<Review>>;
        fn set_review(&mut self, id: &str, review: &Review) -> Result<bool>;
        fn item(&self, platform: Platform, platform_id: &str) -> Result<Option<StoredItem>>;
        fn protected_add(&mut self, domain: &str, country: &str, kind: &str, note: &str)
            -> Result<bool>;
        fn protected_remove(&mut self, domain: &str) -> Result<bool>;
        fn protected_list(&self) -> Result<Vec<ProtectedRow>>;
    }
    fn for_each_item(&self, f: &mut dyn FnMut(&Item)) -> Result<()> {
        if tokio::runtime::Handle::try_current().is_err() {
            return self.get().for_each_item(f);
        }
        // The callback cannot cross threads: collect, then replay here.
        let items = off_runtime(|| {
            let mut v = Vec::new();
            self.get()
                .for_each_item(&mut |it| v.push(it.clone()))
                .map(|()| v)
        })?;
        items.iter().for_each(f);
        Ok(())
    }
}

impl<T: AccountStore + Sync> AccountStore for Blocking<T> {
    off_runtime_methods! {
        fn add_user(&mut self, name: &str, role: Role, org: &str, password_hash: &str)
            -> Result<User>;
        fn set_password(&mut self, name: &str, password_hash: &str) -> Result<bool>;
        fn user_for_login(&self, name: &str) -> Result<Option<(User, String)>>;
        fn user(&self, name: &str) -> Result<Option<User>>;
        fn users(&self) -> Result<Vec<User>>;
        fn orgs(&self) -> Result<Vec<String>>;
        fn create_session(&mut self, user_id: i64, token_hash: &str, csrf: &str, ttl_s: i64)
            -> Result<()>;
        fn session(&self, token_hash: &str) -> Result<Option<(User, String)>>;
        fn delete_session(&mut self, token_hash: &str) -> Result<()>;
        fn add_token(&mut self, user: &str, token_hash: &str, label: &str) -> Result<bool>;
        fn user_by_token(&self, token_hash: &str) -> Result<Option<User>>;
        fn audit(&mut self, ev: &AuditEvent<'_>) -> Result<AuditRecord>;
        fn audit_list(&self, limit: usize) -> Result<Vec<AuditRecord>>;
        fn audit_verify(&self) -> Result<AuditCheck>;
        fn revoke(&mut self, user: &str) -> Result<Option<(u64, u64)>>;
        fn audit_rows(&self) -> Result<u64>;
    }
    fn set_audit_keys(&mut self, keys: skydas_store::accounts::AuditKeys) {
        self.get_mut().set_audit_keys(keys);
    }
}

impl<T: BrowseStore + Sync> BrowseStore for Blocking<T> {
    off_runtime_methods! {
        fn finding_summaries(&self, f: &FindingFilter) -> Result<(Vec<FindingSummary>, u64)>;
        fn findings_with_actor(&self, platform: Platform, id: &str) -> Result<Vec<FindingSummary>>;
        fn findings_with_domain(&self, domain: &str) -> Result<Vec<FindingSummary>>;
        fn actor(&self, platform: Platform, id: &str) -> Result<Option<skydas_model::Actor>>;
        fn actor_items(&self, platform: Platform, id: &str, limit: usize) -> Result<Vec<ItemRow>>;
        fn domain_items(&self, domain: &str, limit: usize) -> Result<Vec<ItemRow>>;
        fn overview(&self, n: usize) -> Result<Overview>;
    }
}

impl<T: SharingStore + Sync> SharingStore for Blocking<T> {
    off_runtime_methods! {
        fn add_collection(&mut self, id: &str, title: &str, description: &str, alias: Option<&str>)
            -> Result<Collection>;
        fn collections(&self) -> Result<Vec<Collection>>;
        fn collection(&self, id_or_alias: &str) -> Result<Option<Collection>>;
        fn grant(&mut self, collection_id: &str, g: &Grant) -> Result<bool>;
        fn grants(&self, collection_id: &str) -> Result<Vec<Grant>>;
        fn grant_for(&self, collection_id: &str, org: &str) -> Result<Option<Grant>>;
        fn add_objects(&mut self, collection_id: &str, objects: &[NewObject]) -> Result<Vec<Added>>;
        fn objects(&self, collection_id: &str, ids: &[String], types: &[String])
            -> Result<Vec<ObjectRow>>;
        fn delete_object(&mut self, collection_id: &str, object_id: &str, versions: &[i64])
            -> Result<usize>;
        fn put_status(&mut self, id: &str, org: &str, body: &str) -> Result<()>;
        fn status(&self, id: &str, org: &str) -> Result<Option<String>>;
        fn put_page(&mut self, token: &str, query_key: &str, cursor: &str, expires_at: i64)
            -> Result<()>;
        fn page(&self, token: &str) -> Result<Option<(String, String)>>;
        fn pull_state(&self, server: &str, collection: &str) -> Result<Option<String>>;
        fn set_pull_state(&mut self, server: &str, collection: &str, added_last: &str)
            -> Result<()>;
        fn add_partner_intel(&mut self, objects: &[PartnerObject], watch: &[WatchItem])
            -> Result<u64>;
        fn partner_objects(&self, limit: usize) -> Result<Vec<PartnerObject>>;
        fn partner_count(&self) -> Result<u64>;
        fn watch_items(&self) -> Result<Vec<WatchItem>>;
        fn watch_for_domain(&self, domain: &str) -> Result<Vec<WatchItem>>;
        fn watch_for_actor(&self, id: &str, handle: Option<&str>) -> Result<Vec<WatchItem>>;
    }
}
