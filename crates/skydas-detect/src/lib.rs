//! Detectors: pure functions of a [`Corpus`] that return explained [`Finding`]s.
//!
//! A detector never does IO and never reads the clock: the same corpus and config give the same
//! findings, byte for byte. Each detector owns its kinds of finding: it declares them as
//! [`KindSpec`]s (name, id prefix, words, DISARM techniques, how they are shared), and no other
//! crate names a kind. Adding a detector means one module implementing [`Detector`] and one
//! line in [`REGISTRY`].

pub(crate) mod audience;
pub mod automation;
pub mod coordination;
mod explain;
pub mod known_infra;
pub mod lookalike;
#[doc(hidden)]
pub mod testkit;

use rayon::prelude::*;
use skydas_model::{Corpus, Finding, KindSpec, Kinds};

/// Configuration of every detector, as the command line and config give it.
#[derive(Debug, Clone, Default)]
pub struct DetectConfig {
    pub coordination: coordination::Params,
    pub lookalike: lookalike::Config,
    pub automation: automation::Params,
    /// Known infrastructure to look for: the user's indicator lists and partners' indicators.
    pub indicators: std::sync::Arc<Vec<skydas_model::Indicator>>,
    /// The analyst's settings these were tuned with (sent along to the workers of a
    /// distributed run, so that every partition is joined alike).
    pub tuning: Tuning,
}

/// The detector settings an analyst may change: a config file's sections (`[coordination]`)
/// and the command line's flags, applied over the defaults.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tuning {
    #[serde(default)]
    pub coordination: coordination::Tuning,
}

impl Tuning {
    /// `other`'s settings over these.
    pub fn over(self, other: &Tuning) -> Tuning {
        Tuning {
            coordination: self.coordination.over(&other.coordination),
        }
    }
}

impl DetectConfig {
    /// Applies `t` over the current settings; the error names the setting out of range.
    pub fn tune(&mut self, t: &Tuning) -> Result<(), String> {
        t.coordination.apply(&mut self.coordination)?;
        self.tuning = self.tuning.clone().over(t);
        Ok(())
    }

    /// The defaults tuned with `t`.
    pub fn tuned(t: &Tuning) -> Result<DetectConfig, String> {
        let mut c = DetectConfig::default();
        c.tune(t)?;
        Ok(c)
    }
}

/// One detector.
pub trait Detector: Send + Sync {
    /// The detector's line in [`REGISTRY`]: its code, version and kinds.
    fn registration(&self) -> &'static Registration;
    /// Stable code, e.g. `coordination`, `lookalike-domain`, `automation`.
    fn code(&self) -> &'static str {
        self.registration().code
    }
    /// Version of the method; bumped when the same corpus would give different findings.
    fn version(&self) -> &'static str {
        self.registration().version
    }
    /// The kinds of finding it makes (those it replaces in the store after a run).
    fn kinds(&self) -> &'static [&'static KindSpec] {
        self.registration().kinds
    }
    /// Runs over the whole corpus.
    fn run(&self, corpus: &Corpus) -> Vec<Finding>;
    /// The detector's work split by key partition, for a distributed run: the workers join
    /// the partitions, the caller merges them. `None` (the default): the detector runs whole,
    /// where the run was started.
    fn partitioned(&self) -> Option<&dyn Partitioned> {
        None
    }
    /// Weighs this detector's findings (`own`) against every other detector's (`others`),
    /// after all have run: a lookalike pushed by a coordinated network scores higher. The
    /// default leaves them as they are.
    fn corroborate(&self, _own: &mut [Finding], _others: &[Finding]) {}
}

/// A detector whose work splits by key partition. Partition results travel as JSON between
/// the workers and the caller; the merged findings equal those of [`Detector::run`].
pub trait Partitioned {
    /// The work of partition `part` of `parts`, and its size (the pairs it holds), for the
    /// ledger.
    fn join_part(&self, corpus: &Corpus, part: u32, parts: u32) -> (serde_json::Value, u64);
    /// The findings of the whole corpus from every partition's result, in partition order.
    fn merge_parts(
        &self,
        corpus: &Corpus,
        parts: Vec<serde_json::Value>,
    ) -> Result<Vec<Finding>, serde_json::Error>;
}

/// A registered detector: its code, version and the kinds it declares, known without building
/// it, and how it is built from the config.
#[derive(Debug, Clone, Copy)]
pub struct Registration {
    /// Stable code, e.g. `coordination`, `lookalike-domain`, `automation`.
    pub code: &'static str,
    /// Version of the method; bumped when the same corpus would give different findings.
    pub version: &'static str,
    pub kinds: &'static [&'static KindSpec],
    pub build: fn(&DetectConfig) -> Box<dyn Detector>,
}

/// Every detector, one line each. Their order is the order findings are reported in.
pub const REGISTRY: &[Registration] = &[
    coordination::REGISTRATION,
    lookalike::REGISTRATION,
    known_infra::REGISTRATION,
    automation::REGISTRATION,
];

/// Every detector, built from the config.
pub fn registry(cfg: &DetectConfig) -> Vec<Box<dyn Detector>> {
    REGISTRY.iter().map(|r| (r.build)(cfg)).collect()
}

/// Every kind the detectors declare, in report order.
pub fn kinds() -> Kinds {
    Kinds::new(
        REGISTRY
            .iter()
            .flat_map(|r| r.kinds.iter().copied())
            .collect(),
    )
}

/// Runs every detector (in parallel, each timed at `-v`) and returns their findings in report
/// order (see [`sort_findings`]).
pub fn run_all(corpus: &Corpus, cfg: &DetectConfig) -> Vec<Finding> {
    run_detectors(corpus, &registry(cfg))
}

/// Runs the given detectors (in parallel, each timed at `-v`) and returns their findings in
/// report order.
pub fn run_detectors(corpus: &Corpus, detectors: &[Box<dyn Detector>]) -> Vec<Finding> {
    let out: Vec<Finding> = detectors
        .par_iter()
        .flat_map(|d| {
            let (found, secs) = timed(|| d.run(corpus));
            tracing::info!(
                detector = d.code(),
                version = d.version(),
                findings = found.len(),
                secs,
                "detector ran"
            );
            found
        })
        .collect();
    finish(detectors, out)
}

/// The findings of every detector, each detector's corroborated by the others' (see
/// [`Detector::corroborate`], in registry order), in report order.
pub fn finish(detectors: &[Box<dyn Detector>], mut findings: Vec<Finding>) -> Vec<Finding> {
    for d in detectors {
        let kinds = d.kinds();
        let (mut own, others): (Vec<Finding>, Vec<Finding>) = findings
            .into_iter()
            .partition(|f| kinds.iter().any(|k| f.kind.as_str() == k.name));
        d.corroborate(&mut own, &others);
        findings = own;
        findings.extend(others);
    }
    sort_findings(&mut findings);
    findings
}

/// What `f` returns, and the seconds it took (for the logs).
pub(crate) fn timed<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let t = std::time::Instant::now();
    let out = f();
    (out, t.elapsed().as_secs_f64())
}

/// The order findings are reported in: kind (in [`REGISTRY`] order), then score (highest
/// first), then id.
pub fn sort_findings(out: &mut [Finding]) {
    let kinds = kinds();
    out.sort_by(|a, b| {
        kinds
            .rank(a.kind.as_str())
            .cmp(&kinds.rank(b.kind.as_str()))
            .then(b.score.total_cmp(&a.score))
            .then_with(|| a.id.cmp(&b.id))
    });
}
