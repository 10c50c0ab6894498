//! Placeholder until the importer lands.

use crate::{Confidence, Event, FileContext, FileError, Importer};

pub struct Toolkit;

impl Importer for Toolkit {
    fn name(&self) -> &'static str {
        "toolkit"
    }
    fn version(&self) -> u32 {
        0
    }
    fn sniff(&self, _head: &[u8]) -> Confidence {
        Confidence::No
    }
    fn import(
        &self,
        _input: &mut dyn std::io::BufRead,
        _ctx: &FileContext<'_>,
        _sink: &mut dyn FnMut(Event),
    ) -> Result<(), FileError> {
        Ok(())
    }
}
