//! Fuzz target `scanner`: see `fuzz/README.md` and `check_scanner` in `fuzz/checks.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../checks.rs"]
mod checks;

fuzz_target!(|data: &[u8]| checks::check_scanner(data));
