//! The detection workflows: `analyze` (the store's corpus, findings stored), `scan` (files in
//! one shot, the corpus in memory) and the distributed run over the work bus.

use std::path::PathBuf;
use std::time::Duration;

use skydas_detect::DetectConfig;
pub use skydas_detect::Tuning;
pub use skydas_detect::coordination::Tuning as CoordinationTuning;
use skydas_model::{Clock, Corpus, Finding, Kinds};
use skydas_store::Store;
use skydas_store::sharing::SharingStore;
use skydas_store_pg::reconnect::with_store;
use skydas_work::Bus;

use crate::error::{AppError, Result, failed};
use crate::identity;
use crate::import::{CorpusTarget, ImportReport, ImportSettings, Progress, pipeline};
use crate::store::StoreSpec;
use crate::worker;

/// What the user adds to the detectors' built-in data.
#[derive(Debug, Clone, Default)]
pub struct DetectInputs {
    /// Extra protected domains, one per line (optionally `domain,country,kind,name`).
    pub protected: Option<PathBuf>,
    /// Extra allowlisted domains (legitimate near-matches), one per line.
    pub allow: Option<PathBuf>,
    /// A config file of detector settings (TOML, `[coordination]`), see [`Tuning`].
    pub config: Option<PathBuf>,
    /// Settings from the command line, over the config file's.
    pub tuning: Tuning,
    /// Indicator files to match besides the store's (`--indicators`).
    pub indicators: Vec<PathBuf>,
}

/// The detector settings of a config file (TOML). The error names the file, and the line and
/// column of what is wrong in it.
pub fn read_tuning(path: &std::path::Path) -> Result<Tuning> {
    let text = read(path)?;
    toml::from_str(&text).map_err(|e| AppError::Usage(format!("{}: {e}", path.display())))
}

fn read(p: &std::path::Path) -> Result<String> {
    std::fs::read_to_string(p).map_err(|e| AppError::io("read", p, e))
}

/// The detectors' configuration: the defaults, the user's files and settings, and the store's
/// protected list and indicators when there is a store.
pub fn detect_config(
    inputs: &DetectInputs,
    store: Option<&dyn Store>,
    sharing: Option<&dyn SharingStore>,
) -> Result<DetectConfig> {
    let mut cfg = DetectConfig::default();
    let file = match &inputs.config {
        Some(p) => read_tuning(p)?,
        None => Tuning::default(),
    };
    cfg.tune(&file.over(&inputs.tuning))
        .map_err(AppError::Usage)?;
    if let Some(p) = &inputs.protected {
        let entries = skydas_detect::lookalike::load_protected_file(&read(p)?)
            .map_err(|e| failed(format!("{}: {e}", p.display())))?;
        cfg.lookalike.extra_protected.extend(entries);
    }
    if let Some(p) = &inputs.allow {
        cfg.lookalike.extra_allow.extend(
            read(p)?
                .lines()
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
            .map_err(|e| failed(format!("stored protected list: {e}")))?;
        cfg.lookalike.extra_protected.extend(entries);
    }
    let mut indicators = match sharing {
        Some(sh) => crate::indicators::stored(sh)?,
        None => Vec::new(),
    };
    for p in &inputs.indicators {
        indicators.extend_from_slice(crate::indicators::read_file(p, None, None)?.indicators());
    }
    cfg.indicators = std::sync::Arc::new(indicators);
    Ok(cfg)
}

/// Every kind the detectors declare, in report order.
pub fn kinds() -> Kinds {
    skydas_detect::kinds()
}

/// Runs every detector over the store's corpus and stores the findings in place of the earlier
/// findings of every detector's kinds. A new finding that matches a stored one keeps its id,
/// and so its review and versions ([`crate::identity`]); what changed is a new version, at the
/// `clock`'s time. Returns the findings as stored.
pub fn analyze(
    store: &mut dyn Store,
    cfg: &DetectConfig,
    clock: &dyn Clock,
) -> Result<Vec<Finding>> {
    let t = std::time::Instant::now();
    let corpus = store.load_corpus()?;
    tracing::info!(
        items = corpus.len(),
        secs = t.elapsed().as_secs_f64(),
        "corpus loaded"
    );
    let findings = detect(&corpus, cfg);
    Ok(store_findings(store, findings, clock.now())?)
}

/// Stores `findings` in place of the stored findings of every detector's kind, each matched
/// to a stored one first so that it keeps its id, with the versions of what changed as of `at`.
fn store_findings(
    store: &mut dyn Store,
    findings: Vec<Finding>,
    at: i64,
) -> skydas_store::Result<Vec<Finding>> {
    let names = kinds().names();
    let mut stored = store.findings()?;
    stored.retain(|f| names.contains(&f.kind.as_str()));
    let r = identity::reconcile(&stored, findings, at);
    store.revise_findings(&names, &r.findings, &r.revision)?;
    Ok(r.findings)
}

fn detect(corpus: &Corpus, cfg: &DetectConfig) -> Vec<Finding> {
    let t = std::time::Instant::now();
    let findings = skydas_detect::run_all(corpus, cfg);
    tracing::info!(
        items = corpus.len(),
        findings = findings.len(),
        secs = t.elapsed().as_secs_f64(),
        "detectors ran"
    );
    findings
}

/// One shot: imports `paths` into a temporary store that is the detectors' corpus itself, in
/// memory (nothing is written to disk and read back), and runs every detector.
pub fn scan(
    paths: &[PathBuf],
    settings: &ImportSettings,
    cfg: &DetectConfig,
    progress: &dyn Progress,
) -> Result<(ImportReport, Vec<Finding>)> {
    let mut target = CorpusTarget::new();
    let found = skydas_ingest::discover(paths);
    let settings = ImportSettings {
        keep_originals: false,
        ..settings.clone()
    };
    let report = pipeline::import(&mut target, found, &settings, progress)?;
    let corpus = target.finish();
    Ok((report, detect(&corpus, cfg)))
}

/// How a distributed run is cut and how long it may take.
#[derive(Debug, Clone, Copy)]
pub struct RunOptions {
    /// Key partitions of the work (`SKYDAS_PARTITIONS`, default 8).
    pub partitions: u32,
    /// How long to wait for the workers (`SKYDAS_RUN_TIMEOUT` seconds, default an hour).
    pub timeout: Duration,
}

impl RunOptions {
    /// The options from the environment.
    pub fn from_env() -> RunOptions {
        let env = |k: &str| std::env::var(k).ok().and_then(|s| s.parse::<u64>().ok());
        RunOptions {
            partitions: env("SKYDAS_PARTITIONS")
                .filter(|&n| n > 0)
                .map_or(8, |n| u32::try_from(n).unwrap_or(u32::MAX)),
            timeout: env("SKYDAS_RUN_TIMEOUT")
                .map_or(Duration::from_secs(3600), Duration::from_secs),
        }
    }
}

/// What a distributed run was.
#[derive(Debug, Clone)]
pub struct DistributedRun {
    pub run: String,
    pub parts: u32,
    pub findings: Vec<Finding>,
}

/// `analyze` over the work bus: the partitioned detectors' work is fanned out to the workers
/// by key partition and merged here; the other detectors run here. Findings equal those of
/// [`analyze`] on the same store, and are stored the same way.
pub fn analyze_distributed(
    spec: &StoreSpec,
    nats: &str,
    cfg: &DetectConfig,
    opts: RunOptions,
    clock: &dyn Clock,
) -> Result<DistributedRun> {
    let mut store = spec.postgres()?;
    let bus = Bus::connect(nats, &store.url().schema.clone())?;
    let corpus = with_store(&mut store, |s| s.load_corpus())?;
    let run = worker::start_run(
        &mut store,
        &bus,
        corpus.len() as u64,
        opts.partitions,
        &cfg.tuning,
    )?;
    tracing::info!(run = run.run, parts = run.parts, "detection fanned out");
    let parts = worker::wait_run(&mut store, &run, opts.timeout)?;
    let mut findings = Vec::new();
    let detectors = skydas_detect::registry(cfg);
    for d in &detectors {
        match d.partitioned() {
            Some(p) => {
                let mine = parts
                    .iter()
                    .map(|part| part.get(d.code()).cloned().unwrap_or_default())
                    .collect();
                findings.extend(p.merge_parts(&corpus, mine)?);
            }
            None => findings.extend(d.run(&corpus)),
        }
    }
    let findings = skydas_detect::finish(&detectors, findings);
    let at = clock.now();
    let findings = with_store(&mut store, |s| store_findings(s, findings.clone(), at))?;
    worker::forget_run(&mut store, &run)?;
    Ok(DistributedRun {
        run: run.run,
        parts: run.parts,
        findings,
    })
}

/// `analyze` over the store `spec` names: through the work bus when `nats` is given, else
/// here; with the protected list, indicators and partner intelligence the store holds. The
/// audit detail says what ran.
pub fn analyze_spec(
    spec: &StoreSpec,
    nats: Option<&str>,
    inputs: &DetectInputs,
    clock: &dyn Clock,
) -> Result<(Vec<Finding>, serde_json::Value)> {
    let sharing = spec.sharing()?;
    match nats {
        Some(nats) => {
            let store = spec.postgres()?;
            let cfg = detect_config(inputs, Some(&store), Some(sharing.as_ref()))?;
            drop(store);
            let run = analyze_distributed(spec, nats, &cfg, RunOptions::from_env(), clock)?;
            let detail = serde_json::json!({
                "findings": run.findings.len(), "run": run.run, "partitions": run.parts,
            });
            Ok((run.findings, detail))
        }
        None => {
            let mut store = spec.open()?;
            let cfg = detect_config(inputs, Some(store.as_ref()), Some(sharing.as_ref()))?;
            let findings = analyze(store.as_mut(), &cfg, clock)?;
            let detail = serde_json::json!({ "findings": findings.len() });
            Ok((findings, detail))
        }
    }
}

/// The findings whose actor graphs `findings graph` draws: those named, in that order, else
/// every finding with edges to draw.
pub fn graphs(store: &dyn Store, ids: &[String]) -> Result<Vec<Finding>> {
    let mut all = store.findings()?;
    if ids.is_empty() {
        all.retain(|f| !f.edges.is_empty());
        return Ok(all);
    }
    ids.iter()
        .map(|id| {
            all.iter()
                .find(|f| &f.id == id)
                .cloned()
                .ok_or_else(|| failed(format!("no finding {id:?}")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use skydas_model::FixedClock;
    use skydas_store::{OpenOptions, Review, ReviewStatus, SqliteStore};

    use super::*;
    use crate::identity::tests::net_of;

    #[test]
    fn a_second_analysis_keeps_the_review_and_versions_at_the_clocks_time() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = SqliteStore::open(dir.path(), OpenOptions::default()).unwrap();
        let clock = FixedClock::at(1_700_000_000);
        let kind = &skydas_detect::coordination::KIND;
        let first = net_of(kind, &["a", "b", "c"], 0.8);
        let stored = store_findings(&mut store, vec![first.clone()], clock.now()).unwrap();
        assert_eq!(stored[0].id, first.id);
        let review = Review {
            status: ReviewStatus::Confirmed,
            note: "seen in March".into(),
            ..Review::default()
        };
        assert!(store.set_review(&first.id, &review).unwrap());

        clock.advance(3600);
        let grown = net_of(kind, &["a", "b", "c", "d"], 0.9);
        let stored = store_findings(&mut store, vec![grown], clock.now()).unwrap();
        assert_eq!(stored[0].id, first.id, "returned as stored");
        assert_eq!(store.findings().unwrap().len(), 1);
        assert_eq!(store.review(&first.id).unwrap(), Some(review));
        let v = store.finding_versions(&first.id).unwrap();
        assert_eq!(v.len(), 2);
        assert_eq!(
            (v[0].change.at, v[1].change.at),
            (1_700_000_000, 1_700_003_600)
        );
        assert_eq!(v[1].change.members_in, ["x:d"]);

        // The same findings again change nothing and write no version.
        clock.advance(3600);
        let again = net_of(kind, &["a", "b", "c", "d"], 0.9);
        store_findings(&mut store, vec![again], clock.now()).unwrap();
        assert_eq!(store.finding_versions(&first.id).unwrap().len(), 2);
    }
}
