//! One function per command: parse what the arguments mean, call the workflow in `skydas_app`,
//! render its result.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use serde::Serialize;
use skydas_app::analyze::{self, DetectInputs};
use skydas_app::import::{ImportRun, ImportSettings};
use skydas_app::scenario::DemoStep;
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
        let who = admin::cli_user();
        if let Err(e) = self.spec.audit(admin::actor(&who), action, target, detail) {
            eprintln!("warning: cannot write the audit log: {e:#}");
        }
    }

    /// `v` as one JSON document on stdout with `--json`, else the text `say` prints.
    pub fn show<T: Serialize>(&self, v: &T, say: impl FnOnce(&T)) -> Result<()> {
        if self.g.json {
            print_json(v)
        } else {
            say(v);
            Ok(())
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
    ExitCode::from(u8::from(failed_files > 0))
}

impl Ctx<'_> {
    /// Imports `paths` into the store (through the work bus when one is configured), with the
    /// progress bar; what failed is reported on stderr and each bundle recorded is audited.
    fn import(&self, paths: &[PathBuf], input: &cli::InputArgs) -> Result<ImportRun> {
        let ctx = self;
        let settings = import_settings(input)?;
        let bar = render::Bar::new(!ctx.g.json);
        let nats = ctx.g.nats.as_deref();
        let run = skydas_app::import::import(&ctx.spec, paths, &settings, nats, &bar, &ctx.clock)?;
        for f in &run.failed_bundles {
            eprintln!("error: {}", f.failure);
        }
        for b in &run.bundles {
            let detail = serde_json::to_value(&b.summary)?;
            ctx.audit("import_stix", &b.file.display().to_string(), detail);
        }
        render::import_errors(&run.report, input.show_errors);
        Ok(run)
    }
}
fn import(ctx: &Ctx<'_>, a: &cli::ImportArgs) -> Result<ExitCode> {
    let run = ctx.import(&a.paths, &a.input)?;
    let target: Vec<String> = a.paths.iter().map(|p| p.display().to_string()).collect();
    if !run.only_bundles() {
        ctx.audit("import", &target.join(" "), run.audit_detail());
    }
    ctx.show(&run, |run| {
        render::bundles(&run.bundles);
        if !run.only_bundles() {
            render::import_report(&run.report, run.enqueued_batches, false);
        }
    })?;
    Ok(import_exit(run.failed_files()))
}

fn stats(ctx: &Ctx<'_>) -> Result<ExitCode> {
    ctx.show(&ctx.spec.open()?.stats()?, render::stats)?;
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
    let doc = serde_json::json!({ "query": a.query, "hits": hits });
    ctx.show(&doc, |_| render::hits(&hits))?;
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
    ctx.show(&doc, |d| render::findings_list(&d.findings))
}

fn analyze(ctx: &Ctx<'_>, a: &cli::DetectArgs) -> Result<ExitCode> {
    let nats = ctx.g.nats.as_deref();
    let (findings, detail) = analyze::analyze_spec(&ctx.spec, nats, &detect_inputs(a), &ctx.clock)?;
    ctx.audit("analyze", "store", detail);
    show_findings(ctx, findings)?;
    Ok(ExitCode::SUCCESS)
}

fn findings(ctx: &Ctx<'_>, a: &cli::FindingsArgs) -> Result<ExitCode> {
    let mut store = ctx.spec.open()?;
    match &a.action {
        None => {
            let doc = skydas_app::findings::list(store.as_ref(), a.kind)?;
            ctx.show(&doc, |d| render::findings_list(&d.plain()))?;
        }
        Some(FindingsAction::Show { id }) => {
            let Some(d) = skydas_app::findings::detail(store.as_ref(), id)? else {
                bail!("no finding {id:?} (see `skydas findings`)");
            };
            ctx.show(&d, |d| render::finding_detail(d, store.as_ref()))?;
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
            let chosen = analyze::graphs(store.as_ref(), ids)?;
            render::write_graph(&chosen, *format, out.as_deref())?;
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
        ProtectAction::List => ctx.show(&store.protected_list()?, |rows| {
            for r in rows {
                println!("{}\t{}\t{}\t{}", r.domain, r.country, r.kind, r.note);
            }
        })?,
    }
    Ok(ExitCode::SUCCESS)
}

fn simulate(ctx: &Ctx<'_>, a: &cli::SimulateArgs) -> Result<ExitCode> {
    let cfg = scenario::config(a.seed, a.scale, a.start.as_deref(), a.days)?;
    let t = std::time::Instant::now();
    ctx.show(&skydas_sim::simulate(&cfg, &a.out)?, |s| {
        println!(
            "wrote {} items by {} actors in {} files to {} in {:.1} s; truth in {}",
            s.items,
            s.actors,
            s.files,
            a.out.join("data").display(),
            t.elapsed().as_secs_f64(),
            a.out.join("truth.json").display()
        );
    })?;
    Ok(ExitCode::SUCCESS)
}

fn eval(ctx: &Ctx<'_>, a: &cli::EvalArgs) -> Result<ExitCode> {
    let report = scenario::evaluate_files(&a.truth, &a.findings)?;
    ctx.show(&report, |r| print!("{}", skydas_sim::eval::render(r)))?;
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
    let input = cli::InputArgs {
        format: None,
        map: vec![],
        platform: None,
        show_errors: 10,
        tz: None,
    };
    let settings = import_settings(&input)?;
    let bar = render::Bar::new(!g.json);
    let mut step = |s: DemoStep<'_>| match s {
        DemoStep::Simulating => eprintln!(
            "simulating a scenario (seed {}, scale {}) into {} …",
            a.seed,
            a.scale,
            out.display()
        ),
        DemoStep::Simulated(s) => {
            eprintln!(
                "  {} items by {} actors in {} files",
                s.items, s.actors, s.files
            );
        }
        DemoStep::Importing => eprintln!("importing into the store at {} …", ctx.spec.describe()),
        DemoStep::Imported(r) => {
            render::import_errors(r, input.show_errors);
            eprintln!(
                "  {} records, {} new items, {} already stored, {} record errors in {:.1} s",
                r.records, r.new_items, r.duplicates, r.record_errors, r.seconds
            );
        }
        DemoStep::Detecting => eprintln!("running every detector …"),
    };
    let d = scenario::demo(
        &ctx.spec, &cfg, &out, &settings, &bar, &ctx.clock, &mut step,
    )?;
    if g.json {
        print_json(&serde_json::json!({ "findings": d.findings, "eval": d.eval }))?;
    } else {
        render::findings_list(&d.findings);
        println!();
        let truth = out.join("truth.json");
        println!("Compared with the planted truth ({}):", truth.display());
        print!("{}", skydas_sim::eval::render(&d.eval));
        println!();
        println!("Explain a finding:   skydas findings show <ID>");
        println!("Export its graph:    skydas findings graph <ID> --format gexf --out graph.gexf");
        println!("Search the items:    skydas search \"NATO\"");
        eprintln!("demo finished in {:.1} s", t.elapsed().as_secs_f64());
    }
    // It serves unless told not to; a JSON document on stdout is for a script, which asks with
    // --serve if it wants the app too.
    if a.serve || (!a.no_serve && !g.json) {
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
    ctx.show(&c, |c| println!("{}", c.summary(&a.out)))?;
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
    let doc = serde_json::json!({
        "out": a.out, "exported": x.exported, "withheld": x.withheld.len(), "withheld_by_reason": reasons,
    });
    ctx.show(&doc, |_| {
        render::exported(x.exported, &a.out, x.withheld.len(), &reasons);
    })?;
    Ok(ExitCode::SUCCESS)
}
