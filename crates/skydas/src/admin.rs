//! The commands around the store rather than over its items: `serve`, `worker`, `user`,
//! `token`, `audit`, `taxii pull` and `collection`, and the end of `demo` that serves the app.

use std::io::{BufRead, IsTerminal};
use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde_json::json;
use skydas_app::accounts;
use skydas_app::share;
use skydas_app::worker::WorkerOptions;
use skydas_server::taxii::client::{PullOptions, pull};
use skydas_server::{ServeOptions, Settings};
use skydas_store::accounts::AuditCheck;

use crate::cli::{
    AuditAction, CollectionAction, ServeArgs, TaxiiAction, TokenAction, UserAction, WorkerArgs,
};
use crate::commands::{Ctx, print_json};

/// Who runs the command, for the audit log of command-line actions.
pub(crate) fn cli_user() -> String {
    std::env::var("USER")
        .ok()
        .filter(|u| !u.is_empty())
        .map_or_else(|| "cli".to_string(), |u| format!("cli:{u}"))
}

/// The command line's user, acting for our own organisation.
pub(crate) fn actor(who: &str) -> accounts::Actor<'_> {
    accounts::Actor {
        user: who,
        org: "local",
    }
}

/// Serves the web app over the store the command names until Ctrl-C.
fn serve_store(ctx: &Ctx<'_>, opts: &ServeOptions, ready: &dyn Fn(SocketAddr)) -> Result<()> {
    let settings = Settings {
        tls: opts.tls.is_some(),
        kinds: skydas_app::analyze::kinds(),
        clock: Arc::new(ctx.clock),
    };
    let app = skydas_server::App::new(ctx.spec.backend()?, settings);
    skydas_server::serve_app(app, opts, ready)?;
    Ok(())
}

pub fn serve(ctx: &Ctx<'_>, a: &ServeArgs) -> Result<ExitCode> {
    // Clap takes both or neither.
    let tls = a.tls_cert.clone().zip(a.tls_key.clone());
    // Create the schema before announcing the address.
    drop(ctx.spec.accounts()?);
    let scheme = if tls.is_some() { "https" } else { "http" };
    let what = ctx.spec.describe();
    let ready = |at: SocketAddr| eprintln!("serving {what} on {scheme}://{at} (Ctrl-C stops)");
    serve_store(ctx, &ServeOptions { addr: a.addr, tls }, &ready)?;
    Ok(ExitCode::SUCCESS)
}

/// The end of `demo`: a `demo` admin with a fresh random password, printed once, and the app.
pub fn demo_serve(ctx: &Ctx<'_>, addr: std::net::SocketAddr) -> Result<()> {
    let password = accounts::demo_login(ctx.spec.accounts()?.as_mut())?;
    let ready = |at: SocketAddr| {
        println!();
        println!("Open http://{at}/ and log in as  demo / {password}");
        println!("(a one-time password: the next demo run replaces it)");
    };
    serve_store(ctx, &ServeOptions { addr, tls: None }, &ready)
}

pub fn worker(ctx: &Ctx<'_>, a: &WorkerArgs) -> Result<ExitCode> {
    let skydas_app::StoreSpec::Postgres { url, data } = &ctx.spec else {
        bail!("--nats needs a PostgreSQL store: --store postgres://… (or SKYDAS_STORE)");
    };
    let nats = ctx
        .g
        .nats
        .as_deref()
        .context("no NATS server: --nats nats://host:4222 (or SKYDAS_NATS)")?;
    let opts = WorkerOptions::new(data, a.idle_exit, a.name.clone());
    eprintln!("worker {} taking work from {nats}", opts.name);
    let r = skydas_app::worker::run_worker(url, nats, &opts)?;
    ctx.show(&r, |r| eprintln!("worker {}: {r}", opts.name))?;
    Ok(ExitCode::SUCCESS)
}

/// The password from `SKYDAS_PASSWORD`, else one line of stdin.
fn read_password() -> Result<String> {
    if let Ok(p) = std::env::var("SKYDAS_PASSWORD") {
        return Ok(p);
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        // Typed without echo.
        return Ok(rpassword::prompt_password("password: ")?);
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

pub fn user(ctx: &Ctx<'_>, action: &UserAction) -> Result<ExitCode> {
    let mut acc = ctx.spec.accounts()?;
    match action {
        UserAction::Add { name, role, org } => {
            let password = read_password()?;
            let who = cli_user();
            let u = accounts::add_user(acc.as_mut(), actor(&who), name, role, org, &password)?;
            println!("added {} ({}, {})", u.name, u.role.as_str(), u.org);
        }
        UserAction::Revoke { name } => {
            let who = cli_user();
            let (s, t) = accounts::revoke(acc.as_mut(), actor(&who), name)?;
            println!("revoked {s} sessions and {t} API tokens of {name}");
        }
        UserAction::List => {
            let users = acc.users()?;
            ctx.show(&json!({ "users": users }), |_| {
                for u in &users {
                    println!("{}\t{}\t{}", u.name, u.role.as_str(), u.org);
                }
            })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn token(ctx: &Ctx<'_>, action: &TokenAction) -> Result<ExitCode> {
    let mut acc = ctx.spec.accounts()?;
    let TokenAction::Create { user, label } = action;
    let who = cli_user();
    let (u, token) = accounts::create_token(acc.as_mut(), actor(&who), user, label)?;
    eprintln!(
        "API token for {} (shown once; only its hash is kept):",
        u.name
    );
    println!("{token}");
    Ok(ExitCode::SUCCESS)
}

pub fn audit(ctx: &Ctx<'_>, action: &AuditAction) -> Result<ExitCode> {
    let acc = ctx.spec.accounts()?;
    match action {
        AuditAction::Verify => {
            let check = acc.audit_verify()?;
            ctx.show(&check, |c| {
                if let AuditCheck::Ok {
                    rows,
                    head,
                    unkeyed,
                } = c
                {
                    let before = format!("{unkeyed} from before the keyring");
                    println!("audit log intact: {rows} rows ({before}), head {head}");
                }
            })?;
            if let AuditCheck::Broken { seq, reason } = check {
                eprintln!("audit log broken at seq {seq}: {reason}");
                return Ok(ExitCode::from(1));
            }
            Ok(ExitCode::SUCCESS)
        }
        AuditAction::RotateKey => {
            let id = skydas_app::audit_keys::rotate(&ctx.spec, acc.as_ref())?;
            let path = skydas_app::audit_keys::keyring_path(&ctx.spec);
            println!(
                "key {id} seals the audit log from the next row on ({}); back the keyring up",
                path.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        AuditAction::List { limit } => {
            let rows = acc.audit_list(*limit)?;
            ctx.show(&json!({ "audit": rows }), |_| {
                for r in &rows {
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
            })?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub fn taxii(ctx: &Ctx<'_>, action: &TaxiiAction) -> Result<ExitCode> {
    let TaxiiAction::Pull(a) = action;
    let interval = skydas_app::values::interval_secs(&a.interval).map_err(skydas_app::usage)?;
    let opts = PullOptions {
        url: a.url.clone(),
        collection: a.collection.clone(),
        user: a.user.clone(),
        token: a.token.clone(),
        ca_cert: a.ca_cert.clone(),
        limit: a.limit,
    };
    let mut sharing = ctx.spec.sharing()?;
    loop {
        let result = pull(sharing.as_mut(), &opts, &ctx.clock);
        let detail = match &result {
            Ok(r) => serde_json::to_value(r)?,
            Err(e) => json!({ "error": e.to_string() }),
        };
        ctx.audit("taxii_pull", &format!("{}#{}", a.url, a.collection), detail);
        ctx.show(&result?, |r| println!("{r}"))?;
        match interval {
            None => return Ok(ExitCode::SUCCESS),
            Some(s) => std::thread::sleep(Duration::from_secs(s)),
        }
    }
}

pub fn collection(ctx: &Ctx<'_>, action: &CollectionAction) -> Result<ExitCode> {
    let mut sharing = ctx.spec.sharing()?;
    match action {
        CollectionAction::Add {
            title,
            id,
            alias,
            description,
        } => {
            let (id, alias) = (id.as_deref(), alias.as_deref());
            let c = share::add_collection(sharing.as_mut(), title, id, alias, description)?;
            let detail = json!({"title": c.title, "alias": c.alias});
            ctx.audit("collection_add", &c.id, detail);
            ctx.show(&c, |c| println!("{}", c.id))?;
        }
        CollectionAction::List => {
            let all = share::collections(sharing.as_ref())?;
            ctx.show(&json!({ "collections": all }), |_| {
                crate::render::collections(&all);
            })?;
        }
        CollectionAction::Grant {
            collection,
            org,
            read,
            write,
            max_tlp,
        } => {
            let rw = (*read, *write);
            let (c, gr) = share::grant(sharing.as_mut(), collection, org, rw, *max_tlp)?;
            let detail = json!({"org": gr.org, "read": gr.can_read, "write": gr.can_write, "max_tlp": gr.max_tlp});
            ctx.audit("collection_grant", &c.id, detail);
            let (may, level) = (share::allowed(&gr), max_tlp.name());
            eprintln!("{} may {may} collection {} (up to {level})", gr.org, c.id);
        }
        CollectionAction::Publish {
            collection,
            findings,
            tlp,
            org,
        } => {
            // Findings come from the configured store (PostgreSQL included).
            let store = ctx.spec.open()?;
            let (s, clock) = (sharing.as_mut(), &ctx.clock);
            let p = share::publish(store.as_ref(), s, collection, findings, *tlp, org, clock)?;
            ctx.audit("taxii_publish", &p.collection, p.audit_detail());
            ctx.show(&p, |p| println!("{p}"))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn indicators(ctx: &Ctx<'_>, action: &crate::cli::IndicatorsAction) -> Result<ExitCode> {
    use skydas_app::indicators;
    let mut sharing = ctx.spec.sharing()?;
    match action {
        crate::cli::IndicatorsAction::Import { files, name, tlp } => {
            let mut done = Vec::new();
            for f in files {
                let (name, clock) = (name.as_deref(), &ctx.clock);
                let s = indicators::import_list(sharing.as_mut(), f, name, *tlp, clock)?;
                ctx.audit("indicators import", &s.path, s.audit_detail());
                if !ctx.g.json {
                    for k in &s.skipped_entries {
                        eprintln!("{}: {}: skipped {:?}: {}", s.path, k.at, k.value, k.reason);
                    }
                    println!("{s}");
                }
                done.push(s);
            }
            if ctx.g.json {
                print_json(&done)?;
            }
        }
        crate::cli::IndicatorsAction::List => {
            ctx.show(&indicators::lists(sharing.as_ref())?, |lists| {
                for l in lists {
                    println!("{l}");
                }
            })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn backup(ctx: &Ctx<'_>, dir: &Path) -> Result<ExitCode> {
    use skydas_model::Clock;
    let taken_at = skydas_model::time::format_rfc3339(ctx.clock.now());
    let r = skydas_app::backup::backup(&ctx.spec, dir, taken_at)?;
    ctx.audit(
        "backup",
        &r.dir,
        serde_json::json!({"db_sha256": r.manifest.db_sha256, "originals": r.manifest.originals}),
    );
    ctx.show(&r, |r| {
        let m = &r.manifest;
        println!(
            "backed up {} ({:.1} MB) to {} in {:.1} s; keep the audit keyring ({}) in a \
             separate backup",
            m.contents(),
            (m.db_bytes + m.originals_bytes) as f64 / 1e6,
            r.dir,
            r.seconds,
            skydas_app::audit_keys::keyring_path(&ctx.spec).display()
        );
    })?;
    Ok(ExitCode::SUCCESS)
}

pub fn restore(ctx: &Ctx<'_>, dir: &Path, keyring: Option<&Path>) -> Result<ExitCode> {
    let r = skydas_app::backup::restore(&ctx.spec, dir, keyring)?;
    let intact = matches!(r.audit, Some(AuditCheck::Ok { .. }));
    ctx.show(&r, |r| {
        let m = &r.manifest;
        println!(
            "restored {} (taken {}) into {} in {:.1} s",
            m.contents(),
            m.taken_at,
            r.dir,
            r.seconds
        );
        match &r.audit {
            Some(AuditCheck::Ok { rows, .. }) => {
                println!("audit log intact on the restored copy: {rows} rows");
            }
            Some(AuditCheck::Broken { seq, reason }) => {
                eprintln!("audit log broken on the restored copy at seq {seq}: {reason}");
            }
            None => {}
        }
    })?;
    if intact {
        ctx.audit(
            "restore",
            &r.dir,
            serde_json::json!({"from": dir.display().to_string()}),
        );
        Ok(ExitCode::SUCCESS)
    } else {
        Ok(ExitCode::from(1))
    }
}
