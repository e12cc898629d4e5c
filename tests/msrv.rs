//! The declared `rust-version` is honest as far as this machine can tell: no dependency of the
//! library or the CLI declares a newer one, and the toolchain running the tests is not older.
//! (Building with the minimum toolchain itself needs that toolchain installed: `.ci/msrv.sh`
//! fetches it in CI and checks the library and the CLI with it; clippy's `incompatible_msrv`
//! lint, run with `-D warnings` in CI, flags standard library APIs newer than `rust-version`.)

use std::process::Command;

fn version(v: &str) -> (u64, u64, u64) {
    let mut parts = v.trim().split('.').map(|p| p.parse::<u64>().unwrap_or(0));
    (
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    )
}

/// The host's target triple, as `rustc -vV` says it.
fn host_triple() -> String {
    let out = Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
        .arg("-vV")
        .output()
        .expect("rustc runs");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .expect("rustc -vV names the host")
        .trim()
        .to_owned()
}

#[test]
fn no_dependency_needs_a_newer_rust_than_we_declare() {
    // Only this platform's packages: a build never downloads the others (Windows-only crates
    // on Linux), so asking for every target's would fail on a fresh cargo home. No --offline:
    // with a lock file and a warm cache cargo does not go to the network anyway, and on a
    // fresh machine it fetches the few manifests it lacks.
    let out = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--filter-platform"])
        .arg(host_triple())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let packages = meta["packages"].as_array().unwrap();
    let ours = packages.iter().find(|p| p["name"] == "callq").unwrap();
    let msrv = version(ours["rust_version"].as_str().expect("rust-version is set"));
    // Only what the library and the binary build with: normal dependencies, resolved.
    let resolve = &meta["resolve"]["nodes"];
    let mut normal = std::collections::HashSet::new();
    let mut stack = vec![ours["id"].as_str().unwrap().to_owned()];
    while let Some(id) = stack.pop() {
        if !normal.insert(id.clone()) {
            continue;
        }
        let node = resolve
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["id"] == id.as_str())
            .unwrap();
        for dep in node["deps"].as_array().unwrap() {
            let is_normal = dep["dep_kinds"]
                .as_array()
                .unwrap()
                .iter()
                .any(|k| k["kind"].is_null());
            if is_normal {
                stack.push(dep["pkg"].as_str().unwrap().to_owned());
            }
        }
    }
    let mut too_new = Vec::new();
    for p in packages {
        if normal.contains(p["id"].as_str().unwrap())
            && let Some(rv) = p["rust_version"].as_str()
            && version(rv) > msrv
        {
            too_new.push(format!("{} {} needs {rv}", p["name"], p["version"]));
        }
    }
    assert!(
        too_new.is_empty(),
        "dependencies newer than rust-version: {too_new:?}"
    );

    let rustc = Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
        .arg("--version")
        .output()
        .expect("rustc runs");
    let text = String::from_utf8_lossy(&rustc.stdout);
    let current = version(text.split_whitespace().nth(1).unwrap_or("0"));
    assert!(
        current >= msrv,
        "toolchain {text} is older than rust-version"
    );
}
