//! Automation signals (placeholder until the detector lands).

use skydas_model::{Corpus, Finding};

#[derive(Debug, Clone, Default)]
pub struct Params {}

pub struct Automation {
    _params: Params,
}

impl Automation {
    pub fn new(params: Params) -> Self {
        Self { _params: params }
    }
}

impl crate::Detector for Automation {
    fn code(&self) -> &'static str {
        "automation"
    }
    fn version(&self) -> &'static str {
        "0"
    }
    fn run(&self, _corpus: &Corpus) -> Vec<Finding> {
        Vec::new()
    }
}
