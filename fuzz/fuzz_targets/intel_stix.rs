//! Fuzz target: arbitrary bytes as a partner's STIX bundle, TAXII envelope or indicator file
//! must never panic.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| skydas_fuzz::run_intel(data));
