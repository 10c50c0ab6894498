//! Fuzz target: arbitrary bytes into the `x-v2` importer must never panic.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| skydas_fuzz::run("x-v2", data));
