//! Parses every line of an NDJSON file with one reading and prints how many streams it found:
//! the harness for callgrind instruction counts of the parse alone (no statistics, no threads).
//!
//! `cargo build --release --example parse_lines`, then
//! `valgrind --tool=callgrind target/release/examples/parse_lines FILE analyze|full|tape`.

use callq::document::{LineParser, Reading};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(path), Some(mode)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: parse_lines FILE analyze|full|tape");
        std::process::exit(2);
    };
    let data = std::fs::read(path).expect("read the input");
    let mut parser = LineParser::new();
    let (mut streams, mut bad) = (0usize, 0usize);
    let mut start = 0;
    // memchr, so that the framing costs next to nothing next to the parse.
    for end in memchr::memchr_iter(b'\n', &data).chain([data.len()]) {
        let line = &data[start..end];
        start = end + 1;
        if line.is_empty() {
            continue;
        }
        let count = |doc: Result<callq::model::Document<'_>, _>| match doc {
            Ok(doc) => Some(
                doc.sessions()
                    .flat_map(|s| s.segments)
                    .flat_map(|g| g.media)
                    .map(|m| m.streams.len())
                    .sum::<usize>(),
            ),
            Err(_) => None,
        };
        let found = match mode.as_str() {
            "analyze" => parser.parse(line, Reading::Analyze, count),
            "full" => parser.parse(line, Reading::Full, count),
            "tape" => parser.parse_with_tape(line, Reading::Analyze, count),
            _ => panic!("mode is analyze, full or tape"),
        };
        match found {
            Some(n) => streams += n,
            None => bad += 1,
        }
    }
    println!(
        "streams {streams} bad lines {bad} tape rereads {}",
        parser.tape_rereads()
    );
}
