//! Unit tests of the pure helpers; the store itself is tested against a live server in
//! `tests/conformance.rs`.

use super::*;

#[test]
fn store_urls_split_off_the_schema() {
    let check = |url: &str, conn: &str, schema: &str| {
        let u = PgUrl::parse(url).expect(url);
        assert_eq!(
            (u.conn.as_str(), u.schema.as_str()),
            (conn, schema),
            "{url}"
        );
    };
    check("postgres://h/db", "postgres://h/db", DEFAULT_SCHEMA);
    check("postgres://h/db?schema=t_1", "postgres://h/db", "t_1");
    check(
        "postgres://h/db?sslmode=disable&schema=s",
        "postgres://h/db?sslmode=disable",
        "s",
    );
    for url in [
        "postgres://h/db?schema=t_1",
        "postgres://h/db?sslmode=disable&schema=s",
    ] {
        let u = PgUrl::parse(url).expect(url);
        assert_eq!(u.store_url(), url, "round trip");
    }
    assert_eq!(
        PgUrl::parse("postgres://h/db").map(|u| u.store_url()).ok(),
        Some(format!("postgres://h/db?schema={DEFAULT_SCHEMA}"))
    );
    for bad in ["x?schema=", "x?schema=a-b", "x?schema=1a", "x?schema=a\"b"] {
        assert!(PgUrl::parse(bad).is_err(), "{bad}");
    }
    assert!(is_postgres_url("postgresql://h/db"));
    assert!(!is_postgres_url("/data/skydas"));
}

#[test]
fn passwords_are_redacted() {
    let check = |url: &str, want: &str| assert_eq!(redact(url), want);
    let debug = format!(
        "{:?}",
        PgUrl::parse("postgres://u:secret@h/db?schema=s").ok()
    );
    assert!(!debug.contains("secret"), "{debug}");
    check("postgres://u:secret@h/db", "postgres://u:***@h/db");
    check("postgres://u@h/db", "postgres://u@h/db");
    check("postgres://h/db", "postgres://h/db");
    check("not a url", "not a url");
}

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
