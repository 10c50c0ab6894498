//! Scenarios with planted truth: the simulator's configuration from what the user asked for,
//! and scoring findings files against a scenario's truth.

use std::path::Path;

use skydas_model::{Clock, Finding, FindingsDoc};
use skydas_sim::{EvalReport, SimConfig, SimSummary, Truth};

use crate::analyze::{DetectInputs, analyze, detect_config};
use crate::error::{AppError, Result, failed, usage};
use crate::import::{ImportReport, ImportSettings, Progress};
use crate::store::StoreSpec;

/// Largest scale the simulator accepts (1.0 is about 100,000 items).
pub const MAX_SCALE: f64 = 1000.0;

/// A simulator configuration; `start` is an RFC 3339 date or time.
pub fn config(seed: u64, scale: f64, start: Option<&str>, days: u32) -> Result<SimConfig> {
    let mut cfg = SimConfig {
        seed,
        scale,
        days,
        ..SimConfig::default()
    };
    if let Some(s) = start {
        cfg.start = skydas_model::time::parse_any(s)
            .ok_or_else(|| usage(format!("--start: cannot read {s:?} as a date or time")))?;
    }
    if !(scale > 0.0 && scale <= MAX_SCALE) {
        return Err(usage(format!(
            "--scale must be in (0, {MAX_SCALE}], not {scale}"
        )));
    }
    Ok(cfg)
}

fn read(p: &Path) -> Result<String> {
    if p == Path::new("-") {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
            .map_err(|e| AppError::io("read", p, e))?;
        return Ok(s);
    }
    std::fs::read_to_string(p).map_err(|e| AppError::io("read", p, e))
}

/// A findings document (`scan --json` output); `-` reads stdin.
pub fn read_findings(p: &Path) -> Result<FindingsDoc> {
    serde_json::from_str(&read(p)?)
        .map_err(|e| AppError::Failed(format!("{}: not a findings document: {e}", p.display())))
}

/// A scenario's `truth.json`.
pub fn read_truth(p: &Path) -> Result<Truth> {
    serde_json::from_str(&read(p)?)
        .map_err(|e| AppError::Failed(format!("{}: not a truth document: {e}", p.display())))
}

/// Precision, recall and F1 of a findings file against a truth file.
pub fn evaluate_files(truth: &Path, findings: &Path) -> Result<EvalReport> {
    Ok(skydas_sim::eval::evaluate(
        &read_truth(truth)?,
        &read_findings(findings)?,
    ))
}

/// A step of the demo, told as it happens.
pub enum DemoStep<'a> {
    Simulating,
    Simulated(&'a SimSummary),
    Importing,
    Imported(&'a ImportReport),
    Detecting,
}

/// What the demo found, scored against the planted truth.
#[derive(Debug)]
pub struct Demo {
    pub findings: Vec<Finding>,
    pub eval: EvalReport,
}

/// The demo: simulates the scenario `cfg` into `out`, imports it into the store directly (even
/// where a work bus is configured), runs every detector over the store and scores the findings
/// against the planted truth.
pub fn demo(
    spec: &StoreSpec,
    cfg: &SimConfig,
    out: &Path,
    settings: &ImportSettings,
    progress: &dyn Progress,
    clock: &dyn Clock,
    step: &mut dyn FnMut(DemoStep<'_>),
) -> Result<Demo> {
    step(DemoStep::Simulating);
    let summary = skydas_sim::simulate(cfg, out).map_err(|e| failed(e.to_string()))?;
    step(DemoStep::Simulated(&summary));
    step(DemoStep::Importing);
    let run = crate::import::import(spec, &[out.join("data")], settings, None, progress, clock)?;
    step(DemoStep::Imported(&run.report));
    step(DemoStep::Detecting);
    let mut store = spec.open()?;
    let cfg = detect_config(&DetectInputs::default(), Some(store.as_ref()), None)?;
    let findings = analyze(store.as_mut(), &cfg, clock)?;
    let doc = FindingsDoc { findings };
    let eval = skydas_sim::eval::evaluate(&read_truth(&out.join("truth.json"))?, &doc);
    Ok(Demo {
        findings: doc.findings,
        eval,
    })
}
