//! `skydas serve` as a process on loopback: HTTPS end to end with a given certificate and key,
//! the security headers over the wire, and a busy port refused before anything is announced.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::Arc;
use std::time::Duration;

use crate::cli::{on_store, stderr};

fn tls_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/skydas/tls")
}

/// A server process and the address it announced.
pub(crate) struct Server(Child, pub(crate) SocketAddr);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `skydas serve` on the store in `data` on a free loopback port, once it has announced it.
pub(crate) fn serve(data: &Path, extra: &[&str]) -> Server {
    let mut c = on_store(data, &["serve", "--addr", "127.0.0.1:0"])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(c.stderr.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let at = line
        .split("://")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or_else(|| panic!("no address announced: {line:?}"));
    Server(c, at.parse().unwrap())
}

/// One HTTPS request trusting only the test authority; the raw response.
fn https_get(addr: SocketAddr, path: &str) -> Result<String, String> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, ServerName};
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(tls_dir().join("ca.pem")).unwrap() {
        roots.add(c.unwrap()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let cfg = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = ServerName::try_from("127.0.0.1").unwrap();
    let mut conn = rustls::ClientConnection::new(Arc::new(cfg), name).map_err(|e| e.to_string())?;
    let mut sock = TcpStream::connect(addr).map_err(|e| e.to_string())?;
    sock.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut tls = rustls::Stream::new(&mut conn, &mut sock);
    let req = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    tls.write_all(req.as_bytes()).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    match tls.read_to_end(&mut out) {
        Ok(_) => {}
        // Servers may close without a close_notify once the response is complete.
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof && !out.is_empty() => {}
        Err(e) => return Err(e.to_string()),
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

#[test]
fn https_end_to_end_with_a_given_certificate() {
    let tmp = tempfile::tempdir().unwrap();
    let (cert, key) = (tls_dir().join("server.pem"), tls_dir().join("server.key"));
    let s = serve(
        tmp.path(),
        &[
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ],
    );
    let health = https_get(s.1, "/healthz").unwrap();
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert!(health.ends_with("ok\n"), "{health}");
    let login = https_get(s.1, "/login").unwrap().to_ascii_lowercase();
    for h in [
        "strict-transport-security: max-age=31536000; includesubdomains",
        "content-security-policy: default-src 'self'",
        "x-content-type-options: nosniff",
        "x-frame-options: deny",
        "cache-control: no-store",
        "; secure",
    ] {
        assert!(login.contains(h), "missing {h:?} in {login}");
    }
    // Plain HTTP to the HTTPS port gets no page.
    let mut plain = TcpStream::connect(s.1).unwrap();
    plain
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let _ = plain.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    let mut buf = Vec::new();
    let _ = plain.read_to_end(&mut buf);
    assert!(!String::from_utf8_lossy(&buf).contains("ok\n"));
    // A missing key is said before anything is announced.
    let o = on_store(
        tmp.path(),
        &["serve", "--addr", "127.0.0.1:0", "--tls-cert"],
    )
    .arg(&cert)
    .args(["--tls-key", "/nonexistent/key.pem"])
    .output()
    .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(!stderr(&o).contains("serving"), "{}", stderr(&o));
    assert!(stderr(&o).contains("key.pem"), "{}", stderr(&o));
}

#[test]
fn a_busy_port_is_refused_once_and_nothing_is_announced() {
    let tmp = tempfile::tempdir().unwrap();
    let s = serve(tmp.path(), &[]);
    let o = on_store(tmp.path(), &["serve", "--addr", &s.1.to_string()])
        .output()
        .unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(!err.contains("serving"), "{err}");
    assert_eq!(err.matches("in use").count(), 1, "said once: {err}");
    assert!(err.contains(&s.1.to_string()), "{err}");
}
