//! Fuzz target `writers`: see `fuzz/README.md` and `check_writers` in `fuzz/checks.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../checks.rs"]
mod checks;

fuzz_target!(|data: &[u8]| checks::check_writers(data));
