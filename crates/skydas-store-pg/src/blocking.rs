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
    FileRecord, FileStatus, InsertOutcome, ProtectedRow, Result, Review, SearchHit, SearchQuery,
    Stats, Store, StoredItem,
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

impl<T: Store + Sync> Store for Blocking<T> {
    fn file_status(&self, sha256: &str) -> Result<Option<FileStatus>> {
        off_runtime(|| self.get().file_status(sha256))
    }
    fn begin_file(&mut self, f: &FileRecord) -> Result<()> {
        off_runtime(|| self.get_mut().begin_file(f))
    }
    fn insert_items(&mut self, items: &[Item]) -> Result<InsertOutcome> {
        off_runtime(|| self.get_mut().insert_items(items))
    }
    fn finish_file(&mut self, sha256: &str, items: u64, errors: u64) -> Result<()> {
        off_runtime(|| self.get_mut().finish_file(sha256, items, errors))
    }
    fn store_original(&mut self, path: &Path, sha256: &str) -> Result<PathBuf> {
        off_runtime(|| self.get_mut().store_original(path, sha256))
    }
    fn original_path(&self, sha256: &str) -> Result<Option<PathBuf>> {
        off_runtime(|| self.get().original_path(sha256))
    }
    fn stats(&self) -> Result<Stats> {
        off_runtime(|| self.get().stats())
    }
    fn search(&self, q: &SearchQuery) -> Result<Vec<SearchHit>> {
        off_runtime(|| self.get().search(q))
    }
    fn load_corpus(&self) -> Result<Corpus> {
        off_runtime(|| self.get().load_corpus())
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
    fn replace_findings(&mut self, detector_kinds: &[&str], findings: &[Finding]) -> Result<()> {
        off_runtime(|| self.get_mut().replace_findings(detector_kinds, findings))
    }
    fn findings(&self) -> Result<Vec<Finding>> {
        off_runtime(|| self.get().findings())
    }
    fn finding(&self, id: &str) -> Result<Option<Finding>> {
        off_runtime(|| self.get().finding(id))
    }
    fn review(&self, id: &str) -> Result<Option<Review>> {
        off_runtime(|| self.get().review(id))
    }
    fn set_review(&mut self, id: &str, review: &Review) -> Result<bool> {
        off_runtime(|| self.get_mut().set_review(id, review))
    }
    fn item(&self, platform: Platform, platform_id: &str) -> Result<Option<StoredItem>> {
        off_runtime(|| self.get().item(platform, platform_id))
    }
    fn protected_add(
        &mut self,
        domain: &str,
        country: &str,
        kind: &str,
        note: &str,
    ) -> Result<bool> {
        off_runtime(|| self.get_mut().protected_add(domain, country, kind, note))
    }
    fn protected_remove(&mut self, domain: &str) -> Result<bool> {
        off_runtime(|| self.get_mut().protected_remove(domain))
    }
    fn protected_list(&self) -> Result<Vec<ProtectedRow>> {
        off_runtime(|| self.get().protected_list())
    }
}

impl<T: AccountStore + Sync> AccountStore for Blocking<T> {
    fn add_user(&mut self, name: &str, role: Role, org: &str, password_hash: &str) -> Result<User> {
        off_runtime(|| self.get_mut().add_user(name, role, org, password_hash))
    }
    fn set_password(&mut self, name: &str, password_hash: &str) -> Result<bool> {
        off_runtime(|| self.get_mut().set_password(name, password_hash))
    }
    fn user_for_login(&self, name: &str) -> Result<Option<(User, String)>> {
        off_runtime(|| self.get().user_for_login(name))
    }
    fn user(&self, name: &str) -> Result<Option<User>> {
        off_runtime(|| self.get().user(name))
    }
    fn users(&self) -> Result<Vec<User>> {
        off_runtime(|| self.get().users())
    }
    fn orgs(&self) -> Result<Vec<String>> {
        off_runtime(|| self.get().orgs())
    }
    fn create_session(
        &mut self,
        user_id: i64,
        token_hash: &str,
        csrf: &str,
        ttl_s: i64,
    ) -> Result<()> {
        off_runtime(|| {
            self.get_mut()
                .create_session(user_id, token_hash, csrf, ttl_s)
        })
    }
    fn session(&self, token_hash: &str) -> Result<Option<(User, String)>> {
        off_runtime(|| self.get().session(token_hash))
    }
    fn delete_session(&mut self, token_hash: &str) -> Result<()> {
        off_runtime(|| self.get_mut().delete_session(token_hash))
    }
    fn add_token(&mut self, user: &str, token_hash: &str, label: &str) -> Result<bool> {
        off_runtime(|| self.get_mut().add_token(user, token_hash, label))
    }
    fn user_by_token(&self, token_hash: &str) -> Result<Option<User>> {
        off_runtime(|| self.get().user_by_token(token_hash))
    }
    fn audit(&mut self, ev: &AuditEvent<'_>) -> Result<AuditRecord> {
        off_runtime(|| self.get_mut().audit(ev))
    }
    fn audit_list(&self, limit: usize) -> Result<Vec<AuditRecord>> {
        off_runtime(|| self.get().audit_list(limit))
    }
    fn audit_verify(&self) -> Result<AuditCheck> {
        off_runtime(|| self.get().audit_verify())
    }
    fn revoke(&mut self, user: &str) -> Result<Option<(u64, u64)>> {
        off_runtime(|| self.get_mut().revoke(user))
    }
    fn set_audit_keys(&mut self, keys: skydas_store::accounts::AuditKeys) {
        self.get_mut().set_audit_keys(keys);
    }
    fn audit_rows(&self) -> Result<u64> {
        off_runtime(|| self.get().audit_rows())
    }
}

impl<T: BrowseStore + Sync> BrowseStore for Blocking<T> {
    fn finding_summaries(&self, f: &FindingFilter) -> Result<(Vec<FindingSummary>, u64)> {
        off_runtime(|| self.get().finding_summaries(f))
    }
    fn findings_with_actor(&self, platform: Platform, id: &str) -> Result<Vec<FindingSummary>> {
        off_runtime(|| self.get().findings_with_actor(platform, id))
    }
    fn findings_with_domain(&self, domain: &str) -> Result<Vec<FindingSummary>> {
        off_runtime(|| self.get().findings_with_domain(domain))
    }
    fn actor(&self, platform: Platform, id: &str) -> Result<Option<skydas_model::Actor>> {
        off_runtime(|| self.get().actor(platform, id))
    }
    fn actor_items(&self, platform: Platform, id: &str, limit: usize) -> Result<Vec<ItemRow>> {
        off_runtime(|| self.get().actor_items(platform, id, limit))
    }
    fn domain_items(&self, domain: &str, limit: usize) -> Result<Vec<ItemRow>> {
        off_runtime(|| self.get().domain_items(domain, limit))
    }
    fn overview(&self, n: usize) -> Result<Overview> {
        off_runtime(|| self.get().overview(n))
    }
}

impl<T: SharingStore + Sync> SharingStore for Blocking<T> {
    fn add_collection(
        &mut self,
        id: &str,
        title: &str,
        description: &str,
        alias: Option<&str>,
    ) -> Result<Collection> {
        off_runtime(|| self.get_mut().add_collection(id, title, description, alias))
    }
    fn collections(&self) -> Result<Vec<Collection>> {
        off_runtime(|| self.get().collections())
    }
    fn collection(&self, id_or_alias: &str) -> Result<Option<Collection>> {
        off_runtime(|| self.get().collection(id_or_alias))
    }
    fn grant(&mut self, collection_id: &str, g: &Grant) -> Result<bool> {
        off_runtime(|| self.get_mut().grant(collection_id, g))
    }
    fn grants(&self, collection_id: &str) -> Result<Vec<Grant>> {
        off_runtime(|| self.get().grants(collection_id))
    }
    fn grant_for(&self, collection_id: &str, org: &str) -> Result<Option<Grant>> {
        off_runtime(|| self.get().grant_for(collection_id, org))
    }
    fn add_objects(&mut self, collection_id: &str, objects: &[NewObject]) -> Result<Vec<Added>> {
        off_runtime(|| self.get_mut().add_objects(collection_id, objects))
    }
    fn objects(
        &self,
        collection_id: &str,
        ids: &[String],
        types: &[String],
    ) -> Result<Vec<ObjectRow>> {
        off_runtime(|| self.get().objects(collection_id, ids, types))
    }
    fn delete_object(
        &mut self,
        collection_id: &str,
        object_id: &str,
        versions: &[i64],
    ) -> Result<usize> {
        off_runtime(|| {
            self.get_mut()
                .delete_object(collection_id, object_id, versions)
        })
    }
    fn put_status(&mut self, id: &str, org: &str, body: &str) -> Result<()> {
        off_runtime(|| self.get_mut().put_status(id, org, body))
    }
    fn status(&self, id: &str, org: &str) -> Result<Option<String>> {
        off_runtime(|| self.get().status(id, org))
    }
    fn put_page(
        &mut self,
        token: &str,
        query_key: &str,
        cursor: &str,
        expires_at: i64,
    ) -> Result<()> {
        off_runtime(|| {
            self.get_mut()
                .put_page(token, query_key, cursor, expires_at)
        })
    }
    fn page(&self, token: &str) -> Result<Option<(String, String)>> {
        off_runtime(|| self.get().page(token))
    }
    fn pull_state(&self, server: &str, collection: &str) -> Result<Option<String>> {
        off_runtime(|| self.get().pull_state(server, collection))
    }
    fn set_pull_state(&mut self, server: &str, collection: &str, added_last: &str) -> Result<()> {
        off_runtime(|| {
            self.get_mut()
                .set_pull_state(server, collection, added_last)
        })
    }
    fn add_partner_intel(&mut self, objects: &[PartnerObject], watch: &[WatchItem]) -> Result<u64> {
        off_runtime(|| self.get_mut().add_partner_intel(objects, watch))
    }
    fn partner_objects(&self, limit: usize) -> Result<Vec<PartnerObject>> {
        off_runtime(|| self.get().partner_objects(limit))
    }
    fn partner_count(&self) -> Result<u64> {
        off_runtime(|| self.get().partner_count())
    }
    fn watch_items(&self) -> Result<Vec<WatchItem>> {
        off_runtime(|| self.get().watch_items())
    }
    fn watch_for_domain(&self, domain: &str) -> Result<Vec<WatchItem>> {
        off_runtime(|| self.get().watch_for_domain(domain))
    }
    fn watch_for_actor(&self, id: &str, handle: Option<&str>) -> Result<Vec<WatchItem>> {
        off_runtime(|| self.get().watch_for_actor(id, handle))
    }
}
