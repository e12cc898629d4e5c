//! Generated code is not stale: `src/model/enums.rs` is what `tools/gen_enums.py` makes from
//! the committed schema extract `tools/callrecords-schema.json`.
//!
//! The test runs the generator itself (`--check`) rather than a Rust port of it, so there is
//! one generator to keep right. It needs `python3` (standard library only) on the PATH, as the
//! CI image has; without it the test fails and says so rather than passing unchecked.

use std::process::Command;

#[test]
fn model_enums_are_generated_from_the_committed_schema_extract() {
    let root = env!("CARGO_MANIFEST_DIR");
    let output = Command::new("python3")
        .arg(format!("{root}/tools/gen_enums.py"))
        .arg("--check")
        .output()
        .expect("python3 runs tools/gen_enums.py --check (is python3 on the PATH?)");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
