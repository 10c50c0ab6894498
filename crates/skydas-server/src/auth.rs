//! Authentication: argon2 password hashes, random session and API tokens (stored as SHA-256),
//! the middleware every protected route passes, CSRF checks and login rate limiting.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use skydas_store::accounts::{Role, User, secret_hash};

use crate::{ApiError, App};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "skydas_session";
/// How long a browser session lives, in seconds.
pub const SESSION_TTL_S: i64 = 12 * 3600;
/// Failed logins allowed per user name and per address within [`RATE_WINDOW`].
pub const MAX_FAILURES: usize = 5;
/// The window of [`MAX_FAILURES`].
pub const RATE_WINDOW: Duration = Duration::from_secs(300);

pub use skydas_app::accounts::{hash_password, random_token, verify_password};

/// Compares secrets in time independent of where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// How a request proved who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// A session cookie: state-changing requests need the CSRF token.
    Session,
    /// An API bearer token: not sent by browsers on their own, so no CSRF token.
    Token,
}

/// The authenticated user of a request, put in its extensions by [`require`].
#[derive(Debug, Clone)]
pub struct Authed {
    pub user: User,
    pub via: Via,
    /// The session's CSRF token (empty for API tokens).
    pub csrf: String,
}

impl Authed {
    /// Refuses unless the user's role is at least `role`.
    pub fn need(&self, role: Role) -> Result<(), ApiError> {
        if self.user.role >= role {
            Ok(())
        } else {
            Err(ApiError::Forbidden)
        }
    }

    /// Whether the user belongs to the organisation that runs this server (see
    /// [`crate::home_org`]); users of any other are partners.
    pub fn is_home(&self) -> bool {
        self.user.org == crate::home_org()
    }

    /// Refuses a partner: partners see the findings released to them and their evidence, not
    /// the corpus itself (search, items, actors, domains, originals, its size).
    pub fn need_home(&self) -> Result<(), ApiError> {
        if self.is_home() {
            Ok(())
        } else {
            Err(ApiError::Forbidden)
        }
    }

    /// Refuses a cookie-authenticated change whose CSRF token is missing or wrong.
    pub fn check_csrf(&self, given: Option<&str>) -> Result<(), ApiError> {
        match self.via {
            Via::Token => Ok(()),
            Via::Session => match given {
                Some(g) if !self.csrf.is_empty() && same_secret(g, &self.csrf) => Ok(()),
                _ => Err(ApiError::Csrf),
            },
        }
    }
}

/// The value of a cookie in the request.
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Resolves the user of a request from its bearer token or session cookie.
pub fn authenticate(app: &App, headers: &HeaderMap) -> Result<Option<Authed>, ApiError> {
    let db = app.db();
    if let Some(token) = bearer(headers) {
        // A wrong token is refused even if a valid cookie came along.
        return Ok(db
            .accounts
            .user_by_token(&secret_hash(token))?
            .map(|user| Authed {
                user,
                via: Via::Token,
                csrf: String::new(),
            }));
    }
    if let Some(sid) = cookie(headers, SESSION_COOKIE) {
        return Ok(db
            .accounts
            .session(&secret_hash(sid))?
            .map(|(user, csrf)| Authed {
                user,
                via: Via::Session,
                csrf,
            }));
    }
    Ok(None)
}

/// Middleware of every protected route: API paths and bearer requests get 401 with
/// `WWW-Authenticate: Bearer`, browsers are sent to the login form.
pub async fn require(State(app): State<Arc<App>>, mut req: Request, next: Next) -> Response {
    match authenticate(&app, req.headers()) {
        Ok(Some(a)) => {
            req.extensions_mut().insert(a);
            next.run(req).await
        }
        Ok(None) => {
            if req.uri().path().starts_with("/api/") || bearer(req.headers()).is_some() {
                ApiError::Unauthorized.into_response()
            } else {
                Redirect::to("/login").into_response()
            }
        }
        Err(e) => e.into_response(),
    }
}

/// The client address of a request, when the server recorded it.
pub fn client_ip(req_ext: &axum::http::Extensions) -> Option<IpAddr> {
    req_ext.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip())
}

/// Failed logins per user name and per address, in a sliding window.
#[derive(Debug, Default)]
pub struct RateLimiter {
    failures: HashMap<String, Vec<Instant>>,
}

impl RateLimiter {
    fn keys(user: &str, ip: Option<IpAddr>) -> Vec<String> {
        let mut k = vec![format!("user:{}", user.to_lowercase())];
        if let Some(ip) = ip {
            k.push(format!("ip:{ip}"));
        }
        k
    }

    /// Whether a login for `user` from `ip` is refused without checking the password.
    pub fn blocked(&mut self, user: &str, ip: Option<IpAddr>, now: Instant) -> bool {
        Self::keys(user, ip).iter().any(|k| {
            self.failures.get_mut(k).is_some_and(|v| {
                v.retain(|t| now.duration_since(*t) < RATE_WINDOW);
                v.len() >= MAX_FAILURES
            })
        })
    }

    /// Records a failed login.
    pub fn fail(&mut self, user: &str, ip: Option<IpAddr>, now: Instant) {
        // Bound the memory an attacker can make us use with many names.
        if self.failures.len() > 10_000 {
            self.failures.retain(|_, v| {
                v.retain(|t| now.duration_since(*t) < RATE_WINDOW);
                !v.is_empty()
            });
        }
        for k in Self::keys(user, ip) {
            self.failures.entry(k).or_default().push(now);
        }
    }

    /// Forgets a user's failures after a good login.
    pub fn succeed(&mut self, user: &str) {
        self.failures
            .remove(&format!("user:{}", user.to_lowercase()));
    }
}

/// The `Set-Cookie` value of a new session.
pub fn session_cookie(value: &str, secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={SESSION_TTL_S}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// The `Set-Cookie` value that clears the session.
pub fn clear_cookie(secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{}",
        if secure { "; Secure" } else { "" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong", &h));
        assert!(!verify_password("x", "not a hash"));
        assert_ne!(hash_password("correct horse").unwrap(), h, "salted");
    }

    #[test]
    fn tokens_and_secrets() {
        let t = random_token().unwrap();
        assert_eq!(t.len(), 64);
        assert_ne!(t, random_token().unwrap());
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
    }

    #[test]
    fn limiter_blocks_after_five_failures_per_user_or_address() {
        let mut l = RateLimiter::default();
        let t = Instant::now();
        let ip: Option<IpAddr> = "10.0.0.1".parse().ok();
        for _ in 0..MAX_FAILURES {
            assert!(!l.blocked("ona", ip, t));
            l.fail("ona", ip, t);
        }
        assert!(l.blocked("ONA", None, t), "by name");
        assert!(l.blocked("other", ip, t), "by address");
        assert!(!l.blocked("other", None, t));
        assert!(!l.blocked("ona", ip, t + RATE_WINDOW), "window passed");
    }

    #[test]
    fn cookies_parse() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            "a=1; skydas_session=xyz; b=2".parse().unwrap(),
        );
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("xyz"));
        assert_eq!(cookie(&h, "c"), None);
        assert!(session_cookie("v", true).ends_with("; Secure"));
    }
}
