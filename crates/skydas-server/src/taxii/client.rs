//! The TAXII 2.1 client of `skydas taxii pull`: reads a remote collection's objects
//! incrementally (`added_after` = the last `X-TAXII-Date-Added-Last` kept for that server and
//! collection), follows `next`, and records every page as partner intelligence.
//!
//! It always sends `Accept: application/taxii+json;version=2.1` and HTTP Basic credentials (user
//! name and API token). HTTPS is verified against the CA certificates given: an air-gapped
//! deployment has its own CA and this build carries no public root list.

use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::Request;
use hyper_util::rt::TokioIo;
use serde::Serialize;
use serde_json::Value;
use skydas_store::sharing::SharingStore;
use tokio::net::TcpStream;

use super::{TAXII_MEDIA_TYPE, is_taxii_type};
use skydas_app::intel::{self, IntelError};
use skydas_model::Clock;

/// Longest one request of a pull may take, connection and body included.
const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// Why a pull failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("invalid url {0:?} (expected http:// or https://host[:port]/path/)")]
    Url(String),
    #[error("https needs --ca-cert with the server's CA certificate (PEM)")]
    NoCa,
    #[error("reading the CA certificates {path}: {detail}")]
    Ca { path: String, detail: String },
    #[error("connecting to {addr}: {detail}")]
    Connect { addr: String, detail: String },
    #[error("{url}: HTTP {status}: {detail}")]
    Http {
        url: String,
        status: u16,
        detail: String,
    },
    #[error("{url}: {detail}")]
    Protocol { url: String, detail: String },
    #[error(transparent)]
    Intel(#[from] IntelError),
    #[error(transparent)]
    Store(#[from] skydas_store::StoreError),
}

/// What to pull.
#[derive(Debug, Clone)]
pub struct PullOptions {
    /// The API root (`https://host/fimi/`) or the discovery URL (`…/taxii2/`, whose default
    /// API root is then used).
    pub url: String,
    pub collection: String,
    pub user: String,
    pub token: String,
    /// PEM CA certificates for HTTPS.
    pub ca_cert: Option<PathBuf>,
    /// Objects per request (the server may cap it).
    pub limit: Option<usize>,
}

/// What one pull did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PullReport {
    pub api_root: String,
    pub collection: String,
    pub added_after: Option<String>,
    pub pages: usize,
    pub objects: usize,
    pub new_objects: u64,
    pub watch_domains: usize,
    pub watch_actors: usize,
    /// The `X-TAXII-Date-Added-Last` to continue from next time.
    pub added_last: Option<String>,
}

impl std::fmt::Display for PullReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "pulled {} objects ({} new) in {} pages from {} collection {}; watch items: {} \
             domains, {} actors; next pull after {}",
            self.objects,
            self.new_objects,
            self.pages,
            self.api_root,
            self.collection,
            self.watch_domains,
            self.watch_actors,
            self.added_last.as_deref().unwrap_or("the start")
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Target {
    https: bool,
    host: String,
    port: u16,
    path: String,
}

fn parse_url(url: &str) -> Result<Target, ClientError> {
    let bad = || ClientError::Url(url.to_string());
    let (https, rest) = if let Some(r) = url.strip_prefix("https://") {
        (true, r)
    } else if let Some(r) = url.strip_prefix("http://") {
        (false, r)
    } else {
        return Err(bad());
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    if authority.contains('@') || authority.is_empty() {
        return Err(bad());
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || authority.starts_with('[') => {
            (h.to_string(), p.parse::<u16>().map_err(|_| bad())?)
        }
        _ => (authority.to_string(), if https { 443 } else { 80 }),
    };
    if host.is_empty() {
        return Err(bad());
    }
    Ok(Target {
        https,
        host,
        port,
        path: path.to_string(),
    })
}

pub(crate) fn base64_encode(b: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::with_capacity(b.len().div_ceil(3) * 4);
    for chunk in b.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &x)| acc | u32::from(x) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                s.push(char::from(A[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                s.push('=');
            }
        }
    }
    s
}

/// Percent-encodes a query value (timestamps carry `:` and may carry `+`).
fn encode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b':' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

struct Client {
    auth: String,
    tls: Option<tokio_rustls::TlsConnector>,
}

struct Reply {
    status: u16,
    content_type: String,
    added_last: Option<String>,
    body: Bytes,
}

impl Client {
    fn new(opts: &PullOptions, https: bool) -> Result<Client, ClientError> {
        let tls = if https {
            let path = opts.ca_cert.as_ref().ok_or(ClientError::NoCa)?;
            let ca_err = |detail: String| ClientError::Ca {
                path: path.display().to_string(),
                detail,
            };
            use rustls::pki_types::CertificateDer;
            use rustls::pki_types::pem::PemObject;
            let mut roots = rustls::RootCertStore::empty();
            for cert in CertificateDer::pem_file_iter(path).map_err(|e| ca_err(e.to_string()))? {
                roots
                    .add(cert.map_err(|e| ca_err(e.to_string()))?)
                    .map_err(|e| ca_err(e.to_string()))?;
            }
            if roots.is_empty() {
                return Err(ca_err("no certificate in the file".into()));
            }
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let cfg = rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .map_err(|e| ca_err(e.to_string()))?
                .with_root_certificates(roots)
                .with_no_client_auth();
            Some(tokio_rustls::TlsConnector::from(Arc::new(cfg)))
        } else {
            None
        };
        Ok(Client {
            auth: format!(
                "Basic {}",
                base64_encode(format!("{}:{}", opts.user, opts.token).as_bytes())
            ),
            tls,
        })
    }

    /// GET with a deadline on the whole exchange: a partner server that stalls mid-answer
    /// must not hang a pull.
    async fn get(&self, url: &str) -> Result<Reply, ClientError> {
        tokio::time::timeout(REQUEST_TIMEOUT, self.get_unbounded(url))
            .await
            .unwrap_or_else(|_| {
                Err(ClientError::Connect {
                    addr: url.to_string(),
                    detail: format!("no complete answer within {REQUEST_TIMEOUT:?}"),
                })
            })
    }

    async fn get_unbounded(&self, url: &str) -> Result<Reply, ClientError> {
        let t = parse_url(url)?;
        let addr = format!("{}:{}", t.host, t.port);
        let conn_err = |detail: String| ClientError::Connect {
            addr: addr.clone(),
            detail,
        };
        let tcp = TcpStream::connect((t.host.trim_matches(['[', ']']), t.port))
            .await
            .map_err(|e| conn_err(e.to_string()))?;
        let host_header = if (t.https && t.port == 443) || (!t.https && t.port == 80) {
            t.host.clone()
        } else {
            addr.clone()
        };
        let req = Request::get(&t.path)
            .header("host", host_header)
            .header("accept", TAXII_MEDIA_TYPE)
            .header("authorization", &self.auth)
            .header("user-agent", concat!("skydas/", env!("CARGO_PKG_VERSION")))
            .body(Empty::<Bytes>::new())
            .map_err(|e| ClientError::Url(format!("{url}: {e}")))?;
        let resp = match (&self.tls, t.https) {
            (Some(tls), true) => {
                let name = rustls::pki_types::ServerName::try_from(
                    t.host.trim_matches(['[', ']']).to_string(),
                )
                .map_err(|e| conn_err(e.to_string()))?;
                let stream = tls
                    .connect(name, tcp)
                    .await
                    .map_err(|e| conn_err(e.to_string()))?;
                send(TokioIo::new(stream), req, &conn_err).await?
            }
            (_, true) => return Err(ClientError::NoCa),
            (_, false) => send(TokioIo::new(tcp), req, &conn_err).await?,
        };
        let status = resp.status().as_u16();
        let header = |k: &str| {
            resp.headers()
                .get(k)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let content_type = header("content-type").unwrap_or_default();
        let added_last = header("x-taxii-date-added-last");
        let body = resp
            .into_body()
            .collect()
            .await
            .map_err(|e| conn_err(e.to_string()))?
            .to_bytes();
        Ok(Reply {
            status,
            content_type,
            added_last,
            body,
        })
    }

    /// GET a TAXII resource: 200 with the TAXII media type, else an error naming the server's
    /// error title.
    async fn get_json(&self, url: &str) -> Result<(Value, Option<String>), ClientError> {
        let r = self.get(url).await?;
        if r.status != 200 {
            let detail = serde_json::from_slice::<Value>(&r.body)
                .ok()
                .and_then(|v| {
                    let t = v.get("title").and_then(Value::as_str)?.to_string();
                    let d = v.get("description").and_then(Value::as_str).unwrap_or("");
                    Some(format!("{t}: {d}"))
                })
                .unwrap_or_else(|| String::from_utf8_lossy(&r.body).chars().take(200).collect());
            return Err(ClientError::Http {
                url: url.to_string(),
                status: r.status,
                detail,
            });
        }
        if !is_taxii_type(r.content_type.split(',').next().unwrap_or("")) {
            return Err(ClientError::Protocol {
                url: url.to_string(),
                detail: format!(
                    "Content-Type {:?} is not {TAXII_MEDIA_TYPE}",
                    r.content_type
                ),
            });
        }
        let v = serde_json::from_slice(&r.body).map_err(|e| ClientError::Protocol {
            url: url.to_string(),
            detail: format!("not JSON: {e}"),
        })?;
        Ok((v, r.added_last))
    }
}

async fn send<S>(
    io: TokioIo<S>,
    req: Request<Empty<Bytes>>,
    conn_err: &dyn Fn(String) -> ClientError,
) -> Result<hyper::Response<hyper::body::Incoming>, ClientError>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, conn) = hyper::client::conn::http1::handshake(io)
        .await
        .map_err(|e| conn_err(e.to_string()))?;
    tokio::spawn(async move {
        if let Err(e) = conn.await {
            tracing::debug!("taxii client connection: {e}");
        }
    });
    sender
        .send_request(req)
        .await
        .map_err(|e| conn_err(e.to_string()))
}

fn with_slash(s: &str) -> String {
    if s.ends_with('/') {
        s.to_string()
    } else {
        format!("{s}/")
    }
}

/// Pulls new objects of a remote collection into `sharing` as partner intelligence. Blocks; runs
/// its own small runtime. The pull state advances page by page, so an interrupted pull resumes.
pub fn pull(
    sharing: &mut dyn SharingStore,
    opts: &PullOptions,
    clock: &dyn Clock,
) -> Result<PullReport, ClientError> {
    let t = parse_url(&opts.url)?;
    let client = Client::new(opts, t.https)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| ClientError::Connect {
            addr: opts.url.clone(),
            detail: e.to_string(),
        })?;
    rt.block_on(pull_async(sharing, opts, clock, &client))
}

async fn pull_async(
    sharing: &mut dyn SharingStore,
    opts: &PullOptions,
    clock: &dyn Clock,
    client: &Client,
) -> Result<PullReport, ClientError> {
    let mut root = with_slash(&opts.url);
    if root.ends_with("/taxii2/") {
        let (disc, _) = client.get_json(&root).await?;
        root = disc
            .get("default")
            .and_then(Value::as_str)
            .or_else(|| disc.pointer("/api_roots/0").and_then(Value::as_str))
            .map(with_slash)
            .ok_or_else(|| ClientError::Protocol {
                url: root.clone(),
                detail: "discovery names no API root".into(),
            })?;
    }
    let collection = opts.collection.trim().to_string();
    let objects_url = format!("{root}collections/{}/objects/", encode(&collection));
    let source = format!("taxii-pull:{root}collections/{collection}/");
    let mut report = PullReport {
        api_root: root.clone(),
        collection: collection.clone(),
        added_after: sharing.pull_state(&root, &collection)?,
        ..PullReport::default()
    };
    let mut added_after = report.added_after.clone();
    let mut next: Option<String> = None;
    // A server that keeps answering `more` is stopped after this many pages.
    for _ in 0..100_000 {
        let mut params = Vec::new();
        if let Some(a) = &added_after {
            params.push(format!("added_after={}", encode(a)));
        }
        if let Some(l) = opts.limit {
            params.push(format!("limit={l}"));
        }
        if let Some(n) = &next {
            params.push(format!("next={}", encode(n)));
        }
        let url = if params.is_empty() {
            objects_url.clone()
        } else {
            format!("{objects_url}?{}", params.join("&"))
        };
        let (env, last) = client.get_json(&url).await?;
        report.pages += 1;
        let n = env
            .get("objects")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        if n > 0 {
            let s = intel::record(sharing, &env, &source, None, clock)?;
            report.objects += n;
            report.new_objects += s.new_objects;
            report.watch_domains += s.watch_domains;
            report.watch_actors += s.watch_actors;
        }
        if let Some(l) = &last {
            sharing.set_pull_state(&root, &collection, l)?;
            report.added_last = Some(l.clone());
        }
        let more = env.get("more").and_then(Value::as_bool).unwrap_or(false);
        next = env.get("next").and_then(Value::as_str).map(str::to_string);
        match (more, &next, &last) {
            (true, Some(_), _) => {}
            // Servers that page by time only: continue after the last item seen.
            (true, None, Some(l)) if n > 0 => added_after = Some(l.clone()),
            _ => break,
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_parse() {
        let check = |u: &str, expected: Option<(bool, &str, u16, &str)>| {
            let got = parse_url(u).ok();
            let want = expected.map(|(https, host, port, path)| Target {
                https,
                host: host.into(),
                port,
                path: path.into(),
            });
            assert_eq!(got, want, "{u}");
        };
        check(
            "http://127.0.0.1:8080/fimi/",
            Some((false, "127.0.0.1", 8080, "/fimi/")),
        );
        check(
            "https://cti.example.lt/taxii2/",
            Some((true, "cti.example.lt", 443, "/taxii2/")),
        );
        check("http://host", Some((false, "host", 80, "/")));
        check("http://[::1]:9000/x/", Some((false, "[::1]", 9000, "/x/")));
        check("ftp://host/", None);
        check("http://user:pw@host/", None);
        check("http://host:notaport/", None);
        check("http:///path", None);
    }

    #[test]
    fn base64_matches_the_rfc_vectors() {
        let check = |s: &str, e: &str| assert_eq!(base64_encode(s.as_bytes()), e, "{s}");
        check("", "");
        check("f", "Zg==");
        check("fo", "Zm8=");
        check("foo", "Zm9v");
        check("foob", "Zm9vYg==");
        check("conf:secret", "Y29uZjpzZWNyZXQ=");
        assert_eq!(
            super::super::base64_decode("Y29uZjpzZWNyZXQ="),
            Some(b"conf:secret".to_vec())
        );
        assert_eq!(
            super::super::base64_decode("Zm9vYg"),
            Some(b"foob".to_vec())
        );
        assert_eq!(super::super::base64_decode("**"), None);
    }
}
