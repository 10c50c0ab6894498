//! Backup and restore of the embedded store: nothing is lost.
//!
//! A backup is a folder: `skydas.db` (a consistent copy taken while the store stays in use),
//! `originals/` (every original input file, checked against its SHA-256 name) and
//! `backup.json` (written last: its presence marks a complete backup) with the database's
//! hash and the rows of every table. The audit keyring is left out on purpose: a backup
//! that carried its own key could be rewritten and resealed by whoever holds it, so the key
//! is kept, and backed up, apart (`restore --keyring`). A PostgreSQL store is backed up with
//! PostgreSQL's own tools (`pg_dump`), its originals folder alongside.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::{Deserialize, Serialize};
use skydas_ingest::hash_file;
use skydas_store::accounts::AuditCheck;
use skydas_store::{OpenOptions, SqliteStore};

use crate::error::{AppError, Result, failed, usage};
use crate::store::StoreSpec;

/// The manifest file of a backup.
pub const MANIFEST: &str = "backup.json";

/// What a backup holds, as `backup.json` records it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Manifest {
    /// The Skydas version that wrote it.
    pub version: String,
    /// RFC 3339 time the copy was taken.
    pub taken_at: String,
    pub schema_version: u32,
    pub db_sha256: String,
    pub db_bytes: u64,
    /// Rows per table at the moment of the copy.
    pub tables: BTreeMap<String, u64>,
    pub originals: u64,
    pub originals_bytes: u64,
}

impl Manifest {
    /// What the copy holds, in words.
    pub fn contents(&self) -> String {
        format!(
            "{} rows in {} tables and {} originals",
            self.tables.values().sum::<u64>(),
            self.tables.len(),
            self.originals
        )
    }
}

/// What a backup or a restore did.
#[derive(Debug, Serialize)]
pub struct Report {
    pub dir: String,
    pub manifest: Manifest,
    pub seconds: f64,
    /// After a restore: the audit log checked on the restored copy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audit: Option<AuditCheck>,
}

fn embedded(spec: &StoreSpec) -> Result<&Path> {
    match spec {
        StoreSpec::Embedded { dir } => Ok(dir),
        StoreSpec::Postgres { .. } => Err(usage(
            "a PostgreSQL store is backed up with pg_dump and restored with pg_restore (see \
             docs/operations.md); backup and restore here are for the embedded store",
        )),
    }
}

fn io(what: &str, path: &Path, e: std::io::Error) -> AppError {
    AppError::io(what, path, e)
}

/// Refuses a destination that holds anything: a backup never overwrites.
fn empty_dir(dir: &Path) -> Result<()> {
    match std::fs::read_dir(dir) {
        Ok(mut rd) => {
            if rd.next().is_some() {
                return Err(usage(format!(
                    "{} is not empty: a backup goes into a new or empty folder",
                    dir.display()
                )));
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(dir).map_err(|e| io("create", dir, e))
        }
        Err(e) => Err(io("read", dir, e)),
    }
}

/// Copies every original from `from/originals` to `to/originals`, checking each file's hash
/// against its name; returns the count and bytes.
fn copy_originals(from: &Path, to: &Path) -> Result<(u64, u64)> {
    let src = from.join("originals");
    let (mut n, mut bytes) = (0, 0);
    let Ok(prefixes) = std::fs::read_dir(&src) else {
        return Ok((0, 0));
    };
    let mut prefixes: Vec<PathBuf> = prefixes.filter_map(|e| e.ok().map(|e| e.path())).collect();
    prefixes.sort();
    for prefix in prefixes {
        let Some(name) = prefix.file_name().map(|n| n.to_os_string()) else {
            continue;
        };
        let dest_dir = to.join("originals").join(&name);
        std::fs::create_dir_all(&dest_dir).map_err(|e| io("create", &dest_dir, e))?;
        let rd = std::fs::read_dir(&prefix).map_err(|e| io("read", &prefix, e))?;
        for entry in rd {
            let path = entry.map_err(|e| io("read", &prefix, e))?.path();
            // Only kept originals: a name that is no SHA-256 is a copy an import is still
            // writing, which its own store does not reference yet.
            let Some(file) = path
                .file_name()
                .and_then(|f| f.to_str())
                .filter(|f| skydas_store::check_sha256(f).is_ok())
                .map(str::to_owned)
            else {
                continue;
            };
            let dest = dest_dir.join(&file);
            // One pass reads, hashes and writes; a changed original is refused, not copied.
            skydas_store::originals::copy_checked(&path, &dest, &file).map_err(|e| {
                failed(format!(
                    "{e}: the original no longer matches its name, it was changed on disk"
                ))
            })?;
            let size = std::fs::metadata(&dest)
                .map_err(|e| io("read", &dest, e))?
                .len();
            n += 1;
            bytes += size;
        }
    }
    Ok((n, bytes))
}

/// Backs the embedded store up into `dest` (new or empty), while it stays in use.
pub fn backup(spec: &StoreSpec, dest: &Path, taken_at: String) -> Result<Report> {
    let t = Instant::now();
    let dir = embedded(spec)?;
    spec.must_exist()?;
    empty_dir(dest)?;
    let store = SqliteStore::open(dir, OpenOptions::default())
        .map_err(|e| failed(format!("cannot open the store in {}: {e}", dir.display())))?;
    let db = dest.join(skydas_store::DB_FILE);
    store.snapshot_to(&db)?;
    // The rows are counted in the copy, which is the moment the backup holds.
    let copy = SqliteStore::open(dest, OpenOptions::default())?;
    let tables = copy.table_counts()?;
    let schema_version = copy.schema_version()?;
    drop(copy);
    for suffix in ["-wal", "-shm"] {
        let side = dest.join(format!("{}{suffix}", skydas_store::DB_FILE));
        if side.exists() {
            std::fs::remove_file(&side).map_err(|e| io("remove", &side, e))?;
        }
    }
    let (db_sha256, db_bytes) = hash_file(&db).map_err(|e| io("read", &db, e))?;
    let (originals, originals_bytes) = copy_originals(dir, dest)?;
    let manifest = Manifest {
        version: env!("CARGO_PKG_VERSION").to_string(),
        taken_at,
        schema_version,
        db_sha256,
        db_bytes,
        tables,
        originals,
        originals_bytes,
    };
    let text = serde_json::to_string_pretty(&manifest).map_err(|e| failed(e.to_string()))?;
    let path = dest.join(MANIFEST);
    std::fs::write(&path, text + "\n").map_err(|e| io("write", &path, e))?;
    Ok(Report {
        dir: dest.display().to_string(),
        manifest,
        seconds: t.elapsed().as_secs_f64(),
        audit: None,
    })
}

/// Restores the backup in `src` as the embedded store `spec` names, which must not hold a
/// store yet. The database's hash, every original's and every table's rows are checked, the
/// keyring is put in place when given, and the audit log is verified on the restored copy.
pub fn restore(spec: &StoreSpec, src: &Path, keyring: Option<&Path>) -> Result<Report> {
    let t = Instant::now();
    let dir = embedded(spec)?;
    let path = src.join(MANIFEST);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        failed(format!(
            "{}: not a complete backup ({e}): `skydas backup` writes its manifest last",
            path.display()
        ))
    })?;
    let manifest: Manifest = serde_json::from_str(&text)
        .map_err(|e| failed(format!("{}: not a backup manifest: {e}", path.display())))?;
    let db_src = src.join(skydas_store::DB_FILE);
    let (sha, _) = hash_file(&db_src).map_err(|e| io("read", &db_src, e))?;
    if sha != manifest.db_sha256 {
        return Err(failed(format!(
            "{}: SHA-256 {sha}, but the manifest says {}: the backup was changed or is damaged",
            db_src.display(),
            manifest.db_sha256
        )));
    }
    if dir.join(skydas_store::DB_FILE).exists() {
        return Err(usage(format!(
            "{} already holds a store: restore into a new folder (--data), or move the store \
             away first",
            dir.display()
        )));
    }
    // The keyring question is settled before anything is copied, so that a refused restore
    // leaves nothing behind to move away.
    let keyring_to = crate::audit_keys::keyring_path(spec);
    match keyring {
        Some(_) if keyring_to.exists() => {
            return Err(usage(format!(
                "{} exists: the restored store would be verified with another keyring; remove \
                 it or point SKYDAS_AUDIT_KEYRING elsewhere",
                keyring_to.display()
            )));
        }
        None if !keyring_to.exists()
            && manifest.tables.get("audit_log").is_some_and(|n| *n > 0) =>
        {
            return Err(usage(format!(
                "the backup's audit log is sealed with a keyring kept apart: give it with \
                 --keyring FILE (or point SKYDAS_AUDIT_KEYRING at it); {} holds none",
                keyring_to.display()
            )));
        }
        _ => {}
    }
    std::fs::create_dir_all(dir).map_err(|e| io("create", dir, e))?;
    // The database lands under a temporary name and is renamed last, so an interrupted
    // restore never looks like a store.
    let partial = dir.join(format!("{}.restoring", skydas_store::DB_FILE));
    std::fs::copy(&db_src, &partial).map_err(|e| io("copy", &partial, e))?;
    let copied = copy_originals(src, dir).and_then(|got| {
        if got == (manifest.originals, manifest.originals_bytes) {
            Ok(())
        } else {
            Err(failed(format!(
                "{}: {} originals ({} bytes), but the manifest says {} ({} bytes)",
                src.display(),
                got.0,
                got.1,
                manifest.originals,
                manifest.originals_bytes
            )))
        }
    });
    if let Err(e) = copied {
        // A refused restore leaves no half-copied database behind.
        let _ = std::fs::remove_file(&partial);
        return Err(e);
    }
    let db = dir.join(skydas_store::DB_FILE);
    std::fs::rename(&partial, &db).map_err(|e| io("rename", &db, e))?;
    let store = SqliteStore::open(dir, OpenOptions::default())?;
    let tables = store.table_counts()?;
    drop(store);
    // A newer Skydas may have migrated the copy on opening: only tables the backup had are
    // compared, and they must hold what they held.
    for (table, rows) in &manifest.tables {
        let now = tables.get(table).copied().unwrap_or(0);
        if now != *rows {
            return Err(failed(format!(
                "restored table {table} holds {now} rows, the backup {rows}"
            )));
        }
    }
    if let Some(k) = keyring {
        crate::audit_keys::install(k, &keyring_to)?;
    }
    let audit = spec.accounts()?.audit_verify()?;
    Ok(Report {
        dir: dir.display().to_string(),
        manifest,
        seconds: t.elapsed().as_secs_f64(),
        audit: Some(audit),
    })
}
