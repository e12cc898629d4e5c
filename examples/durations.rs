//! The ISO-8601 duration parser on its own.
//!
//! `cargo run --example durations -- PT0.016S -PT1M2.5S P1DT2H P1Y`

use callq::duration::Duration;

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() {
        args = [
            "PT0S", "PT0.016S", "PT1M0.5S", "-PT0.5S", "P1DT2H", "P2W", "PT1.S", "P1Y", "PT1,5S",
        ]
        .map(String::from)
        .to_vec();
    }
    for s in &args {
        match Duration::parse(s) {
            Ok(d) => println!(
                "{s:>16}  = {:>20} ns = {:>14} ms  (canonical {d})",
                d.as_nanos(),
                d.as_millis_f64()
            ),
            Err(e) => println!("{s:>16}  rejected: {e}"),
        }
    }
}
