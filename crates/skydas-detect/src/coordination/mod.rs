//! Coordination networks (placeholder until the detector lands).

use skydas_model::{Corpus, Finding};

#[derive(Debug, Clone, Default)]
pub struct Params {}

pub struct Coordination {
    _params: Params,
}

impl Coordination {
    pub fn new(params: Params) -> Self {
        Self { _params: params }
    }
}

impl crate::Detector for Coordination {
    fn code(&self) -> &'static str {
        "coordination"
    }
    fn version(&self) -> &'static str {
        "0"
    }
    fn run(&self, _corpus: &Corpus) -> Vec<Finding> {
        Vec::new()
    }
}
