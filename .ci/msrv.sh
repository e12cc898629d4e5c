#!/usr/bin/env bash
# The declared `rust-version` builds: check the library and the CLI with that toolchain.
# (tests/msrv.rs checks what it can without it: no dependency declares a newer one.)
# About 1 min on 2 cores (54 s measured): the toolchain download, then a `cargo check` of
# every dependency.
set -euo pipefail
cd "$(dirname "$0")/.."
msrv="$(sed -n 's/^rust-version = "\(.*\)"/\1/p' Cargo.toml)"
installed_here=0
if ! rustup run "$msrv" rustc --version >/dev/null 2>&1; then
  rustup toolchain install "$msrv" --profile minimal
  installed_here=1
fi
target="$(mktemp -d)"
cleanup() {
  rm -rf "$target"
  if [ "$installed_here" = 1 ]; then rustup toolchain uninstall "$msrv" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT
CARGO_TARGET_DIR="$target" cargo "+$msrv" check --locked --lib --bins
echo "rust-version $msrv: the library and the CLI build"
