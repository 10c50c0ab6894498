//! Store URLs: what selects the PostgreSQL backend, the `?schema=NAME` it adds to the driver's
//! URL, and the redacted form that messages show.

use skydas_store::{Result, StoreError};

/// The schema used when the URL names none.
pub const DEFAULT_SCHEMA: &str = "skydas";

/// Whether `url` names a PostgreSQL store.
pub fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// A store URL split into what the driver understands and the schema to use. Its `Debug` form
/// shows no password.
#[derive(Clone, PartialEq, Eq)]
pub struct PgUrl {
    /// The URL without Skydas's own parameters.
    pub conn: String,
    pub schema: String,
}

impl PgUrl {
    /// Splits `?schema=NAME` off a store URL. Schema names are limited to ASCII letters, digits
    /// and `_` (they are spliced into SQL as identifiers).
    pub fn parse(url: &str) -> Result<PgUrl> {
        let (base, query) = url.split_once('?').unwrap_or((url, ""));
        let mut schema = DEFAULT_SCHEMA.to_string();
        let mut rest = Vec::new();
        for kv in query.split('&').filter(|kv| !kv.is_empty()) {
            match kv.strip_prefix("schema=") {
                Some(s) => schema = s.to_string(),
                None => rest.push(kv),
            }
        }
        let valid = !schema.is_empty()
            && schema.len() <= 63
            && schema
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_')
            && !schema.as_bytes()[0].is_ascii_digit();
        if !valid {
            return Err(StoreError::InvalidInput {
                what: "schema name",
                value: schema,
            });
        }
        let conn = if rest.is_empty() {
            base.to_string()
        } else {
            format!("{base}?{}", rest.join("&"))
        };
        Ok(PgUrl { conn, schema })
    }

    /// The store URL this was parsed from, in a canonical form: `conn` plus `schema=NAME`.
    pub fn store_url(&self) -> String {
        let sep = if self.conn.contains('?') { '&' } else { '?' };
        format!("{}{sep}schema={}", self.conn, self.schema)
    }

    /// The URL without a password, for messages.
    pub fn display(&self) -> String {
        redact(&self.conn)
    }
}

impl std::fmt::Debug for PgUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgUrl")
            .field("conn", &self.display())
            .field("schema", &self.schema)
            .finish()
    }
}

/// `url` with any password replaced by `***`.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (auth, host) = match rest.rfind('@') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => return url.to_string(),
    };
    match auth.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
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
}
