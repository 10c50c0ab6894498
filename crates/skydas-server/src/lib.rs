//! The analyst web app and JSON API of Skydas: server-rendered pages, `/api/v1/`, browser
//! sessions with CSRF protection, API tokens, roles and the audit trail of what analysts do.
//!
//! Only this crate knows HTTP. Every asset is compiled in; nothing is fetched at run time.
//! [`router`] builds the whole app over an [`App`] (tests drive it with `oneshot`, no socket);
//! [`serve`] runs it on a TCP address, with rustls when given a certificate.

mod api;
pub mod auth;
mod cache;
mod disarm;
mod error;
mod graph;
mod html;
mod pages;
pub mod taxii;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::middleware;
use axum::routing::{get, post};
use skydas_app::Backend;
use skydas_model::{Clock, Kinds, SystemClock, Tlp};
use skydas_store::Store;
use skydas_store::accounts::{AccountStore, AuditEvent, User};
use skydas_store::browse::{BrowseStore, Overview};
use skydas_store::sharing::SharingStore;

pub use error::ApiError;

/// The organisation that runs this server: `SKYDAS_ORG`, else `local`. Users of any other
/// organisation are partners, and TLP 2.0 applies to them as to any export: they see findings
/// up to TLP:AMBER, never AMBER+STRICT (our organisation only) and never RED.
pub fn home_org() -> String {
    std::env::var("SKYDAS_ORG")
        .ok()
        .filter(|o| !o.trim().is_empty())
        .unwrap_or_else(|| "local".into())
}

/// Whether `user` may see a finding marked `tlp` (see [`home_org`]).
pub fn visible_to(user: &skydas_store::accounts::User, tlp: Tlp) -> bool {
    use skydas_share::tlp::{Audience, may_release};
    if user.org == home_org() {
        // Our own analysts see everything, RED included: it is ours.
        return true;
    }
    may_release(
        Some(tlp),
        Audience {
            max: Tlp::Amber,
            same_org: false,
        },
    )
    .is_ok()
}
pub use graph::{Layout, layout};

/// The store handles a request works with, on any backend. One lock: the app serves a small
/// team, and SQLite serialises writers anyway.
pub struct Db {
    pub store: Box<dyn Store>,
    /// Accounts and the audit log live in the same database as the items.
    pub accounts: Box<dyn AccountStore>,
    pub browse: Box<dyn BrowseStore>,
    /// TAXII collections, shared objects and partner intelligence, in the same database too.
    pub sharing: Box<dyn SharingStore>,
    /// The overview scans every item; it is kept until the item count changes.
    overview: Option<(u64, Arc<Overview>)>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("accounts", &self.accounts)
            .field("browse", &self.browse)
            .finish_non_exhaustive()
    }
}

/// How the app runs: over TLS or not, the kinds of finding the detectors declare, and the
/// clock it reads the time from.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Served over TLS: session cookies get `Secure`.
    pub tls: bool,
    pub kinds: Kinds,
    pub clock: Arc<dyn Clock>,
}

impl Settings {
    /// Plain HTTP, the system clock.
    pub fn new(kinds: Kinds) -> Settings {
        Settings {
            tls: false,
            kinds,
            clock: Arc::new(SystemClock),
        }
    }
}

/// Shared state of the app.
#[derive(Debug)]
pub struct App {
    db: Mutex<Db>,
    limiter: Mutex<auth::RateLimiter>,
    settings: Settings,
    /// Findings as the JSON API writes them (see [`cache`]).
    finding_json: Mutex<cache::FindingJson>,
}

impl App {
    /// Opens the embedded store in `dir` (creating the accounts schema when new).
    pub fn open(dir: &Path, settings: Settings) -> Result<Arc<App>, skydas_app::AppError> {
        let spec = skydas_app::StoreSpec::Embedded {
            dir: dir.to_path_buf(),
        };
        Ok(App::new(spec.backend()?, settings))
    }

    /// The app over any backend's handles.
    pub fn new(b: Backend, settings: Settings) -> Arc<App> {
        Arc::new(App {
            db: Mutex::new(Db {
                store: b.store,
                accounts: b.accounts,
                browse: b.browse,
                sharing: b.sharing,
                overview: None,
            }),
            limiter: Mutex::new(auth::RateLimiter::default()),
            finding_json: Mutex::new(cache::FindingJson::default()),
            settings,
        })
    }

    /// The kinds of finding the detectors declare.
    pub fn kinds(&self) -> &Kinds {
        &self.settings.kinds
    }

    /// The clock the app reads the time from.
    pub fn clock(&self) -> &dyn Clock {
        self.settings.clock.as_ref()
    }

    /// Whether the app is served over TLS.
    pub fn tls(&self) -> bool {
        self.settings.tls
    }

    /// The store handles. A panic while holding them poisons nothing that matters: the
    /// database keeps its own consistency, so a poisoned lock is taken over.
    pub fn db(&self) -> MutexGuard<'_, Db> {
        self.db.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn finding_json(&self) -> MutexGuard<'_, cache::FindingJson> {
        self.finding_json.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn limiter(&self) -> MutexGuard<'_, auth::RateLimiter> {
        self.limiter.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Db {
    /// The overview, computed at most once per item count.
    pub fn overview(&mut self) -> Result<Arc<Overview>, ApiError> {
        let items = self.store.stats()?.items;
        if let Some((n, o)) = &self.overview
            && *n == items
        {
            return Ok(o.clone());
        }
        let o = Arc::new(self.browse.overview(10)?);
        self.overview = Some((items, o.clone()));
        Ok(o)
    }

    /// Appends to the audit log; a failure is logged, never shown to the user.
    pub fn audit(&mut self, user: &User, action: &str, target: &str, detail: serde_json::Value) {
        let ev = AuditEvent {
            user: &user.name,
            org: &user.org,
            action,
            target,
            detail,
        };
        if let Err(e) = self.accounts.audit(&ev) {
            tracing::error!("audit log: {e}");
        }
    }
}

/// Declares the routes behind the login once, as `method "pattern" [as "sample"] => handler`,
/// and makes of them both the router that serves them and [`PROTECTED_ROUTES`], where the
/// sample (the pattern itself where it has no parameters) stands for the pattern.
macro_rules! protected_routes {
    ($($method:ident $pattern:literal $(as $sample:literal)? => $handler:expr,)*) => {
        /// The routes that must refuse an unauthenticated request, as `(method, path)` with
        /// sample parameters. Tests walk this list; [`router`] serves the same routes.
        pub const PROTECTED_ROUTES: &[(&str, &str)] = &[
            $((protected_routes!(@method $method), protected_routes!(@sample $pattern $($sample)?)),)*
        ];

        /// The routes of [`PROTECTED_ROUTES`], each with its handler.
        fn protected_router() -> Router<Arc<App>> {
            Router::new()$(.route($pattern, $method($handler)))*
        }
    };
    (@method get) => { "GET" };
    (@method post) => { "POST" };
    (@sample $pattern:literal $sample:literal) => { $sample };
    (@sample $pattern:literal) => { $pattern };
}

protected_routes! {
    get "/" => pages::overview,
    get "/findings" => pages::findings,
    get "/findings/{id}" as "/findings/co-1" => pages::finding,
    post "/findings/{id}/status" as "/findings/co-1/status" => pages::set_status,
    get "/findings/{id}/download/{format}" as "/findings/co-1/download/json" => pages::download,
    get "/search" as "/search?q=x" => pages::search,
    get "/actors/{platform}/{id}" as "/actors/telegram/1" => pages::actor,
    get "/domains/{domain}" as "/domains/example.org" => pages::domain,
    get "/originals/{sha256}"
        as "/originals/0000000000000000000000000000000000000000000000000000000000000000"
        => pages::original,
    get "/users" => pages::users,
    get "/partner" => taxii::partner::page,
    post "/users" => pages::add_user,
    post "/logout" => pages::logout,
    get "/static/app.js" => pages::app_js,
    get "/api/v1/findings" => api::findings,
    get "/api/v1/findings/{id}" as "/api/v1/findings/co-1" => api::finding,
    post "/api/v1/findings/{id}/status" as "/api/v1/findings/co-1/status" => api::set_status,
    get "/api/v1/items" as "/api/v1/items?q=x" => api::items,
    get "/api/v1/actors/{platform}/{id}" as "/api/v1/actors/telegram/1" => api::actor,
    get "/api/v1/stats" => api::stats,
    get "/api/v1/openapi.json" => api::openapi,
}

/// Every route of the app. Only `/healthz`, `/login` and the login page's stylesheet are
/// public; everything else passes [`auth::require`] first.
pub fn router(app: Arc<App>) -> Router {
    let protected = protected_router()
        .layer(middleware::from_fn(pages::html_errors))
        .layer(middleware::from_fn_with_state(app.clone(), auth::require));
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/login", get(pages::login_form).post(pages::login))
        .route("/static/style.css", get(pages::style_css))
        .merge(protected)
        .merge(taxii::routes())
        .fallback(pages::not_found)
        .layer(middleware::from_fn_with_state(
            app.clone(),
            security_headers,
        ))
        .with_state(app)
}

/// The policy of every page: scripts and styles from this server only (no inline script),
/// images from it or `data:`, no plugins, no framing, forms posting back here only.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

/// Security headers on every response: the content security policy, `nosniff`, no framing,
/// no referrer, HSTS under TLS, and no caching unless a handler chose it (the compiled-in
/// stylesheet and script).
async fn security_headers(
    axum::extract::State(app): axum::extract::State<Arc<App>>,
    req: axum::extract::Request,
    next: middleware::Next,
) -> axum::response::Response {
    use axum::http::{HeaderValue, header};
    let mut r = next.run(req).await;
    let h = r.headers_mut();
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
    ] {
        h.insert(name, HeaderValue::from_static(value));
    }
    if app.tls() {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    r
}

/// How to run the server.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub addr: SocketAddr,
    /// PEM certificate chain and private key; both or neither.
    pub tls: Option<(PathBuf, PathBuf)>,
}

/// Why the server could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Store(#[from] skydas_store::StoreError),
    #[error(transparent)]
    App(#[from] skydas_app::AppError),
    /// `what` failed; the cause is the error's source (said once, after it).
    #[error("{what}")]
    Io {
        what: String,
        source: std::io::Error,
    },
}

/// Serves an app (over any backend) until Ctrl-C. Blocks; runs its own runtime. The address
/// is bound and the certificate read first; only then is `ready` told the address actually
/// listened on (`:0` picks a free port), so nothing is announced that is not served.
pub fn serve_app(
    app: Arc<App>,
    opts: &ServeOptions,
    ready: &dyn Fn(SocketAddr),
) -> Result<(), ServeError> {
    let listener = std::net::TcpListener::bind(opts.addr).map_err(|source| ServeError::Io {
        what: format!("cannot listen on {}", opts.addr),
        source,
    })?;
    let local = listener.local_addr().map_err(|source| ServeError::Io {
        what: "reading the listening address".into(),
        source,
    })?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|source| ServeError::Io {
            what: "starting the runtime".into(),
            source,
        })?;
    rt.block_on(async move {
        let tls = match &opts.tls {
            None => None,
            Some((cert, key)) => {
                // Only the ring provider is compiled in; installing it twice is harmless.
                let _ = rustls::crypto::ring::default_provider().install_default();
                Some(
                    axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key)
                        .await
                        .map_err(|source| ServeError::Io {
                            what: format!("reading {} and {}", cert.display(), key.display()),
                            source,
                        })?,
                )
            }
        };
        let svc = router(app).into_make_service_with_connect_info::<SocketAddr>();
        let handle = axum_server::Handle::new();
        let h = handle.clone();
        tokio::spawn(async move {
            // If the signal cannot be awaited the server simply runs until killed.
            if tokio::signal::ctrl_c().await.is_ok() {
                h.graceful_shutdown(Some(std::time::Duration::from_secs(2)));
            }
        });
        let serving = |source| ServeError::Io {
            what: format!("serving on {local}"),
            source,
        };
        ready(local);
        match tls {
            None => {
                axum_server::from_tcp(listener)
                    .map_err(serving)?
                    .handle(handle)
                    .serve(svc)
                    .await
            }
            Some(cfg) => {
                axum_server::tls_rustls::from_tcp_rustls(listener, cfg)
                    .map_err(serving)?
                    .handle(handle)
                    .serve(svc)
                    .await
            }
        }
        .map_err(serving)
    })
}

#[cfg(test)]
mod tests;
