//! The SIMD structural scanner (`callq::scan`): every kernel against the byte-at-a-time
//! oracle on arbitrary and JSON-like bytes (the `scanner` fuzz target's check, as a
//! proptest), and on real lines.

use crate::checks;
use callq::scan::{Kernel, Scanner};
use proptest::prelude::*;

/// Bytes drawn mostly from JSON's structural characters, so that strings, escapes and
/// brackets cross the 64-byte block boundaries often.
fn jsonish() -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![
        4 => prop::sample::select(b"\"\\{}[]:, ax01\n".to_vec()),
        1 => any::<u8>(),
    ];
    prop::collection::vec(byte, 0..400)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn kernels_equal_the_oracle_on_jsonish_bytes(data in jsonish()) {
        checks::check_scanner(&data);
    }

    #[test]
    fn kernels_equal_the_oracle_on_any_bytes(data in prop::collection::vec(any::<u8>(), 0..300)) {
        checks::check_scanner(&data);
    }

    /// Valid JSON built from arbitrary values: the scanner walks it as serde_json reads it.
    #[test]
    fn valid_json_structure(items in prop::collection::vec(any::<(String, Option<i32>, bool)>(), 0..20)) {
        let value: serde_json::Value = items
            .iter()
            .map(|(s, n, b)| serde_json::json!({ "s": s, "n": n, "b": [b, s, {"x": n}] }))
            .collect();
        let text = serde_json::to_vec(&value).unwrap();
        checks::check_scanner(&text);
        let pretty = serde_json::to_vec_pretty(&value).unwrap();
        checks::check_scanner(&pretty);
    }
}

#[test]
fn real_lines() {
    let data = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/corpus/sample.ndjson")).unwrap();
    for kernel in Kernel::available() {
        let s = Scanner::with_kernel(kernel);
        for line in data.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            assert_eq!(s.skip_value(line, 0), Some(line.len()), "{kernel:?}");
            let page: serde_json::Value = serde_json::from_slice(line).unwrap();
            let value = s.find_key(line, 0, b"value").expect("a page of sessions");
            let sessions = s.elements(line, value).count();
            assert_eq!(
                sessions,
                page["value"].as_array().unwrap().len(),
                "{kernel:?}"
            );
            checks::check_scanner(line);
        }
    }
}

/// `callq --version` names the kernel picked on this CPU (`-V` stays one line).
#[test]
fn callq_version_names_the_scanner_kernel() {
    let run = |flag: &str| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_callq"))
            .arg(flag)
            .output()
            .unwrap();
        assert!(out.status.success(), "{flag}");
        String::from_utf8(out.stdout).unwrap()
    };
    let version = env!("CARGO_PKG_VERSION");
    assert_eq!(
        run("--version"),
        format!(
            "callq {version}\nscanner kernel: {}\n",
            Kernel::detect().description()
        )
    );
    assert_eq!(run("-V"), format!("callq {version}\n"));
}
