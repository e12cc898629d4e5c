//! Replays the fuzz seeds (`fuzz/seeds/<target>/`) and every input a fuzz target ever failed
//! on (`tests/fuzz_regressions/<target>/`) through the same checks the targets run
//! (`fuzz/checks.rs`), so plain `cargo test` keeps them fixed and exercises the checks.

use crate::checks;

use std::path::Path;

fn replay(target: &str, check: fn(&[u8])) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in [
        root.join("fuzz/seeds").join(target),
        root.join("tests/fuzz_regressions").join(target),
    ] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries {
            let path = e.expect("a directory entry").path();
            if path.is_file() && path.file_name().is_some_and(|n| n != ".gitkeep") {
                files.push(path);
            }
        }
    }
    files.sort();
    assert!(!files.is_empty(), "no inputs for {target}");
    for path in &files {
        let data = std::fs::read(path).expect("a readable input");
        if let Err(panic) = std::panic::catch_unwind(|| check(&data)) {
            let msg = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            panic!("{target}: {} fails: {msg}", path.display());
        }
    }
}

#[test]
fn line() {
    replay("line", checks::check_line);
}

#[test]
fn reader() {
    replay("reader", checks::check_reader);
}

#[test]
fn duration() {
    replay("duration", checks::check_duration);
}

#[test]
fn differential() {
    replay("differential", checks::check_differential);
}

#[test]
fn writers() {
    replay("writers", checks::check_writers);
}

#[test]
fn sequence() {
    replay("sequence", checks::check_sequence);
}

#[test]
fn partial() {
    replay("partial", checks::check_partial);
}

#[test]
fn scanner() {
    replay("scanner", checks::check_scanner);
}
