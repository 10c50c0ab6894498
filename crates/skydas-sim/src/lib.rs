//! Scenario simulator and evaluation for Skydas.
//!
//! [`simulate`] writes a synthetic information environment in the real input formats (X API v2
//! JSONL, Telegram Desktop exports, RSS/Atom feeds) under `out/data/`, with operations planted in
//! an organic world built to be hard to tell apart by naive rules, and writes what was planted
//! to `out/truth.json` ([`truth::Truth`], documented in `SCHEMA.md`). [`eval::evaluate`] scores a
//! findings document against that truth.
//!
//! Output is a pure function of [`SimConfig`]: the same config gives byte-identical files.

mod domains;
mod engine;
pub mod eval;
pub mod lang;
mod out;
pub mod rng;
pub mod truth;
mod world;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use eval::{EvalReport, evaluate, render};
pub use truth::Truth;

/// What to simulate.
#[derive(Debug, Clone, PartialEq)]
pub struct SimConfig {
    pub seed: u64,
    /// 1.0 is about 100 000 items; items ≈ 100 000 × scale.
    pub scale: f64,
    /// Start of the window, Unix seconds UTC.
    pub start: i64,
    pub days: u32,
}

impl Default for SimConfig {
    fn default() -> SimConfig {
        // 2024-02-20T00:00:00Z, a Tuesday.
        SimConfig {
            seed: 1,
            scale: 1.0,
            start: 1_708_387_200,
            days: 7,
        }
    }
}

/// What was written.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SimSummary {
    pub items: u64,
    /// Actors with at least one item.
    pub actors: u64,
    /// Data files under `data/` (the truth file is not counted).
    pub files: u64,
    /// Items per platform (`x`, `telegram`, `web`).
    pub by_platform: BTreeMap<String, u64>,
}

/// Errors of the simulator.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid config: {0}")]
    Config(String),
}

/// Writes the scenario of `cfg` under `out` (`out/data/...` and `out/truth.json`).
pub fn simulate(cfg: &SimConfig, out: &Path) -> Result<SimSummary, SimError> {
    engine::run(cfg, out)
}

#[cfg(test)]
mod tests;
