//! The property table's `analyze` marks cover what `callq analyze` uses (the contract: "every
//! property that a dimension or a metric or the classifier uses, whatever `--by` is"). If a
//! property a dimension, a metric or the classifier uses were marked `full` in
//! `src/properties.rs`, `Reading::Analyze` would leave it `None` while `Reading::Full` reads it,
//! and the two reports below would differ.

use std::sync::Arc;

use callq::analyze::{Analyzer, Dimension};
use callq::buildings::Buildings;
use callq::classify::Classifier;
use callq::document::Reading;
use callq::generate::{GenConfig, Shape, generate};
use callq::report::analyze_json;

fn corpus(shape: Shape) -> Vec<u8> {
    let mut out = Vec::new();
    let config = GenConfig {
        seed: 11,
        size: 400_000,
        shape,
    };
    generate(&config, &mut out).expect("generate into memory");
    out
}

#[test]
fn analyze_reads_everything_analyze_uses() {
    let data = corpus(Shape::Mixed);
    let buildings = Arc::new(
        Buildings::load(&crate::util::repo_path("corpus/buildings.csv")).expect("the sample"),
    );
    for classifier in [Classifier::Current, Classifier::Cqd2020] {
        for name in Dimension::NAMES {
            let dim = Dimension::parse(name).unwrap();
            let report = |reading| {
                let analyzer = Analyzer::new()
                    .group_by(vec![dim])
                    .classifier(classifier)
                    .reading(reading);
                let analyzer = if dim.needs_buildings() {
                    analyzer.buildings(buildings.clone())
                } else {
                    analyzer
                };
                analyzer.analyze_bytes("mixed.ndjson", &data).unwrap()
            };
            let (analyzed, full) = (report(Reading::Analyze), report(Reading::Full));
            assert_eq!(
                analyze_json(&analyzed),
                analyze_json(&full),
                "--by {name}, {classifier:?}"
            );
            // The corpus exercises the dimension: more than one value, so more than one group.
            // (Except caller.kind: the generator's callers are all participants; callee.kind,
            // sender.kind and receiver.kind see both kinds.)
            assert!(
                full.groups.len() > 1 || name == "caller.kind",
                "--by {name}: one group only"
            );
        }
    }
}
