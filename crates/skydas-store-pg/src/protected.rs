//! The user's protected domains in PostgreSQL, normalised as every backend does
//! ([`skydas_store::check_protected_domain`]).

use postgres::Client;
use skydas_store::{PROTECTED_COLS, ProtectedRow, Result};

use crate::row::read;
use crate::{PgResultExt, PgUrl};

/// See [`skydas_store::Store::protected_add`].
pub(crate) fn add(
    c: &mut Client,
    url: &PgUrl,
    domain: &str,
    country: &str,
    kind: &str,
    note: &str,
) -> Result<bool> {
    let domain = skydas_store::check_protected_domain(domain)?;
    // xmax = 0 only on a row this statement inserted.
    let inserted: bool = c
        .query_one(
            "INSERT INTO protected_domains (domain, country, kind, note) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (domain) DO UPDATE SET \
             country = excluded.country, kind = excluded.kind, note = excluded.note \
             RETURNING (xmax = 0)",
            &[&domain, &country.trim(), &kind.trim(), &note],
        )
        .at(url)?
        .get(0);
    Ok(inserted)
}

/// Removes a protected domain; `false` if it was not listed.
pub(crate) fn remove(c: &mut Client, url: &PgUrl, domain: &str) -> Result<bool> {
    let Some(domain) = skydas_model::normalise_domain(domain) else {
        return Ok(false);
    };
    let n = c
        .execute(
            "DELETE FROM protected_domains WHERE domain = $1",
            &[&domain],
        )
        .at(url)?;
    Ok(n > 0)
}

/// The protected domains, sorted by domain.
pub(crate) fn list(c: &mut Client, url: &PgUrl) -> Result<Vec<ProtectedRow>> {
    Ok(
        c.query(&format!("SELECT {PROTECTED_COLS} ORDER BY domain"), &[])
            .at(url)?
            .iter()
            .map(read)
            .collect(),
    )
}
