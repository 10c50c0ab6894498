//! The web-app commands: `serve`, `user`, `token`, `audit`, the audit records of command-line
//! imports and analyses, and the end of `demo` that serves the app.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use skydas_server::ServeOptions;
use skydas_server::auth;
use skydas_store::SqliteStore;
use skydas_store::accounts::{AccountStore, AuditCheck, AuditEvent, Role, secret_hash};

use crate::cli::{self, AuditAction, TokenAction, UserAction};

/// The accounts of the store `--store` names (they live with its data).
fn open_accounts(g: &cli::Global) -> Result<Box<dyn AccountStore>> {
    crate::scale::open_accounts(g)
}

/// Who runs the command, for the audit log of command-line actions.
pub(crate) fn cli_user() -> String {
    std::env::var("USER")
        .ok()
        .filter(|u| !u.is_empty())
        .map_or_else(|| "cli".to_string(), |u| format!("cli:{u}"))
}

/// Appends a command-line action to the audit log. A failure to record is reported, since an
/// unaudited import must not pass unnoticed, but does not undo the action.
pub fn record(store: &mut SqliteStore, action: &str, target: &str, detail: serde_json::Value) {
    let user = cli_user();
    let ev = AuditEvent {
        user: &user,
        org: "local",
        action,
        target,
        detail,
    };
    if let Err(e) = store.audit(&ev) {
        eprintln!("warning: cannot write the audit log: {e}");
    }
}

pub fn serve(g: &cli::Global, a: &cli::ServeArgs) -> Result<ExitCode> {
    let tls = match (&a.tls_cert, &a.tls_key) {
        (Some(c), Some(k)) => Some((c.clone(), k.clone())),
        (None, None) => None,
        _ => bail!("--tls-cert and --tls-key go together"),
    };
    // Create the schema before announcing the address.
    drop(open_accounts(g)?);
    let scheme = if tls.is_some() { "https" } else { "http" };
    eprintln!(
        "serving {} on {scheme}://{} (Ctrl-C stops)",
        crate::scale::describe_store(g),
        a.addr
    );
    crate::scale::serve(g, &ServeOptions { addr: a.addr, tls })?;
    Ok(ExitCode::SUCCESS)
}

/// The password from `SKYDAS_PASSWORD`, else one line of stdin.
fn read_password() -> Result<String> {
    if let Ok(p) = std::env::var("SKYDAS_PASSWORD") {
        return Ok(p);
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("password (it will be visible as you type; set SKYDAS_PASSWORD to avoid that): ");
        std::io::stderr().flush()?;
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

pub fn user(g: &cli::Global, action: &UserAction) -> Result<ExitCode> {
    let mut acc = open_accounts(g)?;
    match action {
        UserAction::Add { name, role, org } => {
            let role = Role::parse(role)
                .with_context(|| format!("unknown role {role:?}: admin, analyst or viewer"))?;
            let password = read_password()?;
            if password.chars().count() < 8 {
                bail!("the password needs at least 8 characters");
            }
            let phc = auth::hash_password(&password)?;
            let u = acc.add_user(name, role, org, &phc)?;
            acc.audit(&AuditEvent {
                user: &cli_user(),
                org: &u.org,
                action: "user_add",
                target: &u.name,
                detail: serde_json::json!({"role": role.as_str()}),
            })?;
            println!("added {} ({}, {})", u.name, u.role.as_str(), u.org);
        }
        UserAction::List => {
            let users = acc.users()?;
            if g.json {
                let mut out = std::io::stdout().lock();
                serde_json::to_writer_pretty(&mut out, &serde_json::json!({ "users": users }))?;
                writeln!(out)?;
            } else {
                for u in users {
                    println!("{}\t{}\t{}", u.name, u.role.as_str(), u.org);
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn token(g: &cli::Global, action: &TokenAction) -> Result<ExitCode> {
    let mut acc = open_accounts(g)?;
    match action {
        TokenAction::Create { user, label } => {
            let Some(u) = acc.user(user)? else {
                bail!("no user {user:?}");
            };
            let token = auth::random_token()?;
            acc.add_token(&u.name, &secret_hash(&token), label)?;
            acc.audit(&AuditEvent {
                user: &cli_user(),
                org: &u.org,
                action: "token_create",
                target: &u.name,
                detail: serde_json::json!({"label": label}),
            })?;
            eprintln!(
                "API token for {} (shown once; only its hash is kept):",
                u.name
            );
            println!("{token}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn audit(g: &cli::Global, action: &AuditAction) -> Result<ExitCode> {
    let acc = open_accounts(g)?;
    match action {
        AuditAction::Verify => {
            let check = acc.audit_verify()?;
            if g.json {
                let mut out = std::io::stdout().lock();
                serde_json::to_writer_pretty(&mut out, &check)?;
                writeln!(out)?;
            }
            match check {
                AuditCheck::Ok { rows, head } => {
                    if !g.json {
                        println!("audit log intact: {rows} rows, head {head}");
                    }
                    Ok(ExitCode::SUCCESS)
                }
                AuditCheck::Broken { seq, reason } => {
                    eprintln!("audit log broken at seq {seq}: {reason}");
                    Ok(ExitCode::from(1))
                }
            }
        }
        AuditAction::List { limit } => {
            let rows = acc.audit_list(*limit)?;
            if g.json {
                let mut out = std::io::stdout().lock();
                serde_json::to_writer_pretty(&mut out, &serde_json::json!({ "audit": rows }))?;
                writeln!(out)?;
            } else {
                for r in rows {
                    println!(
                        "{}\t{}\t{}@{}\t{}\t{}\t{}",
                        r.seq,
                        skydas_model::time::format_rfc3339(r.time),
                        r.user,
                        r.org,
                        r.action,
                        r.target,
                        r.detail
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The end of `demo`: a `demo` admin with a fresh random password, printed once, and the app.
pub fn demo_serve(g: &cli::Global, addr: std::net::SocketAddr) -> Result<()> {
    let mut acc = open_accounts(g)?;
    let password = auth::random_token()?
        .get(..20)
        .map(str::to_string)
        .context("short token")?;
    let phc = auth::hash_password(&password)?;
    if acc.user("demo")?.is_some() {
        acc.set_password("demo", &phc)?;
    } else {
        acc.add_user("demo", Role::Admin, "local", &phc)?;
    }
    println!();
    println!("Open http://{addr}/ and log in as  demo / {password}");
    println!("(a one-time password: the next demo run replaces it)");
    // The store the demo imported into, PostgreSQL included.
    crate::scale::serve(g, &ServeOptions { addr, tls: None })
}
