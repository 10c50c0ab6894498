//! Lookalike domains (placeholder until the detector lands).

use skydas_model::{Corpus, Finding};

#[derive(Debug, Clone, Default)]
pub struct Config {}

pub struct Lookalike {
    _params: Config,
}

impl Lookalike {
    pub fn new(params: Config) -> Self {
        Self { _params: params }
    }
}

impl crate::Detector for Lookalike {
    fn code(&self) -> &'static str {
        "lookalike-domain"
    }
    fn version(&self) -> &'static str {
        "0"
    }
    fn run(&self, _corpus: &Corpus) -> Vec<Finding> {
        Vec::new()
    }
}
