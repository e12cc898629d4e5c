//! The end-to-end typed baseline of issue 18 as a program, for side-by-side runs with
//! `callq analyze --threads 1 --by direction,label`: a mapped NDJSON file, each line into
//! borrowed typed structs of the analyze subset (sonic-rs or serde_json), streams grouped by
//! direction × label, count/mean/min/max and exact p50/p90/p99 of ten metrics, printed as
//! JSON.
//!
//! `cargo build --release --example typed_baseline`, then
//! `target/release/examples/typed_baseline sonic|serde FILE`.

#[path = "../benches/common/serde_model.rs"]
#[allow(dead_code)]
mod serde_model;

#[path = "../benches/common/baseline.rs"]
#[allow(dead_code)]
mod baseline;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(which), Some(path)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: typed_baseline sonic|serde FILE");
        std::process::exit(2);
    };
    let parse: baseline::Parse = match which.as_str() {
        "sonic" => baseline::sonic,
        "serde" => baseline::serde,
        _ => {
            eprintln!("usage: typed_baseline sonic|serde FILE");
            std::process::exit(2);
        }
    };
    let file = std::fs::File::open(path).expect("open the input");
    // SAFETY: the file is only read, and nothing else in this program writes it; a file
    // truncated by another process while mapped is outside what this benchmark supports.
    let map = unsafe { memmap2::Mmap::map(&file) }.expect("map the input");
    let report = baseline::run(&map, parse);
    let mut out = String::from("{\"streams\":");
    out += &report.streams.to_string();
    out += ",\"groups\":[";
    for (i, ((direction, label), metrics)) in report.groups.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out += &format!("{{\"direction\":{direction:?},\"label\":{label:?}");
        for ((name, _), m) in baseline::METRICS.iter().zip(metrics) {
            out += &format!(
                ",\"{name}\":{{\"count\":{},\"mean\":{},\"min\":{},\"max\":{},\"p50\":{},\"p90\":{},\"p99\":{}}}",
                m.count, m.mean, m.min, m.max, m.p50, m.p90, m.p99
            );
        }
        out.push('}');
    }
    out += "]}";
    println!("{out}");
}
