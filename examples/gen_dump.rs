//! Writes a corpus to stdout: `cargo run --example gen_dump -- SIZE SHAPE SEED`.
use callq::generate::{GenConfig, generate, parse_size};
fn main() {
    let a: Vec<String> = std::env::args().collect();
    let config = GenConfig {
        size: parse_size(&a[1]).expect("size"),
        shape: a[2].parse().expect("shape"),
        seed: a[3].parse().expect("seed"),
    };
    let s = generate(&config, std::io::stdout().lock()).expect("write");
    eprintln!("{s:?}");
}
