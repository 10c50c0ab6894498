//! One function per command.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use skydas_detect::DetectConfig;
use skydas_ingest::{ColumnMap, ImportOptions};
use skydas_model::{Finding, FindingKind, FindingsDoc, Platform};
use skydas_store::{OpenOptions, SearchQuery, SqliteStore, Store};

use crate::cli::{self, Cli, Command, FindingsAction, ProtectAction};
use crate::pipeline::{self, ImportReport, ImportSettings};
use crate::render;
use crate::serve;
use crate::share_cmd;

pub fn run(cli: Cli) -> Result<ExitCode> {
    let g = &cli.global;
    match cli.command {
        Command::Import(a) => import(g, &a),
        Command::Stats => stats(g),
        Command::Search(a) => search(g, &a),
        Command::Scan(a) => scan(g, &a),
        Command::Analyze(a) => analyze(g, &a),
        Command::Findings(a) => findings(g, &a),
        Command::Protect { action } => protect(g, action),
        Command::Simulate(a) => simulate(g, &a),
        Command::Eval(a) => eval(g, &a),
        Command::Demo(a) => demo(g, &a),
        Command::Convert(a) => convert(g, &a),
        Command::Export { what } => export(g, what),
        Command::Serve(a) => serve::serve(g, &a),
        Command::Worker(a) => crate::scale::worker(g, &a),
        Command::User { action } => serve::user(g, &action),
        Command::Token { action } => serve::token(g, &action),
        Command::Audit { action } => serve::audit(g, &action),
        Command::Taxii { action } => share_cmd::taxii(g, &action),
        Command::Collection { action } => share_cmd::collection(g, &action),
    }
}

/// The store `--store` selects (see [`crate::scale::open_store`]).
fn open_store(g: &cli::Global) -> Result<crate::scale::AnyStore> {
    crate::scale::open_store(g)
}

/// The embedded store at `--data`, for the web-app commands (accounts and the audit log).
pub(crate) fn open_store_pub(g: &cli::Global) -> Result<SqliteStore> {
    SqliteStore::open(&g.data, OpenOptions::default())
        .with_context(|| format!("cannot open the store in {}", g.data.display()))
}

/// The audit detail of an import.
fn import_audit(report: &ImportReport) -> serde_json::Value {
    serde_json::json!({
        "files": report.files.len(),
        "records": report.records,
        "new_items": report.new_items,
        "record_errors": report.record_errors,
        "failed_files": report.failed_files,
    })
}

pub(crate) fn print_json<T: serde::Serialize>(v: &T) -> Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, v)?;
    writeln!(out)?;
    Ok(())
}

pub(crate) fn import_options(a: &cli::InputArgs) -> Result<ImportOptions> {
    let mut map = ColumnMap {
        platform: a.platform.clone(),
        ..ColumnMap::default()
    };
    for m in &a.map {
        let Some((k, v)) = m.split_once('=') else {
            bail!("--map takes FIELD=COLUMN, got {m:?}");
        };
        map.fields
            .insert(k.trim().to_string(), v.trim().to_string());
    }
    if let Some(p) = &a.platform
        && Platform::parse(p).is_none()
    {
        bail!("unknown platform {p:?}");
    }
    Ok(ImportOptions {
        format: a.format.clone(),
        column_map: map,
        ..ImportOptions::default()
    })
}

fn run_import(
    store: &mut dyn pipeline::ImportTarget,
    paths: &[PathBuf],
    input: &cli::InputArgs,
    keep_originals: bool,
    json: bool,
) -> Result<ImportReport> {
    let settings = ImportSettings {
        options: import_options(input)?,
        keep_originals,
        show_errors: input.show_errors,
        progress: !json,
    };
    let report = pipeline::import(store, paths, &settings)?;
    render::import_errors(&report, input.show_errors);
    Ok(report)
}

/// Exit 1 when a file could not be imported at all, after everything else has landed.
fn import_exit(report: &ImportReport) -> ExitCode {
    if report.failed_files > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn import(g: &cli::Global, a: &cli::ImportArgs) -> Result<ExitCode> {
    if g.nats.is_some() {
        return crate::scale::import(g, a);
    }
    let mut store = open_store(g)?;
    // STIX 2.1 bundles (detected by content) are partners' intelligence, not items.
    let (bundles, paths) = share_cmd::split_bundles(&a.paths);
    let mut failed_bundles = 0;
    if !bundles.is_empty() {
        // Partners' intelligence lives with the accounts, in the embedded store.
        failed_bundles = share_cmd::import_bundles(g, &mut open_store_pub(g)?, &bundles)?;
        if paths.is_empty() {
            return Ok(if failed_bundles > 0 {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            });
        }
    }
    let report = run_import(&mut store, &paths, &a.input, true, g.json)?;
    let target: Vec<String> = a.paths.iter().map(|p| p.display().to_string()).collect();
    crate::scale::record(g, "import", &target.join(" "), import_audit(&report));
    if g.json {
        print_json(&report)?;
    } else {
        render::import_report(&report);
    }
    if failed_bundles > 0 {
        return Ok(ExitCode::from(1));
    }
    Ok(import_exit(&report))
}

fn stats(g: &cli::Global) -> Result<ExitCode> {
    let store = open_store(g)?;
    let s = store.stats()?;
    if g.json {
        print_json(&s)?;
    } else {
        render::stats(&s);
    }
    Ok(ExitCode::SUCCESS)
}

fn parse_time(s: &Option<String>, what: &str) -> Result<Option<i64>> {
    match s {
        None => Ok(None),
        Some(s) => skydas_model::time::parse_any(s)
            .map(Some)
            .with_context(|| format!("--{what}: cannot read {s:?} as a time")),
    }
}

fn search(g: &cli::Global, a: &cli::SearchArgs) -> Result<ExitCode> {
    let store = open_store(g)?;
    let platform = match &a.platform {
        None => None,
        Some(p) => Some(Platform::parse(p).with_context(|| format!("unknown platform {p:?}"))?),
    };
    let q = SearchQuery {
        text: a.query.clone(),
        platform,
        actor: a.actor.clone(),
        lang: a.lang.clone(),
        since: parse_time(&a.since, "since")?,
        until: parse_time(&a.until, "until")?,
        limit: a.limit,
    };
    let hits = store.search(&q)?;
    if g.json {
        print_json(&serde_json::json!({ "query": a.query, "hits": hits }))?;
    } else {
        render::hits(&hits);
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn detect_config(
    a: &cli::DetectArgs,
    store: Option<&dyn Store>,
) -> Result<DetectConfig> {
    let mut cfg = DetectConfig::default();
    if let Some(p) = &a.protected {
        let text =
            std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?;
        let entries = skydas_detect::lookalike::load_protected_file(&text)
            .map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?;
        cfg.lookalike.extra_protected.extend(entries);
    }
    if let Some(p) = &a.allow {
        let text =
            std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?;
        cfg.lookalike.extra_allow.extend(
            text.lines()
                .map(|l| {
                    l.split('#')
                        .next()
                        .unwrap_or("")
                        .trim()
                        .to_ascii_lowercase()
                })
                .filter(|l| !l.is_empty()),
        );
    }
    if let Some(store) = store {
        let rows = store.protected_list()?;
        let text: String = rows
            .iter()
            .map(|r| format!("{},{},{},{}\n", r.domain, r.country, r.kind, r.note))
            .collect();
        let entries = skydas_detect::lookalike::load_protected_file(&text)
            .map_err(|e| anyhow::anyhow!("stored protected list: {e}"))?;
        cfg.lookalike.extra_protected.extend(entries);
    }
    Ok(cfg)
}

fn detect(store: &dyn Store, cfg: &DetectConfig) -> Result<Vec<Finding>> {
    let t = std::time::Instant::now();
    let corpus = store.load_corpus()?;
    tracing::info!(
        items = corpus.len(),
        secs = t.elapsed().as_secs_f64(),
        "corpus loaded"
    );
    let t = std::time::Instant::now();
    let findings = run_detectors(&corpus, cfg);
    tracing::info!(
        findings = findings.len(),
        secs = t.elapsed().as_secs_f64(),
        "detectors ran"
    );
    Ok(findings)
}

fn scan(g: &cli::Global, a: &cli::ScanArgs) -> Result<ExitCode> {
    // The temporary store of a one-shot scan is the detectors' corpus itself, in memory:
    // nothing to write to disk and read back.
    let mut target = pipeline::CorpusTarget::new();
    let report = run_import(&mut target, &a.paths, &a.input, false, g.json)?;
    if !g.json {
        render::import_report(&report);
    }
    let cfg = detect_config(&a.detect, None)?;
    let corpus = target.finish();
    let t = std::time::Instant::now();
    let findings = run_detectors(&corpus, &cfg);
    tracing::info!(
        items = corpus.len(),
        findings = findings.len(),
        secs = t.elapsed().as_secs_f64(),
        "detectors ran"
    );
    let doc = FindingsDoc { findings };
    if g.json {
        print_json(&doc)?;
    } else {
        render::findings_list(&doc.findings);
    }
    Ok(import_exit(&report))
}

fn analyze(g: &cli::Global, a: &cli::DetectArgs) -> Result<ExitCode> {
    if g.nats.is_some() {
        return crate::scale::analyze(g, a);
    }
    let mut store = open_store(g)?;
    let cfg = detect_config(a, Some(&store))?;
    let findings = detect(&store, &cfg)?;
    let kinds = ["coordination", "lookalike_domain", "automation"];
    store.replace_findings(&kinds, &findings)?;
    crate::scale::record(
        g,
        "analyze",
        "store",
        serde_json::json!({"findings": findings.len()}),
    );
    let doc = FindingsDoc { findings };
    if g.json {
        print_json(&doc)?;
    } else {
        render::findings_list(&doc.findings);
    }
    Ok(ExitCode::SUCCESS)
}

fn findings(g: &cli::Global, a: &cli::FindingsArgs) -> Result<ExitCode> {
    let store = open_store(g)?;
    match &a.action {
        None => {
            let mut all = store.findings()?;
            if let Some(k) = &a.kind {
                let kind = FindingKind::parse(k).with_context(|| format!("unknown kind {k:?}"))?;
                all.retain(|f| f.kind == kind);
            }
            let doc = FindingsDoc { findings: all };
            if g.json {
                print_json(&doc)?;
            } else {
                render::findings_list(&doc.findings);
            }
        }
        Some(FindingsAction::Show { id }) => {
            let Some(f) = store.finding(id)? else {
                bail!("no finding {id:?} (see `skydas findings`)");
            };
            if g.json {
                print_json(&f)?;
            } else {
                render::finding_detail(&f, &store)?;
            }
        }
        Some(FindingsAction::Mark { id, tlp }) => {
            let level = skydas_share::tlp::Tlp::parse(tlp)
                .with_context(|| format!("unknown TLP level {tlp:?}"))?;
            let mut store = store;
            let mut review = store
                .review(id)?
                .with_context(|| format!("no finding {id:?} (see `skydas findings`)"))?;
            review.tlp = store_tlp(level);
            store.set_review(id, &review)?;
            eprintln!("{id} is now {}", level.name());
        }
        Some(FindingsAction::Graph { ids, format, out }) => {
            let fmt = skydas_share::graph::GraphFormat::parse(format)
                .with_context(|| format!("unknown graph format {format:?} (gexf, graphml, csv)"))?;
            let all = store.findings()?;
            let chosen: Vec<&Finding> = if ids.is_empty() {
                all.iter()
                    .filter(|f| f.kind == FindingKind::Coordination)
                    .collect()
            } else {
                let mut v = Vec::new();
                for id in ids {
                    v.push(
                        all.iter()
                            .find(|f| &f.id == id)
                            .with_context(|| format!("no finding {id:?}"))?,
                    );
                }
                v
            };
            match out {
                Some(p) => {
                    let mut w = std::io::BufWriter::new(
                        std::fs::File::create(p)
                            .with_context(|| format!("cannot create {}", p.display()))?,
                    );
                    skydas_share::graph::write_graph(&chosen, fmt, &mut w)?;
                    w.flush()?;
                    eprintln!("wrote {} findings' graph to {}", chosen.len(), p.display());
                }
                None => {
                    let mut w = std::io::stdout().lock();
                    skydas_share::graph::write_graph(&chosen, fmt, &mut w)?;
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn protect(g: &cli::Global, action: ProtectAction) -> Result<ExitCode> {
    let mut store = open_store(g)?;
    match action {
        ProtectAction::Add {
            domain,
            country,
            kind,
            note,
        } => {
            let d = domain.trim().to_ascii_lowercase();
            if d.is_empty() || !d.contains('.') {
                bail!("{domain:?} is not a domain");
            }
            let added = store.protected_add(&d, &country, &kind, &note)?;
            eprintln!("{} {d}", if added { "added" } else { "updated" });
        }
        ProtectAction::Remove { domain } => {
            if !store.protected_remove(&domain.trim().to_ascii_lowercase())? {
                bail!("{domain} is not in the stored protected list");
            }
            eprintln!("removed {domain}");
        }
        ProtectAction::List => {
            let rows = store.protected_list()?;
            if g.json {
                print_json(&rows)?;
            } else {
                for r in rows {
                    println!("{}\t{}\t{}\t{}", r.domain, r.country, r.kind, r.note);
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn sim_config(
    seed: u64,
    scale: f64,
    start: &Option<String>,
    days: u32,
) -> Result<skydas_sim::SimConfig> {
    let mut cfg = skydas_sim::SimConfig {
        seed,
        scale,
        days,
        ..skydas_sim::SimConfig::default()
    };
    if let Some(s) = start {
        cfg.start = skydas_model::time::parse_any(s)
            .with_context(|| format!("--start: cannot read {s:?}"))?;
    }
    if !(scale > 0.0 && scale <= 1000.0) {
        bail!("--scale must be in (0, 1000]");
    }
    Ok(cfg)
}

fn simulate(g: &cli::Global, a: &cli::SimulateArgs) -> Result<ExitCode> {
    let cfg = sim_config(a.seed, a.scale, &a.start, a.days)?;
    let t = std::time::Instant::now();
    let summary = skydas_sim::simulate(&cfg, &a.out)?;
    if g.json {
        print_json(&summary)?;
    } else {
        println!(
            "wrote {} items by {} actors in {} files to {} in {:.1} s; truth in {}",
            summary.items,
            summary.actors,
            summary.files,
            a.out.join("data").display(),
            t.elapsed().as_secs_f64(),
            a.out.join("truth.json").display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn read_findings(p: &Path) -> Result<FindingsDoc> {
    let text = if p == Path::new("-") {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)?;
        s
    } else {
        std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?
    };
    serde_json::from_str(&text).with_context(|| format!("{}: not a findings document", p.display()))
}

fn read_truth(p: &Path) -> Result<skydas_sim::truth::Truth> {
    let text =
        std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{}: not a truth document", p.display()))
}

fn eval(g: &cli::Global, a: &cli::EvalArgs) -> Result<ExitCode> {
    let truth = read_truth(&a.truth)?;
    let doc = read_findings(&a.findings)?;
    let report = skydas_sim::eval::evaluate(&truth, &doc);
    if g.json {
        print_json(&report)?;
    } else {
        print!("{}", skydas_sim::eval::render(&report));
    }
    Ok(ExitCode::SUCCESS)
}

fn demo(g: &cli::Global, a: &cli::DemoArgs) -> Result<ExitCode> {
    let out = a
        .out
        .clone()
        .unwrap_or_else(|| g.data.join("demo-scenario"));
    let cfg = sim_config(a.seed, a.scale, &None, 7)?;
    let t = std::time::Instant::now();
    eprintln!(
        "simulating a scenario (seed {}, scale {}) into {} …",
        a.seed,
        a.scale,
        out.display()
    );
    let summary = skydas_sim::simulate(&cfg, &out)?;
    eprintln!(
        "  {} items by {} actors in {} files",
        summary.items, summary.actors, summary.files
    );
    let mut store = open_store(g)?;
    eprintln!("importing into the store at {} …", g.data.display());
    let input = cli::InputArgs {
        format: None,
        map: vec![],
        platform: None,
        show_errors: 10,
    };
    let report = run_import(&mut store, &[out.join("data")], &input, true, g.json)?;
    eprintln!(
        "  {} records, {} new items, {} already stored, {} record errors in {:.1} s",
        report.records, report.new_items, report.duplicates, report.record_errors, report.seconds
    );
    eprintln!("running every detector …");
    let cfg = detect_config(&cli::DetectArgs::default(), Some(&store))?;
    let findings = detect(&store, &cfg)?;
    store.replace_findings(
        &["coordination", "lookalike_domain", "automation"],
        &findings,
    )?;
    let doc = FindingsDoc { findings };
    let truth = read_truth(&out.join("truth.json"))?;
    let ev = skydas_sim::eval::evaluate(&truth, &doc);
    if g.json {
        print_json(&serde_json::json!({ "findings": doc.findings, "eval": ev }))?;
    } else {
        render::findings_list(&doc.findings);
        println!();
        println!(
            "Compared with the planted truth ({}):",
            out.join("truth.json").display()
        );
        print!("{}", skydas_sim::eval::render(&ev));
        println!();
        println!("Explain a finding:   skydas findings show <ID>");
        println!("Export its graph:    skydas findings graph <ID> --format gexf --out graph.gexf");
        println!("Search the items:    skydas search \"NATO\"");
        eprintln!("demo finished in {:.1} s", t.elapsed().as_secs_f64());
    }
    let serve_app = a.serve || (!a.no_serve && !g.json && std::io::stdout().is_terminal());
    if serve_app {
        serve::demo_serve(g, a.addr)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn convert(g: &cli::Global, a: &cli::ConvertArgs) -> Result<ExitCode> {
    use skydas_ingest::formats::toolkit;
    let options = import_options(&a.input)?;
    let (files, errors) = skydas_ingest::discover(&a.paths);
    let mut failed = errors.len() as u64;
    for e in &errors {
        eprintln!("error: {e}");
    }
    let file = std::fs::File::create(&a.out)
        .with_context(|| format!("cannot create {}", a.out.display()))?;
    let mut w = csv::Writer::from_writer(std::io::BufWriter::new(file));
    toolkit::write_header(&mut w)?;
    let normaliser = skydas_normalise::Normaliser::new();
    let (mut written, mut bad) = (0u64, 0u64);
    let mut seen = std::collections::HashSet::new();
    for path in &files {
        let (sha, _) = match skydas_ingest::hash_file(path) {
            Ok(h) => h,
            Err(e) => {
                eprintln!("error: {}: cannot read: {e}", path.display());
                failed += 1;
                continue;
            }
        };
        let mut write_err = None;
        let res = skydas_ingest::import_file(path, &sha, &options, &mut |ev| match ev {
            skydas_ingest::Event::Item(mut it) => {
                normaliser.normalise(&mut it);
                if write_err.is_none() && seen.insert((it.platform, it.platform_id.clone())) {
                    match toolkit::write_record(&mut w, &it) {
                        Ok(()) => written += 1,
                        Err(e) => write_err = Some(e),
                    }
                }
            }
            skydas_ingest::Event::Error(e) => {
                bad += 1;
                if bad <= a.input.show_errors as u64 {
                    eprintln!("warning: {e}");
                }
            }
        });
        if let Some(e) = write_err {
            return Err(e).with_context(|| format!("cannot write {}", a.out.display()));
        }
        if let Err(e) = res {
            eprintln!("error: {e}");
            failed += 1;
        }
    }
    w.flush()?;
    if g.json {
        print_json(
            &serde_json::json!({ "written": written, "record_errors": bad, "failed_files": failed }),
        )?;
    } else {
        println!(
            "wrote {written} records to {} ({bad} record errors, {failed} files failed)",
            a.out.display()
        );
    }
    Ok(if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn store_tlp(t: skydas_share::tlp::Tlp) -> skydas_store::Tlp {
    use skydas_share::tlp::Tlp as S;
    match t {
        S::Clear => skydas_store::Tlp::Clear,
        S::Green => skydas_store::Tlp::Green,
        S::Amber => skydas_store::Tlp::Amber,
        S::AmberStrict => skydas_store::Tlp::AmberStrict,
        S::Red => skydas_store::Tlp::Red,
    }
}

fn share_tlp(t: skydas_store::Tlp) -> skydas_share::tlp::Tlp {
    use skydas_share::tlp::Tlp as S;
    match t {
        skydas_store::Tlp::Clear => S::Clear,
        skydas_store::Tlp::Green => S::Green,
        skydas_store::Tlp::Amber => S::Amber,
        skydas_store::Tlp::AmberStrict => S::AmberStrict,
        skydas_store::Tlp::Red => S::Red,
    }
}

/// Stored findings with their markings; a finding whose review row is missing has no marking
/// and is therefore blocked by the exporters.
pub(crate) fn marked_findings(
    store: &dyn Store,
    ids: &[String],
) -> Result<Vec<(Finding, Option<skydas_share::tlp::Tlp>)>> {
    let all = store.findings()?;
    let chosen: Vec<Finding> = if ids.is_empty() {
        all
    } else {
        let mut v = Vec::new();
        for id in ids {
            v.push(
                all.iter()
                    .find(|f| &f.id == id)
                    .cloned()
                    .with_context(|| format!("no finding {id:?}"))?,
            );
        }
        v
    };
    chosen
        .into_iter()
        .map(|f| {
            let tlp = store.review(&f.id)?.map(|r| share_tlp(r.tlp));
            Ok((f, tlp))
        })
        .collect()
}

fn export(g: &cli::Global, what: cli::ExportWhat) -> Result<ExitCode> {
    use skydas_share::tlp::{Audience, Tlp};
    let (a, stix) = match &what {
        cli::ExportWhat::Stix(a) => (a, true),
        cli::ExportWhat::Misp(a) => (a, false),
    };
    let max = Tlp::parse(&a.tlp).with_context(|| format!("unknown TLP level {:?}", a.tlp))?;
    if max == Tlp::Red {
        bail!("TLP:RED never leaves Skydas; choose clear, green, amber or amber+strict");
    }
    let audience = Audience {
        max,
        same_org: a.own_org,
    };
    let store = open_store(g)?;
    let findings = marked_findings(&store, &a.findings)?;
    let org = skydas_share::stix::OrgIdentity::new(&a.org);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let (doc, exported, withheld) = if stix {
        let r = skydas_share::stix::export_bundle(&findings, &org, audience, now);
        let problems = skydas_share::stix::check_bundle_for(&r.bundle, audience);
        if !problems.is_empty() {
            bail!(
                "refusing to write a bundle that fails its checks: {}",
                problems.join("; ")
            );
        }
        (r.bundle, r.counts.findings_exported, r.withheld)
    } else {
        let r = skydas_share::misp::export_event(&findings, &org, audience, now);
        (r.event, r.findings_exported, r.withheld)
    };
    let text = serde_json::to_string_pretty(&doc)?;
    std::fs::write(&a.out, text + "\n")
        .with_context(|| format!("cannot write {}", a.out.display()))?;
    let mut reasons = std::collections::BTreeMap::<String, u64>::new();
    for (_, why) in &withheld {
        *reasons.entry(why.to_string()).or_default() += 1;
    }
    if g.json {
        print_json(&serde_json::json!({
            "out": a.out, "exported": exported, "withheld": withheld.len(), "withheld_by_reason": reasons,
        }))?;
    } else {
        println!(
            "wrote {} findings to {}; {} withheld{}",
            exported,
            a.out.display(),
            withheld.len(),
            if reasons.is_empty() {
                String::new()
            } else {
                format!(
                    " ({})",
                    reasons
                        .iter()
                        .map(|(k, v)| format!("{v} {k}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Every detector over the corpus, in parallel, each timed (logged at `-v`), in the order of
/// `skydas_detect::run_all`.
fn run_detectors(corpus: &skydas_model::Corpus, cfg: &DetectConfig) -> Vec<Finding> {
    use rayon::prelude::*;
    let detectors = skydas_detect::registry(cfg);
    let mut out: Vec<Finding> = detectors
        .par_iter()
        .flat_map(|d| {
            let t = std::time::Instant::now();
            let found = d.run(corpus);
            tracing::info!(
                detector = d.code(),
                version = d.version(),
                findings = found.len(),
                secs = t.elapsed().as_secs_f64(),
                "detector ran"
            );
            found
        })
        .collect();
    skydas_detect::sort_findings(&mut out);
    out
}
