//! Human-readable output for the terminal. JSON output does not pass through here.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::Path;

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use skydas_app::findings::Detail;
use skydas_app::import::{BundleReport, ImportReport, Progress};
use skydas_app::share::CollectionGrants;
use skydas_model::time::format_rfc3339;
use skydas_model::{Finding, Platform};
use skydas_store::{SearchHit, Stats, Store};

/// The import's progress on stderr: a bar when stderr is a terminal, and every file that
/// failed, as it fails.
pub struct Bar(ProgressBar);

impl Bar {
    pub fn new(enabled: bool) -> Bar {
        if !enabled || !std::io::stderr().is_terminal() {
            return Bar(ProgressBar::hidden());
        }
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} {msg} eta {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        Bar(bar)
    }
}

impl Progress for Bar {
    fn start(&self, total_bytes: u64) {
        self.0.set_length(total_bytes);
    }
    fn advance(&self, bytes: u64) {
        self.0.inc(bytes);
    }
    fn items(&self, records: u64, per_second: f64) {
        self.0
            .set_message(format!("{records} items, {per_second:.0} items/s"));
    }
    fn file_failed(&self, message: &str) {
        self.0.suspend(|| eprintln!("error: {message}"));
    }
    fn finish(&self) {
        self.0.finish_and_clear();
    }
}

/// Record errors and warnings go to stderr: the first few one by one, then a summary by reason.
pub fn import_errors(r: &ImportReport, show: usize) {
    for line in r.problems(show) {
        eprintln!("{line}");
    }
}

/// STIX bundles recorded as partner intelligence.
pub fn bundles(bundles: &[BundleReport]) {
    for b in bundles {
        println!("{}: {}", b.file.display(), b.summary);
    }
}

/// Per file on stderr, the totals on stdout (on stderr too when stdout is a JSON document);
/// through the work bus, what was enqueued.
pub fn import_report(r: &ImportReport, enqueued: Option<u64>, stdout_is_json: bool) {
    if let Some(batches) = enqueued {
        eprintln!(
            "{} records from {} files enqueued in {batches} batches in {:.1} s; workers store them",
            r.records,
            r.files.len(),
            r.seconds
        );
        return;
    }
    for f in r.files.iter().filter(|f| f.status != "failed") {
        eprintln!("{f}");
    }
    // Skipped entries are named; a folder of thousands of images is summarised past the first.
    const SHOW_SKIPPED: usize = 50;
    for s in r.skipped.iter().take(SHOW_SKIPPED) {
        eprintln!("{}: skipped: {}", s.path, s.reason);
    }
    if r.skipped.len() > SHOW_SKIPPED {
        eprintln!(
            "… and {} more skipped (all of them in the --json report)",
            r.skipped.len() - SHOW_SKIPPED
        );
    }
    let totals = r.totals();
    if stdout_is_json {
        eprintln!("{totals}");
    } else {
        println!("{totals}");
    }
}

pub fn stats(s: &Stats) {
    println!("items     {}", s.items);
    println!("actors    {}", s.actors);
    println!("files     {}", s.files);
    println!(
        "records   {} provenance rows, {} record errors",
        s.provenance, s.errors
    );
    println!("by platform:");
    for (k, v) in &s.by_platform {
        println!("  {k:<10} {v}");
    }
    println!("by language:");
    for (k, v) in &s.by_language {
        println!("  {k:<10} {v}");
    }
}

pub fn hits(hits: &[SearchHit]) {
    if hits.is_empty() {
        println!("no matches");
        return;
    }
    for h in hits {
        println!(
            "{}  {:<8} {:<24} {:<4} {}",
            format_rfc3339(h.time),
            h.platform.as_str(),
            h.actor_handle.as_deref().unwrap_or(&h.actor_id),
            h.lang,
            h.snippet.replace('\n', " ")
        );
    }
}

fn excerpt(s: &str, n: usize) -> String {
    let s = s.replace('\n', " ");
    if s.chars().count() <= n {
        s
    } else {
        let mut t: String = s.chars().take(n).collect();
        t.push('…');
        t
    }
}

/// The findings as a table, counted by the kinds the detectors declare.
pub fn findings_list(findings: &[Finding]) {
    let kinds = skydas_app::analyze::kinds();
    if findings.is_empty() {
        println!("no findings");
        return;
    }
    println!(
        "{:<20} {:<16} {:>5} {:>6}  summary",
        "id", "kind", "score", "actors"
    );
    for f in findings {
        println!(
            "{:<20} {:<16} {:>5.2} {:>6}  {}",
            f.id,
            f.kind.as_str(),
            f.score,
            f.actors.len(),
            excerpt(&f.summary, 110)
        );
    }
    println!(
        "{} findings: {}",
        findings.len(),
        kinds.counts(findings.iter().map(|f| &f.kind))
    );
}

fn provenance_of(store: &dyn Store, platform: Platform, id: &str) -> String {
    let Ok(Some(si)) = store.item(platform, id) else {
        return String::new();
    };
    let places: Vec<String> = si
        .provenance
        .iter()
        .take(2)
        .map(|pv| {
            let path = store
                .original_path(&pv.file_sha256)
                .ok()
                .flatten()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| pv.file_sha256.chars().take(12).collect());
            format!("{path}:{}", pv.locator)
        })
        .collect();
    places.join(", ")
}

/// Signal counts, `name count, …`.
fn signals<V: std::fmt::Display>(s: &BTreeMap<String, V>) -> String {
    let v: Vec<String> = s.iter().map(|(k, v)| format!("{k} {v}")).collect();
    v.join(", ")
}

/// The show view: everything a finding rests on, down to the items and their original files,
/// the analyst's review and the finding's versions.
pub fn finding_detail(d: &Detail, store: &dyn Store) {
    let f = &d.finding;
    println!("{}  {}  score {:.2}", f.id, f.kind.as_str(), f.score);
    println!("{}", f.summary);
    println!("review    {}", d.review_line());
    println!(
        "seen      {} … {}",
        format_rfc3339(f.first_seen),
        format_rfc3339(f.last_seen)
    );
    println!("DISARM    {}", f.disarm.join(", "));
    println!(
        "detector  {} {}  params {}",
        f.detector, f.detector_version, f.params
    );
    if let Some(d) = &f.domain {
        println!(
            "domain    {d} impersonates {} ({})",
            f.impersonates.as_deref().unwrap_or("?"),
            f.techniques.join(", ")
        );
    }
    if !f.signals.is_empty() {
        println!("signals   {}", signals(&f.signals));
    }
    println!("actors ({}):", f.actors.len());
    for a in &f.actors {
        println!(
            "  {:<8} {:<22} {:<24} {}{}",
            a.platform.as_str(),
            a.id,
            a.handle.as_deref().unwrap_or(""),
            a.name.as_deref().unwrap_or(""),
            a.role
                .as_deref()
                .map(|r| format!(" [{r}]"))
                .unwrap_or_default()
        );
    }
    if !f.edges.is_empty() {
        println!(
            "edges ({}), each with the item pairs behind it:",
            f.edges.len()
        );
        for e in &f.edges {
            println!(
                "  {} — {}  weight {:.2}  {}{}",
                e.a,
                e.b,
                e.weight,
                signals(&e.signals),
                e.p_value
                    .map(|p| format!("  p={p:.2e}"))
                    .unwrap_or_default()
            );
            for p in &e.pairs {
                println!(
                    "      {:<10} {} ↔ {}  {:>5} s apart  {}",
                    p.signal,
                    p.a,
                    p.b,
                    p.gap_s,
                    excerpt(&p.key, 70)
                );
            }
        }
    }
    println!("evidence ({} items):", f.evidence.len());
    for ev in &f.evidence {
        println!(
            "  {}  {:<8} {:<24} actor {:<20} {}",
            format_rfc3339(ev.time),
            ev.platform.as_str(),
            ev.id,
            ev.actor,
            ev.url.as_deref().unwrap_or("")
        );
        if let Some(t) = &ev.text {
            println!("      “{}”", excerpt(t, 100));
        }
        let prov = provenance_of(store, ev.platform, &ev.id);
        if !prov.is_empty() {
            println!("      from {prov}");
        }
    }
    println!("versions ({}):", d.versions.len());
    for line in d.version_lines() {
        println!("  {line}");
    }
}

/// Writes actor graphs to a file, or to stdout.
pub fn write_graph(
    chosen: &[Finding],
    fmt: skydas_share::graph::GraphFormat,
    out: Option<&Path>,
) -> Result<()> {
    let chosen: Vec<&Finding> = chosen.iter().collect();
    let chosen = &chosen[..];
    match out {
        Some(p) => {
            let mut w = std::io::BufWriter::new(
                std::fs::File::create(p)
                    .with_context(|| format!("cannot create {}", p.display()))?,
            );
            skydas_share::graph::write_graph(chosen, fmt, &mut w)?;
            w.flush()?;
            eprintln!("wrote {} findings' graph to {}", chosen.len(), p.display());
        }
        None => {
            let mut w = std::io::stdout().lock();
            skydas_share::graph::write_graph(chosen, fmt, &mut w)?;
        }
    }
    Ok(())
}

/// What an export wrote and withheld.
pub fn exported(exported: usize, out: &Path, withheld: usize, reasons: &BTreeMap<String, u64>) {
    println!(
        "wrote {exported} findings to {}; {withheld} withheld{}",
        out.display(),
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

/// TAXII collections with their grants.
pub fn collections(all: &[CollectionGrants]) {
    for CollectionGrants {
        collection: c,
        grants,
    } in all
    {
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
