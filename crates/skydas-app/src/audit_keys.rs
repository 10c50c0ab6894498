//! The audit log's keyring: the keys that seal each audit row (see `skydas_store::audit`),
//! kept in a file outside the database, so that whoever can write the database cannot
//! rewrite the log into a chain that verifies.
//!
//! - **Where:** `SKYDAS_AUDIT_KEYRING`, else `audit.keyring` in the data directory. A file
//!   apart from the data directory (another volume, a secrets mount) separates the key from
//!   the database further; every host that writes to the same PostgreSQL store needs a copy.
//! - **Created** on first use, mode 600, with one random 256-bit key that seals every row from
//!   the next one on; rows written before are counted as unsealed (`legacy`). A keyring that
//!   others may read is refused. Once the log holds sealed rows, a missing keyring is an
//!   error: nothing is written unsealed, and the operator is told to restore it.
//! - **Backed up** apart from the database (a database backup that travels with its keyring
//!   protects nothing); `skydas backup` leaves it out and says so.
//! - **Rotated** with `skydas audit rotate-key`: a new key seals from the next row on; the old
//!   ones stay in the file to verify the rows they sealed.

use std::io::Write;
use std::path::{Path, PathBuf};

use skydas_store::accounts::{AccountStore, AuditKeys};

use crate::error::{AppError, Result, failed};
use crate::store::StoreSpec;

/// The keyring file of a store.
pub fn keyring_path(spec: &StoreSpec) -> PathBuf {
    std::env::var_os("SKYDAS_AUDIT_KEYRING")
        .filter(|p| !p.is_empty())
        .map_or_else(|| spec.data_dir().join("audit.keyring"), PathBuf::from)
}

fn random_key() -> Result<[u8; 32]> {
    let mut k = [0u8; 32];
    getrandom::fill(&mut k).map_err(|e| failed(format!("no randomness for a key: {e}")))?;
    Ok(k)
}

fn read(path: &Path) -> Result<AuditKeys> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map_err(|e| AppError::io("read", path, e))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(failed(format!(
                "{}: the audit keyring may be read by others (mode {:o}); chmod 600 it",
                path.display(),
                mode & 0o777
            )));
        }
    }
    let text = std::fs::read_to_string(path).map_err(|e| AppError::io("read", path, e))?;
    AuditKeys::from_text(&text).map_err(|e| failed(format!("{}: {e}", path.display())))
}

fn write_new(path: &Path, keys: &AuditKeys) -> Result<bool> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    match o.open(path) {
        Ok(mut f) => {
            f.write_all(keys.to_text().as_bytes())
                .and_then(|()| f.sync_all())
                .map_err(|e| AppError::io("write", path, e))?;
            Ok(true)
        }
        // Another process made it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(AppError::io("create", path, e)),
    }
}

/// Puts a backed-up keyring in place at `to` (mode 600, never over another), once it reads
/// as a keyring.
pub fn install(from: &Path, to: &Path) -> Result<()> {
    let text = std::fs::read_to_string(from).map_err(|e| AppError::io("read", from, e))?;
    let keys =
        AuditKeys::from_text(&text).map_err(|e| failed(format!("{}: {e}", from.display())))?;
    if let Some(dir) = to.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| AppError::io("create", dir, e))?;
    }
    if write_new(to, &keys)? {
        Ok(())
    } else {
        Err(failed(format!(
            "{}: a keyring is already there",
            to.display()
        )))
    }
}

/// The keyring of `spec`'s audit log, created when the log has none yet.
pub fn load_or_create(spec: &StoreSpec, accounts: &dyn AccountStore) -> Result<AuditKeys> {
    let path = keyring_path(spec);
    if path.exists() {
        return read(&path);
    }
    let sealed = accounts
        .audit_list(1)?
        .first()
        .is_some_and(|r| r.hash.contains(':'));
    if sealed {
        return Err(failed(format!(
            "the audit log is sealed, but its keyring {} is missing: restore it from its \
             backup (or point SKYDAS_AUDIT_KEYRING at it); nothing is written unsealed",
            path.display()
        )));
    }
    let legacy = accounts.audit_rows()?;
    let mut keys = AuditKeys {
        legacy,
        keys: Vec::new(),
    };
    keys.rotate(random_key()?, legacy + 1)
        .map_err(|e| failed(format!("{}: {e}", path.display())))?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| AppError::io("create", dir, e))?;
    }
    if write_new(&path, &keys)? {
        Ok(keys)
    } else {
        read(&path)
    }
}

/// Adds a key that seals every row after the log's current end; returns its id. The old keys
/// stay, to verify what they sealed.
pub fn rotate(spec: &StoreSpec, accounts: &dyn AccountStore) -> Result<u32> {
    let path = keyring_path(spec);
    let mut keys = load_or_create(spec, accounts)?;
    let since = accounts.audit_rows()? + 1;
    let id = keys
        .rotate(random_key()?, since)
        .map_err(|e| failed(format!("{}: {e}", path.display())))?;
    // Written beside, then moved over: a crash leaves the old keyring or the new one.
    let tmp = path.with_extension("keyring.new");
    let _ = std::fs::remove_file(&tmp);
    write_new(&tmp, &keys)?;
    std::fs::rename(&tmp, &path).map_err(|e| AppError::io("replace", &path, e))?;
    Ok(id)
}
