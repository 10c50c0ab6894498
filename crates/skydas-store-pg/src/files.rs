//! Imported files in PostgreSQL: begun as partial, finished with their counts. Their originals
//! are kept on the local disk by the shared [`skydas_store::originals`].

use postgres::Client;
use skydas_store::codec::clamp_u64;
use skydas_store::{FileRecord, FileStatus, Result, StoreError};

use crate::{PgResultExt, PgUrl};

/// The import status of a file, `None` if it was never begun.
pub(crate) fn status(c: &mut Client, url: &PgUrl, sha256: &str) -> Result<Option<FileStatus>> {
    let row = c
        .query_opt("SELECT status FROM files WHERE sha256 = $1", &[&sha256])
        .at(url)?;
    row.map(|r| {
        let s: &str = r.get(0);
        FileStatus::parse(s).ok_or_else(|| StoreError::corrupt("file status", s))
    })
    .transpose()
}

/// Records that an import of the file has begun (again).
pub(crate) fn begin(c: &mut Client, url: &PgUrl, f: &FileRecord) -> Result<()> {
    c.execute(
        "INSERT INTO files (sha256, path, size, importer, importer_version, status) \
         VALUES ($1, $2, $3, $4, $5, 'partial') ON CONFLICT (sha256) DO UPDATE SET \
         path = excluded.path, size = excluded.size, importer = excluded.importer, \
         importer_version = excluded.importer_version, status = 'partial'",
        &[
            &f.sha256,
            &f.path,
            &clamp_u64(f.size),
            &f.importer,
            &i32::try_from(f.importer_version).unwrap_or(i32::MAX),
        ],
    )
    .at(url)?;
    Ok(())
}

/// Marks a begun file complete with its record and error counts.
pub(crate) fn finish(
    c: &mut Client,
    url: &PgUrl,
    sha256: &str,
    items: u64,
    errors: u64,
) -> Result<()> {
    let n = c
        .execute(
            "UPDATE files SET status = 'complete', items = $2, errors = $3 WHERE sha256 = $1",
            &[&sha256, &clamp_u64(items), &clamp_u64(errors)],
        )
        .at(url)?;
    if n == 0 {
        return Err(StoreError::UnknownFile(sha256.to_string()));
    }
    Ok(())
}
