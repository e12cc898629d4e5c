//! The structural scanner (`callq::scan`) as a building block for another reader: lists the
//! session ids of an NDJSON archive of session pages (`value[*].id`) and counts each session's
//! segments, without building anything else: every other member is skipped whole, 64 bytes a
//! step (the scanner finds structure; it does not validate JSON: run `callq check` for that).
//!
//! `cargo run --release --example scan_sessions -- corpus/sample.ndjson`

use callq::scan::Scanner;

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: scan_sessions FILE.ndjson");
        std::process::exit(2);
    };
    let data = match std::fs::read(&path) {
        Ok(data) => data,
        Err(e) => {
            eprintln!("scan_sessions: cannot read {path}: {e}");
            std::process::exit(2);
        }
    };
    let scanner = Scanner::new();
    let (mut sessions, mut odd_lines) = (0u64, 0u64);
    for (n, line) in data.split(|&b| b == b'\n').enumerate() {
        let line = line.trim_ascii();
        if line.is_empty() {
            continue;
        }
        let Some(value) = scanner.find_key(line, 0, b"value") else {
            odd_lines += 1;
            continue;
        };
        for session in scanner.elements(line, value) {
            let id = scanner
                .find_key(line, session.start, b"id")
                .and_then(|at| Some(&line[at..scanner.skip_value(line, at)?]));
            let segments = scanner
                .find_key(line, session.start, b"segments")
                .map_or(0, |at| scanner.elements(line, at).count());
            println!(
                "line {}: session {} with {segments} segments",
                n + 1,
                id.map_or("(no id)".into(), String::from_utf8_lossy)
            );
            sessions += 1;
        }
    }
    eprintln!(
        "{sessions} sessions; {odd_lines} lines without a `value` array; kernel: {}",
        scanner.kernel().name()
    );
}
