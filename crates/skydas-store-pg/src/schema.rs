//! The schema of a store: the numbered migrations (applied once under an advisory lock, however
//! many workers start at once), sessions set to the store's schema, and the monthly partitions
//! of `items`, created as batches need them.

use std::collections::{BTreeMap, HashSet};

use postgres::{Client, NoTls, Transaction};
use skydas_model::Item;
use skydas_store::{Result, StoreError, unix_now};

use crate::{PgResultExt, PgUrl};

/// Numbered migrations, applied in order and recorded in `schema_migrations`.
const MIGRATIONS: &[(i32, &str, &str)] = &[
    (1, "init", include_str!("../migrations/0001_init.sql")),
    (2, "work", include_str!("../migrations/0002_work.sql")),
    (
        3,
        "accounts",
        include_str!("../migrations/0003_accounts.sql"),
    ),
    (4, "sharing", include_str!("../migrations/0004_sharing.sql")),
    (
        5,
        "item_meta_and_feed_ids",
        include_str!("../migrations/0005_item_meta_and_feed_ids.sql"),
    ),
    (
        6,
        "indicators_and_marking_floor",
        include_str!("../migrations/0006_indicators_and_marking_floor.sql"),
    ),
    (
        7,
        "finding_versions",
        include_str!("../migrations/0007_finding_versions.sql"),
    ),
];

/// Advisory lock key serialising migrations (and `CREATE EXTENSION`) across processes.
const MIGRATE_LOCK: i64 = 0x5359_4441_5330_0001;
/// Advisory lock key serialising creation of item partitions.
const PARTITION_LOCK: i64 = 0x5359_4441_5330_0002;

/// A new session on the store's schema (which [`PgStore::connect`] has brought up to date).
pub(crate) fn open_client(url: &PgUrl) -> Result<Client> {
    let mut client = Client::connect(&url.conn, NoTls).at(url)?;
    let schema = &url.schema;
    client
        .batch_execute(&format!(
            "SET search_path = \"{schema}\", public; SET client_min_messages = warning;"
        ))
        .at(url)?;
    Ok(client)
}

/// Drops the store's schema and everything in it.
pub(crate) fn drop(url: &PgUrl) -> Result<()> {
    let mut client = Client::connect(&url.conn, NoTls).at(url)?;
    client
        .batch_execute(&format!(
            "SET client_min_messages = warning; DROP SCHEMA IF EXISTS \"{}\" CASCADE",
            url.schema
        ))
        .at(url)
}

/// Brings the store's schema up to date.
pub(crate) fn migrate(client: &mut Client, url: &PgUrl) -> Result<()> {
    let schema = &url.schema;
    let supported = MIGRATIONS.last().map_or(0, |m| m.0);
    let mut tx = client.transaction().at(url)?;
    // One lock for every schema of the database: CREATE EXTENSION is database-wide, and
    // concurrent creation of the same extension fails instead of waiting.
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATE_LOCK])
        .at(url)?;
    tx.batch_execute(&format!(
        "CREATE SCHEMA IF NOT EXISTS \"{schema}\";
         CREATE TABLE IF NOT EXISTS schema_migrations (
             version    INTEGER PRIMARY KEY,
             name       TEXT    NOT NULL,
             applied_at BIGINT  NOT NULL
         );"
    ))
    .at(url)?;
    let current: i32 = tx
        .query_one(
            "SELECT coalesce(max(version), 0) FROM schema_migrations",
            &[],
        )
        .at(url)?
        .get(0);
    if current > supported {
        return Err(StoreError::SchemaTooNew {
            found: u32::try_from(current).unwrap_or(0),
            supported: u32::try_from(supported).unwrap_or(0),
        });
    }
    for &(version, name, sql) in MIGRATIONS {
        if current >= version {
            continue;
        }
        tx.batch_execute(sql).map_err(|e| StoreError::Backend {
            backend: format!("postgresql {}", url.display()),
            message: format!("applying migration {version} ({name}): {e}"),
        })?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
            &[&version, &name, &unix_now()],
        )
        .at(url)?;
    }
    tx.commit().at(url)
}

/// Earliest and latest times with a monthly partition; outside them one partition each.
const MIN_PARTITIONED: i64 = -2_208_988_800; // 1900-01-01
const MAX_PARTITIONED: i64 = 7_258_118_400; // 2200-01-01

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Year and month of a day number.
fn civil_from_days(z: i64) -> (i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m)
}

/// The partition holding time `t`: its name and bounds (`None` is MINVALUE / MAXVALUE).
fn partition_of(t: i64) -> (String, Option<i64>, Option<i64>) {
    if t < MIN_PARTITIONED {
        return ("items_pmin".into(), None, Some(MIN_PARTITIONED));
    }
    if t >= MAX_PARTITIONED {
        return ("items_pmax".into(), Some(MAX_PARTITIONED), None);
    }
    let (y, m) = civil_from_days(t.div_euclid(86_400));
    let lo = days_from_civil(y, m, 1) * 86_400;
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    let hi = days_from_civil(ny, nm, 1) * 86_400;
    (format!("items_p{y:04}{m:02}"), Some(lo), Some(hi))
}

/// Creates the partitions `items` needs that are not known to exist, adding them to `known`.
pub(crate) fn ensure_partitions(
    tx: &mut Transaction<'_>,
    url: &PgUrl,
    known: &mut HashSet<i64>,
    items: &[Item],
) -> Result<()> {
    let mut wanted: BTreeMap<i64, (String, Option<i64>, Option<i64>)> = BTreeMap::new();
    for it in items {
        let p = partition_of(it.time);
        let key = p.1.unwrap_or(i64::MIN);
        if !known.contains(&key) {
            wanted.entry(key).or_insert(p);
        }
    }
    if wanted.is_empty() {
        return Ok(());
    }
    // Concurrent `CREATE TABLE IF NOT EXISTS` of the same partition fails in one of the
    // sessions; the lock makes the second wait and then find it.
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&PARTITION_LOCK])
        .at(url)?;
    let bound = |b: Option<i64>, inf: &str| b.map_or_else(|| inf.to_string(), |v| v.to_string());
    for (key, (name, lo, hi)) in wanted {
        tx.batch_execute(&format!(
            "CREATE TABLE IF NOT EXISTS \"{}\".{name} PARTITION OF items \
             FOR VALUES FROM ({}) TO ({})",
            url.schema,
            bound(lo, "MINVALUE"),
            bound(hi, "MAXVALUE"),
        ))
        .at(url)?;
        known.insert(key);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_partition_by_calendar() {
        let check = |t: i64, name: &str| {
            let (n, lo, hi) = partition_of(t);
            assert_eq!(n, name, "{t}");
            if let (Some(lo), Some(hi)) = (lo, hi) {
                assert!(lo <= t && t < hi, "{t} in [{lo}, {hi})");
            }
        };
        check(0, "items_p197001");
        check(1_700_000_000, "items_p202311");
        check(1_701_388_799, "items_p202311"); // 2023-11-30T23:59:59Z
        check(1_701_388_800, "items_p202312");
        check(951_782_400, "items_p200002"); // 2000-02-29
        check(-1, "items_p196912");
        check(i64::MIN, "items_pmin");
        check(i64::MAX, "items_pmax");
        check(MAX_PARTITIONED - 1, "items_p219912");
        check(MIN_PARTITIONED, "items_p190001");
    }
}
