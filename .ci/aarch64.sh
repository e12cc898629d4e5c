#!/usr/bin/env bash
# The structural scanner's NEON kernel (src/scan/neon.rs) on aarch64, under QEMU's user-mode
# emulation: builds the library's unit tests and the integration tests for
# aarch64-unknown-linux-gnu (debug) and runs the scanner's tests (every kernel against the
# byte-at-a-time oracle, proptests included; both NEON prefix XORs, PMULL and portable) and the
# on-demand reader's tests (its NEON string and control-byte searches) under qemu-aarch64.
# Takes 2.5-4 min with the dependencies built (142-229 s measured on 2 cores shared with other
# builds), plus about 7 min for their first aarch64 build, which is every build in CI (a clean
# checkout; 304-364 s in all there). Writes no temporary files; the build stays in
# target/aarch64-unknown-linux-gnu (about 3 GB), reused by a later run in the same tree.
# Correctness only: QEMU's timings say nothing about real aarch64 speed.
# Installs, when missing: rustup's aarch64-unknown-linux-gnu standard library, Debian's
# gcc-aarch64-linux-gnu (the linker, and zstd-sys's C code) and qemu-user.
# Usage: .ci/aarch64.sh   (from anywhere; the first build of the dependencies takes minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
target=aarch64-unknown-linux-gnu

if ! rustup target list --installed 2>/dev/null | grep -qx "$target"; then
  echo "== rustup target add $target"
  rustup target add "$target"
fi
if ! command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 || ! command -v qemu-aarch64 >/dev/null 2>&1; then
  echo "== installing gcc-aarch64-linux-gnu and qemu-user (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends gcc-aarch64-linux-gnu libc6-dev-arm64-cross \
    qemu-user >/dev/null
fi

# Only for this script's cargo: nothing here changes an x86-64 build.
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="qemu-aarch64 -L /usr/aarch64-linux-gnu"
export CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc
export AR_aarch64_unknown_linux_gnu=aarch64-linux-gnu-ar
# Proof that the tests run the NEON kernel, not the portable fallback: the emulated CPU's
# kernel, printed by the unit test `scan::tests::kernel_names` (which also fails unless
# aarch64 detects `Kernel::Neon`).
echo "== cargo test --target $target --lib scan (under qemu-aarch64)"
cargo test -q --target "$target" --lib scan -- --nocapture 2>&1 | grep -v '^$'
# The on-demand reader's two proptests on edited lines (256 cases each) take four minutes
# under emulation: skipped here (they pass there: `cargo test --target $target --test
# integration ondemand` with this script's variables); the corpus, generated-archive and
# form tests run.
echo "== cargo test --target $target --test integration scan ondemand (under qemu-aarch64)"
# (callq_version_names_the_scanner_kernel runs the binary, which the emulated test cannot
# exec without binfmt_misc: the same check is made below, through qemu-aarch64.)
cargo test -q --target "$target" --test integration -- scan ondemand \
  --skip edited_lines_read_the_same_both_ways --skip replaced_values_read_the_same_both_ways \
  --skip callq_version_names_the_scanner_kernel 2>&1 | grep -v '^$'

echo "== callq --version (under qemu-aarch64)"
version="$($CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER "${CARGO_TARGET_DIR:-target}/$target/debug/callq" --version)"
echo "$version"
grep -qE '^scanner kernel: neon(\+pmull)?$' <<<"$version" || {
  echo "callq on aarch64 did not pick the NEON kernel" >&2
  exit 1
}

echo "== aarch64 under qemu took $((SECONDS - started)) s"
