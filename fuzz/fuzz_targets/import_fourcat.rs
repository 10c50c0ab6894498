//! Fuzz target: arbitrary bytes into the `fourcat` importer must never panic.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| skydas_fuzz::run("4cat", data));
