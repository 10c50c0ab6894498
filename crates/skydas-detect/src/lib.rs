//! Detectors: pure functions of a [`Corpus`] that return explained [`Finding`]s.
//!
//! A detector never does IO and never reads the clock: the same corpus and config give the same
//! findings, byte for byte. Adding a detector means one module implementing [`Detector`] and one
//! line in [`registry`].

pub mod automation;
pub mod coordination;
pub mod lookalike;

use rayon::prelude::*;
use skydas_model::{Corpus, Finding};

/// Configuration of every detector, as the command line and config give it.
#[derive(Debug, Clone, Default)]
pub struct DetectConfig {
    pub coordination: coordination::Params,
    pub lookalike: lookalike::Config,
    pub automation: automation::Params,
}

/// One detector.
pub trait Detector: Send + Sync {
    /// Stable code, e.g. `coordination`, `lookalike-domain`, `automation`.
    fn code(&self) -> &'static str;
    /// Version of the method; bumped when the same corpus would give different findings.
    fn version(&self) -> &'static str;
    /// Runs over the whole corpus.
    fn run(&self, corpus: &Corpus) -> Vec<Finding>;
}

/// Every detector, built from the config.
pub fn registry(cfg: &DetectConfig) -> Vec<Box<dyn Detector>> {
    vec![
        Box::new(coordination::Coordination::new(cfg.coordination.clone())),
        Box::new(lookalike::Lookalike::new(cfg.lookalike.clone())),
        Box::new(automation::Automation::new(cfg.automation.clone())),
    ]
}

/// Runs every detector (in parallel) and returns their findings sorted by kind, then score
/// (highest first), then id.
pub fn run_all(corpus: &Corpus, cfg: &DetectConfig) -> Vec<Finding> {
    let dets = registry(cfg);
    let mut out: Vec<Finding> = dets.par_iter().flat_map(|d| d.run(corpus)).collect();
    sort_findings(&mut out);
    out
}

/// The order findings are reported in: kind, then score (highest first), then id.
pub fn sort_findings(out: &mut [Finding]) {
    out.sort_by(|a, b| {
        a.kind
            .cmp(&b.kind)
            .then(b.score.total_cmp(&a.score))
            .then_with(|| a.id.cmp(&b.id))
    });
}
