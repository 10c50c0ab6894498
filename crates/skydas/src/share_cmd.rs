//! The sharing commands: `skydas collection add|list|grant|publish` (the TAXII collections that
//! `skydas serve` offers partners), `skydas taxii pull` (a partner's collection, incrementally),
//! and the STIX-bundle side of `skydas import` (partner intelligence from files).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use serde_json::{Value, json};
use skydas_server::taxii::client::{PullOptions, pull};
use skydas_server::taxii::intel;
use skydas_share::tlp::{Audience, Tlp};
use skydas_store::SqliteStore;
use skydas_store::sharing::{Grant, NewObject, Sharing};

use crate::cli;
use crate::commands::{marked_findings, open_store_pub};
use crate::serve::record;

#[derive(Debug, Subcommand)]
pub enum TaxiiAction {
    /// Pull a remote TAXII 2.1 collection's new objects (since the last pull) as partner
    /// intelligence.
    Pull(PullArgs),
}

#[derive(Debug, Args)]
pub struct PullArgs {
    /// The API root (e.g. https://cti.example.lt/fimi/) or the discovery URL (…/taxii2/).
    pub url: String,
    /// The collection id.
    #[arg(long)]
    pub collection: String,
    #[arg(long)]
    pub user: String,
    /// The API token (the Basic password).
    #[arg(long, env = "SKYDAS_TAXII_TOKEN", hide_env_values = true)]
    pub token: String,
    /// PEM CA certificate(s) for an https server.
    #[arg(long)]
    pub ca_cert: Option<PathBuf>,
    /// Objects per request (the server may cap it).
    #[arg(long)]
    pub limit: Option<usize>,
    /// `none` pulls once; a number of seconds polls until stopped.
    #[arg(long, default_value = "none")]
    pub interval: String,
}

#[derive(Debug, Subcommand)]
pub enum CollectionAction {
    /// Add a collection (its id is printed).
    Add {
        title: String,
        /// A lowercase UUID (default: a random one).
        #[arg(long)]
        id: Option<String>,
        #[arg(long)]
        alias: Option<String>,
        #[arg(long, default_value = "")]
        description: String,
    },
    /// List collections with their grants.
    List,
    /// Set what an organisation may do with a collection (replaces its earlier grant).
    Grant {
        /// Collection id or alias.
        collection: String,
        org: String,
        #[arg(long)]
        read: bool,
        #[arg(long)]
        write: bool,
        /// Most restrictive marking the organisation may read: clear, green, amber,
        /// amber+strict. RED is never served; AMBER+STRICT only to the object's own organisation.
        #[arg(long, default_value = "amber+strict")]
        max_tlp: String,
    },
    /// Export findings into a collection as new object versions (TLP enforced again per reader).
    Publish {
        /// Collection id or alias.
        collection: String,
        /// Only these findings (default: all stored findings).
        #[arg(long = "finding", value_name = "ID")]
        findings: Vec<String>,
        /// Highest marking published: clear, green, amber, amber+strict. RED never leaves.
        #[arg(long, default_value = "amber+strict")]
        tlp: String,
        /// Our organisation: the STIX identity, and the organisation that may read our
        /// AMBER+STRICT objects (name it as `skydas user add --org` does).
        #[arg(long, env = "SKYDAS_ORG", default_value = "local")]
        org: String,
    },
}

fn open_sharing(g: &cli::Global) -> Result<(SqliteStore, Sharing)> {
    let store = open_store_pub(g)?;
    let sharing = store.sharing()?;
    Ok((store, sharing))
}

fn print_json(v: &Value) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0))
}

pub fn collection(g: &cli::Global, action: &CollectionAction) -> Result<ExitCode> {
    let (mut store, mut sharing) = open_sharing(g)?;
    match action {
        CollectionAction::Add {
            title,
            id,
            alias,
            description,
        } => {
            let id = match id {
                Some(i) => i.trim().to_lowercase(),
                None => skydas_server::taxii::random_uuid()?,
            };
            let c = sharing.add_collection(&id, title, description, alias.as_deref())?;
            record(
                &mut store,
                "collection_add",
                &c.id,
                json!({"title": c.title, "alias": c.alias}),
            );
            if g.json {
                print_json(&serde_json::to_value(&c)?)?;
            } else {
                println!("{}", c.id);
            }
        }
        CollectionAction::List => {
            let mut out = Vec::new();
            for c in sharing.collections()? {
                let grants = sharing.grants(&c.id)?;
                out.push((c, grants));
            }
            if g.json {
                let v: Vec<Value> = out
                    .iter()
                    .map(|(c, gr)| json!({"collection": c, "grants": gr}))
                    .collect();
                print_json(&json!({ "collections": v }))?;
            } else {
                for (c, grants) in out {
                    println!(
                        "{}\t{}\t{}",
                        c.id,
                        c.alias.as_deref().unwrap_or("-"),
                        c.title
                    );
                    for gr in grants {
                        println!(
                            "\t{}\t{}{}\tmax {}",
                            gr.org,
                            if gr.can_read { "r" } else { "-" },
                            if gr.can_write { "w" } else { "-" },
                            gr.max_tlp
                        );
                    }
                }
            }
        }
        CollectionAction::Grant {
            collection,
            org,
            read,
            write,
            max_tlp,
        } => {
            let level =
                Tlp::parse(max_tlp).with_context(|| format!("unknown TLP level {max_tlp:?}"))?;
            if level == Tlp::Red {
                bail!("TLP:RED is never served; choose clear, green, amber or amber+strict");
            }
            let c = sharing
                .collection(collection)?
                .with_context(|| format!("no collection {collection:?}"))?;
            let gr = Grant {
                org: org.trim().to_string(),
                can_read: *read,
                can_write: *write,
                max_tlp: level.as_str().to_string(),
            };
            sharing.grant(&c.id, &gr)?;
            record(
                &mut store,
                "collection_grant",
                &c.id,
                json!({"org": gr.org, "read": gr.can_read, "write": gr.can_write, "max_tlp": gr.max_tlp}),
            );
            eprintln!(
                "{} may {} collection {} (up to {})",
                gr.org,
                match (gr.can_read, gr.can_write) {
                    (true, true) => "read and write",
                    (true, false) => "read",
                    (false, true) => "write",
                    (false, false) => "not use",
                },
                c.id,
                level.name()
            );
        }
        CollectionAction::Publish {
            collection,
            findings,
            tlp,
            org,
        } => {
            let max = Tlp::parse(tlp).with_context(|| format!("unknown TLP level {tlp:?}"))?;
            if max == Tlp::Red {
                bail!("TLP:RED never leaves Skydas; choose clear, green, amber or amber+strict");
            }
            let c = sharing
                .collection(collection)?
                .with_context(|| format!("no collection {collection:?}"))?;
            // Findings come from the configured store (PostgreSQL included); only the sharing
            // state is embedded.
            let marked = marked_findings(&crate::scale::open_store(g)?, findings)?;
            // Published for our own organisation's ceiling; each reader is filtered again at
            // read time by its grant and organisation.
            let audience = Audience::own_org(max);
            let identity = skydas_share::stix::OrgIdentity::new(org);
            let r = skydas_share::stix::export_bundle(&marked, &identity, audience, now());
            let problems = skydas_share::stix::check_bundle_for(&r.bundle, audience);
            if !problems.is_empty() {
                bail!(
                    "refusing to publish a bundle that fails its checks: {}",
                    problems.join("; ")
                );
            }
            let imported = skydas_share::stix::import_bundle(&r.bundle)?;
            let objects: Vec<NewObject> = imported
                .objects
                .iter()
                .map(|(o, t)| {
                    let s = |k: &str| o.get(k).and_then(Value::as_str).unwrap_or_default();
                    let version = [s("modified"), s("created")]
                        .into_iter()
                        .find(|v| !v.is_empty())
                        .and_then(skydas_server::taxii::parse_micros);
                    NewObject {
                        id: s("id").to_string(),
                        object_type: s("type").to_string(),
                        version,
                        spec_version: o
                            .get("spec_version")
                            .and_then(Value::as_str)
                            .unwrap_or("2.1")
                            .to_string(),
                        tlp: t.as_str().to_string(),
                        source_org: org.trim().to_string(),
                        body: o.to_string(),
                    }
                })
                .collect();
            let added = sharing.add_objects(&c.id, &objects)?;
            let new = added
                .iter()
                .filter(|a| matches!(a, skydas_store::sharing::Added::New { .. }))
                .count();
            record(
                &mut store,
                "taxii_publish",
                &c.id,
                json!({
                    "findings": r.counts.findings_exported,
                    "withheld": r.withheld.len(),
                    "objects": objects.len(),
                    "new_versions": new,
                    "max_tlp": max.as_str(),
                }),
            );
            if g.json {
                print_json(&json!({
                    "collection": c.id, "findings": r.counts.findings_exported,
                    "withheld": r.withheld.len(), "objects": objects.len(), "new_versions": new,
                }))?;
            } else {
                println!(
                    "published {} findings as {} objects ({} new versions) to {}; {} withheld",
                    r.counts.findings_exported,
                    objects.len(),
                    new,
                    c.id,
                    r.withheld.len()
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn taxii(g: &cli::Global, action: &TaxiiAction) -> Result<ExitCode> {
    let TaxiiAction::Pull(a) = action;
    let interval = match a.interval.trim() {
        "none" | "" => None,
        s => Some(
            s.parse::<u64>()
                .ok()
                .filter(|n| *n > 0)
                .with_context(|| format!("--interval takes none or seconds, not {s:?}"))?,
        ),
    };
    let opts = PullOptions {
        url: a.url.clone(),
        collection: a.collection.clone(),
        user: a.user.clone(),
        token: a.token.clone(),
        ca_cert: a.ca_cert.clone(),
        limit: a.limit,
    };
    let (mut store, mut sharing) = open_sharing(g)?;
    loop {
        let result = pull(&mut sharing, &opts);
        let detail = match &result {
            Ok(r) => serde_json::to_value(r)?,
            Err(e) => json!({ "error": e.to_string() }),
        };
        record(
            &mut store,
            "taxii_pull",
            &format!("{}#{}", a.url, a.collection),
            detail,
        );
        let r = result?;
        if g.json {
            print_json(&serde_json::to_value(&r)?)?;
        } else {
            println!(
                "pulled {} objects ({} new) in {} pages from {} collection {}; watch items: {} domains, {} actors; next pull after {}",
                r.objects,
                r.new_objects,
                r.pages,
                r.api_root,
                r.collection,
                r.watch_domains,
                r.watch_actors,
                r.added_last.as_deref().unwrap_or("the start")
            );
        }
        match interval {
            None => return Ok(ExitCode::SUCCESS),
            Some(s) => std::thread::sleep(std::time::Duration::from_secs(s)),
        }
    }
}

/// Whether a file is a STIX bundle, by content: the head decides, the whole file is read only
/// when the head looks like a bundle without starting with `{"type": "bundle"`.
fn is_bundle_file(p: &Path) -> bool {
    let Ok(f) = std::fs::File::open(p) else {
        return false;
    };
    let mut head = Vec::with_capacity(4096);
    if f.take(4096).read_to_end(&mut head).is_err() {
        return false;
    }
    let text = String::from_utf8_lossy(&head);
    let compact: String = text
        .trim_start_matches('\u{feff}')
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if compact.starts_with("{\"type\":\"bundle\"") {
        return true;
    }
    // Exporters that sort keys put `id` first and `type` last.
    let candidate =
        compact.starts_with("{\"id\":\"bundle--") || compact.contains("\"type\":\"bundle\"");
    if !compact.starts_with('{') || !candidate {
        return false;
    }
    std::fs::read_to_string(p).is_ok_and(|t| intel::looks_like_bundle(&t))
}

/// Splits `skydas import` arguments into STIX bundle files and everything else (folders are
/// left to the item importers).
pub fn split_bundles(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<PathBuf>) {
    paths.iter().cloned().partition(|p| {
        p.is_file()
            && p.extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("json"))
            && is_bundle_file(p)
    })
}

/// Imports STIX bundle files as partner intelligence, audited one by one. A file that cannot be
/// read or is not a bundle is named and skipped, the others still land; returns how many failed.
pub fn import_bundles(
    g: &cli::Global,
    store: &mut SqliteStore,
    files: &[PathBuf],
) -> Result<usize> {
    let mut sharing = store.sharing()?;
    let mut summaries = Vec::new();
    let mut failed = Vec::new();
    for p in files {
        let name = p.file_name().map_or_else(
            || p.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let recorded = std::fs::read_to_string(p)
            .with_context(|| format!("cannot read {}", p.display()))
            .and_then(|text| {
                serde_json::from_str::<Value>(&text)
                    .with_context(|| format!("{}: not JSON", p.display()))
            })
            .and_then(|v| {
                intel::record(&mut sharing, &v, &format!("file:{name}"), None)
                    .with_context(|| format!("{}: not a STIX 2.1 bundle", p.display()))
            });
        let s = match recorded {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: {e:#}");
                failed.push(json!({"file": p, "failure": format!("{e:#}")}));
                continue;
            }
        };
        record(
            store,
            "import_stix",
            &p.display().to_string(),
            serde_json::to_value(&s)?,
        );
        if !g.json {
            println!(
                "{}: {} partner objects from {} ({} new; {} unmarked, kept as TLP:AMBER+STRICT); watch items: {} domains, {} actors",
                p.display(),
                s.objects,
                s.source_org,
                s.new_objects,
                s.unmarked,
                s.watch_domains,
                s.watch_actors
            );
        }
        summaries.push(json!({"file": p, "summary": s}));
    }
    if g.json {
        print_json(&json!({ "bundles": summaries, "failed": failed }))?;
    }
    Ok(failed.len())
}
