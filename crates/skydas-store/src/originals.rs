//! Original input files kept unchanged, addressed by SHA-256: `originals/<sha[0..2]>/<sha>`.
//!
//! This is plain file-system work shared by every backend; only the data directory differs.
//! Any number of processes and threads may keep the same file at once: each copies under a
//! temporary name of its own, and the last rename wins with the same bytes.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};

use crate::codec::hex;
use crate::{Result, StoreError, check_sha256};

/// Where the original with this hash lives, relative to the data directory. The hash must be
/// lowercase hex (see [`check_sha256`]); it is not checked here.
pub fn original_relpath(sha256: &str) -> PathBuf {
    let prefix = sha256.get(..2).unwrap_or("__");
    Path::new("originals").join(prefix).join(sha256)
}

/// SHA-256 of a file's bytes, lowercase hex.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut f = fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex(&h.finalize()))
}

/// The kept original under `root`, if there is one.
pub fn find(root: &Path, sha256: &str) -> Result<Option<PathBuf>> {
    check_sha256(sha256)?;
    let p = root.join(original_relpath(sha256));
    Ok(p.is_file().then_some(p))
}

/// Keeps `src` under `root` as the original with hash `sha256`, returning the kept path.
///
/// A hard link costs nothing when the data directory shares the file system; otherwise the
/// bytes are copied to a temporary name, checked for size and hash, synced, and renamed into
/// place, so a crash never leaves a truncated original under the final name.
pub fn keep(root: &Path, src: &Path, sha256: &str) -> Result<PathBuf> {
    check_sha256(sha256)?;
    let dest = root.join(original_relpath(sha256));
    if dest.is_file() {
        return Ok(dest);
    }
    let expected = fs::metadata(src).map_err(|e| StoreError::io(src, e))?.len();
    let dir = dest.parent().unwrap_or(root);
    fs::create_dir_all(dir).map_err(|e| StoreError::io(dir, e))?;
    match fs::hard_link(src, &dest) {
        Ok(()) => {}
        // Another import kept the same file meanwhile.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Ok(dest),
        Err(_) => copy_checked(src, &dest, sha256)?,
    }
    let actual = fs::metadata(&dest)
        .map_err(|e| StoreError::io(&dest, e))?
        .len();
    if actual != expected {
        // Do not leave a wrong original under the name of the right one.
        let _ = fs::remove_file(&dest);
        return Err(StoreError::SizeMismatch {
            path: dest,
            expected,
            actual,
        });
    }
    Ok(dest)
}

/// A temporary name beside `dest` that no other process or thread uses at the same time.
fn temporary_name(dest: &Path) -> PathBuf {
    static N: AtomicU64 = AtomicU64::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    dest.with_extension(format!("part-{}-{n}", std::process::id()))
}

/// Copies `src` to `dest` in one pass that also hashes it: under a temporary name, synced, and
/// renamed into place only when the bytes have the hash `sha256` (a real copy, never a link:
/// what backups need).
pub fn copy_checked(src: &Path, dest: &Path, sha256: &str) -> Result<()> {
    let tmp = temporary_name(dest);
    let result = (|| {
        let mut from = fs::File::open(src).map_err(|e| StoreError::io(src, e))?;
        let mut to = fs::File::create(&tmp).map_err(|e| StoreError::io(&tmp, e))?;
        let mut h = Sha256::new();
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = from.read(&mut buf).map_err(|e| StoreError::io(src, e))?;
            if n == 0 {
                break;
            }
            h.update(&buf[..n]);
            to.write_all(&buf[..n])
                .map_err(|e| StoreError::io(&tmp, e))?;
        }
        to.sync_all().map_err(|e| StoreError::io(&tmp, e))?;
        let actual = hex(&h.finalize());
        if actual != sha256 {
            return Err(StoreError::HashMismatch {
                path: src.to_path_buf(),
                expected: sha256.to_string(),
                actual,
            });
        }
        fs::rename(&tmp, dest).map_err(|e| StoreError::io(dest, e))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The SHA-256 of `abc`.
    const ABC_SHA256: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    /// A directory holding only `src` with `bytes`, and the path `dest` a copy goes to.
    fn source_with(bytes: &[u8]) -> (tempfile::TempDir, PathBuf, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src");
        fs::write(&src, bytes).unwrap();
        let dest = dir.path().join("dest");
        (dir, src, dest)
    }

    #[test]
    fn sha256_of_known_content() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        fs::write(&p, b"abc").unwrap();
        assert_eq!(sha256_file(&p).unwrap(), ABC_SHA256);
    }

    #[test]
    fn copy_rejects_wrong_hash_and_leaves_nothing() {
        let (dir, src, dest) = source_with(b"abc");
        let err = copy_checked(&src, &dest, &"0".repeat(64)).unwrap_err();
        assert!(matches!(err, StoreError::HashMismatch { .. }), "{err}");
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "temporary copy removed"
        );
    }

    /// Workers keeping the same file at once each copy under a name of their own: all succeed
    /// and the original is whole.
    #[test]
    fn concurrent_copies_of_one_file_do_not_collide() {
        let bytes: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let (dir, src, dest) = source_with(&bytes);
        let sha = sha256_file(&src).unwrap();
        std::thread::scope(|s| {
            let workers: Vec<_> = (0..8)
                .map(|_| s.spawn(|| copy_checked(&src, &dest, &sha)))
                .collect();
            for w in workers {
                w.join().unwrap().unwrap();
            }
        });
        assert_eq!(fs::read(&dest).unwrap(), bytes);
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            2,
            "no temporary copy left"
        );
    }

    #[test]
    fn copy_keeps_bytes() {
        let (_dir, src, dest) = source_with(b"abc");
        copy_checked(&src, &dest, ABC_SHA256).unwrap();
        assert_eq!(fs::read(&dest).unwrap(), b"abc");
    }
}
