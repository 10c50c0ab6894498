//! One function per command: parse what the arguments mean, call the workflow in `skydas_app`,
//! render its result.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use skydas_app::analyze::{self, DetectInputs};
use skydas_app::import::{ImportRun, ImportSettings};
use skydas_app::share::{self, Format};
use skydas_app::{StoreSpec, scenario, usage};
use skydas_ingest::{ColumnMap, ImportOptions};
use skydas_model::{Finding, FindingsDoc, Platform, SystemClock};
use skydas_store::SearchQuery;

use crate::cli::{self, Cli, Command, FindingsAction, ProtectAction};
use crate::{admin, render};

/// What every command works with: the global options, the store they name, and the clock.
pub struct Ctx<'a> {
    pub g: &'a cli::Global,
    pub spec: StoreSpec,
    pub clock: SystemClock,
}

impl Ctx<'_> {
    /// Appends a command-line action to the audit log of the store. A failure to record is
    /// reported, since an unaudited action must not pass unnoticed, but does not undo it.
    pub fn audit(&self, action: &str, target: &str, detail: serde_json::Value) {
        let user = admin::cli_user();
        let ev = skydas_store::accounts::AuditEvent {
            user: &user,
            org: "local",
            action,
            target,
            detail,
        };
        let res = self
            .spec
            .accounts()
            .map_err(anyhow::Error::from)
            .and_then(|mut a| Ok(a.audit(&ev)?));
        if let Err(e) = res {
            eprintln!("warning: cannot write the audit log: {e:#}");
        }
    }
}

pub fn run(cli: Cli) -> Result<ExitCode> {
    let g = &cli.global;
    let ctx = Ctx {
        g,
        spec: StoreSpec::from_args(g.store.as_deref(), &g.data),
        clock: SystemClock,
    };
    if only_reads(&cli.command) {
        ctx.spec.must_exist()?;
    }
    match cli.command {
        Command::Import(a) => import(&ctx, &a),
        Command::Stats => stats(&ctx),
        Command::Search(a) => search(&ctx, &a),
        Command::Scan(a) => scan(&ctx, &a),
        Command::Analyze(a) => analyze(&ctx, &a),
        Command::Findings(a) => findings(&ctx, &a),
        Command::Protect { action } => protect(&ctx, action),
        Command::Simulate(a) => simulate(&ctx, &a),
        Command::Eval(a) => eval(&ctx, &a),
        Command::Demo(a) => demo(&ctx, &a),
        Command::Convert(a) => convert(&ctx, &a),
        Command::Export { what } => export(&ctx, what),
        Command::Serve(a) => admin::serve(&ctx, &a),
        Command::Worker(a) => admin::worker(&ctx, &a),
        Command::User { action } => admin::user(&ctx, &action),
        Command::Token { action } => admin::token(&ctx, &action),
        Command::Audit { action } => admin::audit(&ctx, &action),
        Command::Backup { dir } => admin::backup(&ctx, &dir),
        Command::Restore { dir, keyring } => admin::restore(&ctx, &dir, keyring.as_deref()),
        Command::Taxii { action } => admin::taxii(&ctx, &action),
        Command::Indicators { action } => admin::indicators(&ctx, &action),
        Command::Collection { action } => admin::collection(&ctx, &action),
    }
}

/// Commands that read a store and would otherwise create an empty one where none is.
fn only_reads(c: &Command) -> bool {
    use cli::{AuditAction, CollectionAction, IndicatorsAction, UserAction};
    match c {
        Command::Stats
        | Command::Search(_)
        | Command::Analyze(_)
        | Command::Findings(_)
        | Command::Export { .. } => true,
        Command::Protect { action } => !matches!(action, ProtectAction::Add { .. }),
        Command::Indicators { action } => matches!(action, IndicatorsAction::List),
        Command::Audit { action } => !matches!(action, AuditAction::RotateKey),
        Command::User { action } => !matches!(action, UserAction::Add { .. }),
        Command::Collection { action } => !matches!(action, CollectionAction::Add { .. }),
        Command::Token { .. } => true,
        _ => false,
    }
}

pub(crate) fn print_json<T: serde::Serialize>(v: &T) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, v)?;
    writeln!(out)?;
    Ok(())
}

fn import_settings(a: &cli::InputArgs) -> Result<ImportSettings> {
    let column_map =
        ColumnMap::from_pairs(&a.map, a.platform.map(Platform::as_str)).map_err(usage)?;
    let tz =
        a.tz.as_deref()
            .map(skydas_model::zone::Tz::parse)
            .transpose()
            .map_err(|e| usage(format!("--tz: {e}")))?;
    Ok(ImportSettings {
        options: ImportOptions {
            format: a.format.clone(),
            column_map,
            tz,
            ..ImportOptions::default()
        },
        keep_originals: true,
        show_errors: a.show_errors,
    })
}

fn detect_inputs(a: &cli::DetectArgs) -> DetectInputs {
    let coordination = analyze::CoordinationTuning {
        window_s: a.window,
        slow_window_s: a.slow_window,
        min_acts: a.min_acts,
        slow_min_acts: a.slow_min_acts,
        pair_min_acts: a.pair_min_acts,
        fdr: a.fdr,
        ..Default::default()
    };
    DetectInputs {
        protected: a.protected.clone(),
        allow: a.allow.clone(),
        config: a.config.clone(),
        tuning: analyze::Tuning { coordination },
        indicators: a.indicators.clone(),
    }
}

/// Exit 1 when a file could not be imported at all, after everything else has landed.
fn import_exit(failed_files: u64) -> ExitCode {
    if failed_files > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn run_import(ctx: &Ctx<'_>, paths: &[PathBuf], input: &cli::InputArgs) -> Result<ImportRun> {
    let settings = import_settings(input)?;
    let bar = render::Bar::new(!ctx.g.json);
    let run = skydas_app::import::import(
        &ctx.spec,
        paths,
        &settings,
        ctx.g.nats.as_deref(),
        &bar,
        &ctx.clock,
    )?;
    for f in &run.failed_bundles {
        eprintln!("error: {}", f.failure);
    }
    for b in &run.bundles {
        ctx.audit(
            "import_stix",
            &b.file.display().to_string(),
            serde_json::to_value(&b.summary)?,
        );
    }
    render::import_errors(&run.report, input.show_errors);
    Ok(run)
}

fn import(ctx: &Ctx<'_>, a: &cli::ImportArgs) -> Result<ExitCode> {
    let run = run_import(ctx, &a.paths, &a.input)?;
    let r = &run.report;
    let target: Vec<String> = a.paths.iter().map(|p| p.display().to_string()).collect();
    let mut detail = serde_json::json!({
        "files": r.files.len(),
        "records": r.records,
        "new_items": r.new_items,
        "record_errors": r.record_errors,
        "failed_files": r.failed_files,
    });
    if let Some(n) = run.enqueued_batches {
        detail["batches_enqueued"] = n.into();
    }
    let only_bundles =
        r.files.is_empty() && !(run.bundles.is_empty() && run.failed_bundles.is_empty());
    if !only_bundles {
        ctx.audit("import", &target.join(" "), detail);
    }
    if ctx.g.json {
        print_json(&run)?;
    } else {
        render::bundles(&run.bundles);
        if !only_bundles {
            render::import_report(r, run.enqueued_batches, false);
        }
    }
    Ok(import_exit(run.failed_files()))
}

fn stats(ctx: &Ctx<'_>) -> Result<ExitCode> {
    let s = ctx.spec.open()?.stats()?;
    if ctx.g.json {
        print_json(&s)?;
    } else {
        render::stats(&s);
    }
    Ok(ExitCode::SUCCESS)
}

fn search(ctx: &Ctx<'_>, a: &cli::SearchArgs) -> Result<ExitCode> {
    let store = ctx.spec.open()?;
    let q = SearchQuery {
        text: a.query.clone(),
        platform: a.platform,
        actor: a.actor.clone(),
        lang: a.lang.clone(),
        since: a.since,
        until: a.until,
        limit: a.limit,
    };
    let hits = store.search(&q)?;
    if ctx.g.json {
        print_json(&serde_json::json!({ "query": a.query, "hits": hits }))?;
    } else {
        render::hits(&hits);
    }
    Ok(ExitCode::SUCCESS)
}

fn scan(ctx: &Ctx<'_>, a: &cli::ScanArgs) -> Result<ExitCode> {
    let settings = import_settings(&a.input)?;
    let cfg = analyze::detect_config(&detect_inputs(&a.detect), None, None)?;
    let bar = render::Bar::new(!ctx.g.json);
    let (report, findings) = analyze::scan(&a.paths, &settings, &cfg, &bar)?;
    render::import_errors(&report, a.input.show_errors);
    // On stderr: stdout stays the findings document.
    render::import_report(&report, None, ctx.g.json);
    show_findings(ctx, findings)?;
    Ok(import_exit(report.failed_files))
}

fn show_findings(ctx: &Ctx<'_>, findings: Vec<Finding>) -> Result<()> {
    let doc = FindingsDoc { findings };
    if ctx.g.json {
        print_json(&doc)
    } else {
        render::findings_list(&doc.findings, &analyze::kinds());
        Ok(())
    }
}

fn analyze(ctx: &Ctx<'_>, a: &cli::DetectArgs) -> Result<ExitCode> {
    let inputs = detect_inputs(a);
    let findings = match ctx.g.nats.as_deref() {
        Some(nats) => {
            let store = ctx.spec.postgres()?;
            let sharing = ctx.spec.sharing()?;
            let cfg = analyze::detect_config(&inputs, Some(&store), Some(sharing.as_ref()))?;
            drop(store);
            let run = analyze::analyze_distributed(
                &ctx.spec,
                nats,
                &cfg,
                analyze::RunOptions::from_env(),
            )?;
            ctx.audit(
                "analyze",
                "store",
                serde_json::json!({"findings": run.findings.len(), "run": run.run, "partitions": run.parts}),
            );
            run.findings
        }
        None => {
            let mut store = ctx.spec.open()?;
            let sharing = ctx.spec.sharing()?;
            let cfg =
                analyze::detect_config(&inputs, Some(store.as_ref()), Some(sharing.as_ref()))?;
            let findings = analyze::analyze(store.as_mut(), &cfg)?;
            ctx.audit(
                "analyze",
                "store",
                serde_json::json!({"findings": findings.len()}),
            );
            findings
        }
    };
    show_findings(ctx, findings)?;
    Ok(ExitCode::SUCCESS)
}

fn findings(ctx: &Ctx<'_>, a: &cli::FindingsArgs) -> Result<ExitCode> {
    let mut store = ctx.spec.open()?;
    let kinds = analyze::kinds();
    match &a.action {
        None => {
            let mut all = store.findings()?;
            if let Some(spec) = a.kind {
                all.retain(|f| f.kind.is(spec));
            }
            let doc = FindingsDoc { findings: all };
            if ctx.g.json {
                print_json(&doc)?;
            } else {
                render::findings_list(&doc.findings, &kinds);
            }
        }
        Some(FindingsAction::Show { id }) => {
            let Some(f) = store.finding(id)? else {
                bail!("no finding {id:?} (see `skydas findings`)");
            };
            if ctx.g.json {
                print_json(&f)?;
            } else {
                render::finding_detail(&f, store.as_ref())?;
            }
        }
        Some(FindingsAction::Mark { id, tlp }) => {
            let level = *tlp;
            let mut review = store
                .review(id)?
                .with_context(|| format!("no finding {id:?} (see `skydas findings`)"))?;
            review.tlp = level;
            store.set_review(id, &review)?;
            eprintln!("{id} is now {}", level.name());
        }
        Some(FindingsAction::Graph { ids, format, out }) => {
            let fmt = *format;
            let all = store.findings()?;
            let chosen: Vec<&Finding> = if ids.is_empty() {
                // Every finding that is a graph of actors: it has edges to draw.
                all.iter().filter(|f| !f.edges.is_empty()).collect()
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
            render::write_graph(&chosen, fmt, out.as_deref())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn protect(ctx: &Ctx<'_>, action: ProtectAction) -> Result<ExitCode> {
    let mut store = ctx.spec.open()?;
    match action {
        ProtectAction::Add {
            domain,
            country,
            kind,
            note,
        } => {
            // The domain comes normalised from `values::domain`.
            let added = store.protected_add(&domain, &country, &kind, &note)?;
            eprintln!("{} {domain}", if added { "added" } else { "updated" });
        }
        ProtectAction::Remove { domain } => {
            let d = skydas_model::normalise_domain(&domain).unwrap_or_else(|| domain.clone());
            if !store.protected_remove(&d)? {
                bail!("{domain} is not in the stored protected list");
            }
            eprintln!("removed {domain}");
        }
        ProtectAction::List => {
            let rows = store.protected_list()?;
            if ctx.g.json {
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

fn simulate(ctx: &Ctx<'_>, a: &cli::SimulateArgs) -> Result<ExitCode> {
    let cfg = scenario::config(a.seed, a.scale, a.start.as_deref(), a.days)?;
    let t = std::time::Instant::now();
    let summary = skydas_sim::simulate(&cfg, &a.out)?;
    if ctx.g.json {
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

fn eval(ctx: &Ctx<'_>, a: &cli::EvalArgs) -> Result<ExitCode> {
    let report = scenario::evaluate_files(&a.truth, &a.findings)?;
    if ctx.g.json {
        print_json(&report)?;
    } else {
        print!("{}", skydas_sim::eval::render(&report));
    }
    Ok(ExitCode::SUCCESS)
}

fn demo(ctx: &Ctx<'_>, a: &cli::DemoArgs) -> Result<ExitCode> {
    let g = ctx.g;
    let out = a
        .out
        .clone()
        .unwrap_or_else(|| g.data.join("demo-scenario"));
    let cfg = scenario::config(a.seed, a.scale, None, 7)?;
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
    eprintln!("importing into the store at {} …", ctx.spec.describe());
    let input = cli::InputArgs {
        format: None,
        map: vec![],
        platform: None,
        show_errors: 10,
        tz: None,
    };
    // The demo imports directly, even when a work bus is configured.
    let settings = import_settings(&input)?;
    let bar = render::Bar::new(!g.json);
    let run = skydas_app::import::import(
        &ctx.spec,
        &[out.join("data")],
        &settings,
        None,
        &bar,
        &ctx.clock,
    )?;
    let report = &run.report;
    render::import_errors(report, input.show_errors);
    eprintln!(
        "  {} records, {} new items, {} already stored, {} record errors in {:.1} s",
        report.records, report.new_items, report.duplicates, report.record_errors, report.seconds
    );
    eprintln!("running every detector …");
    let mut store = ctx.spec.open()?;
    let cfg = analyze::detect_config(&DetectInputs::default(), Some(store.as_ref()), None)?;
    let findings = analyze::analyze(store.as_mut(), &cfg)?;
    drop(store);
    let doc = FindingsDoc { findings };
    let ev = skydas_sim::eval::evaluate(&scenario::read_truth(&out.join("truth.json"))?, &doc);
    if g.json {
        print_json(&serde_json::json!({ "findings": doc.findings, "eval": ev }))?;
    } else {
        render::findings_list(&doc.findings, &analyze::kinds());
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
    // It serves unless told not to; a JSON document on stdout is for a script, which asks with
    // --serve if it wants the app too.
    let serve_app = a.serve || (!a.no_serve && !g.json);
    if serve_app {
        admin::demo_serve(ctx, a.addr)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn convert(ctx: &Ctx<'_>, a: &cli::ConvertArgs) -> Result<ExitCode> {
    let settings = import_settings(&a.input)?;
    let c = skydas_app::convert::convert(&a.paths, &settings.options, &a.out, a.input.show_errors)?;
    for m in &c.messages {
        eprintln!("{m}");
    }
    if ctx.g.json {
        print_json(&c)?;
    } else {
        println!(
            "wrote {} records to {} ({} record errors, {} files failed)",
            c.written,
            a.out.display(),
            c.record_errors,
            c.failed_files
        );
    }
    Ok(import_exit(c.failed_files))
}

fn export(ctx: &Ctx<'_>, what: cli::ExportWhat) -> Result<ExitCode> {
    let (a, format) = match &what {
        cli::ExportWhat::Stix(a) => (a, Format::Stix),
        cli::ExportWhat::Misp(a) => (a, Format::Misp),
    };
    let audience = skydas_share::tlp::Audience {
        max: a.tlp,
        same_org: a.own_org,
    };
    let store = ctx.spec.open()?;
    let org = skydas_share::stix::OrgIdentity::new(&a.org);
    let x = share::export(
        store.as_ref(),
        &a.findings,
        format,
        audience,
        &org,
        &ctx.clock,
    )?;
    let text = serde_json::to_string_pretty(&x.doc)?;
    std::fs::write(&a.out, text + "\n")
        .with_context(|| format!("cannot write {}", a.out.display()))?;
    let reasons = x.withheld_by_reason();
    if ctx.g.json {
        print_json(&serde_json::json!({
            "out": a.out, "exported": x.exported, "withheld": x.withheld.len(), "withheld_by_reason": reasons,
        }))?;
    } else {
        render::exported(x.exported, &a.out, x.withheld.len(), &reasons);
    }
    Ok(ExitCode::SUCCESS)
}
