//! The CQD building file (`--buildings`): the shipped real-shaped files, every rule a file can
//! break (file, line and column named), and the longest-prefix lookup against a brute-force
//! scan of the rows.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

use callq::analyze::Analyzer;
use callq::buildings::{Building, Buildings};
use proptest::prelude::*;

use crate::util::{dims, repo_path, text};

fn parse(text: &str) -> Result<Buildings, String> {
    Buildings::parse("b.csv", text.as_bytes()).map_err(|e| e.to_string())
}

fn row(ip: &str, range: &str) -> String {
    format!("{ip},Net,{range},B,Contoso,Office,HQ,Redmond,98052,US,WA,North America,1,0,0\n")
}

#[test]
fn the_shipped_csv_and_tsv_say_the_same() {
    let csv = Buildings::load(&repo_path("corpus/buildings.csv")).unwrap();
    let tsv = Buildings::load(&repo_path("corpus/buildings.tsv")).unwrap();
    assert_eq!(csv.len(), 27);
    assert_eq!(csv.len(), tsv.len());
    for (a, b) in csv.rows().iter().zip(tsv.rows()) {
        // The TSV has 14 columns: no VPN flag.
        let mut a: Building = a.clone();
        a.vpn = false;
        assert_eq!(&a, b);
    }
    let hq = &csv.rows()[0];
    // The BOM is not part of the first field; a quoted field keeps its comma; CRLF is gone.
    assert_eq!(hq.network.to_string(), "10.0.0.0/16");
    assert_eq!(hq.building.as_deref(), Some("Contoso HQ, Building 1"));
    assert_eq!(hq.region.as_deref(), Some("North America"));
    assert!(hq.inside_corp && hq.express_route && !hq.vpn);
    let quoted = csv
        .rows()
        .iter()
        .find(|r| r.city.as_deref() == Some("Bangalore"))
        .unwrap();
    assert_eq!(
        quoted.building.as_deref(),
        Some("Prestige \"Shantiniketan\"")
    );
    assert!(csv.rows()[14].vpn, "the VPN pool row");
    // Empty fields are missing values.
    assert_eq!(csv.rows()[14].city, None);
    // Supernetting: the /24 inside the /16 wins; IPv6 rows match IPv6 addresses.
    let name = |a: &str| csv.lookup_str(a).and_then(|b| b.building.clone());
    assert_eq!(
        name("10.0.12.77").as_deref(),
        Some("Contoso HQ, Building 1 - Lab")
    );
    assert_eq!(
        name("10.0.13.77").as_deref(),
        Some("Contoso HQ, Building 1")
    );
    assert_eq!(name("2001:db8:3:1f::5").as_deref(), Some("Paddington"));
    assert_eq!(name("2001:db8:9:1f::5"), None);
    assert_eq!(name("10.16.0.1"), None);
    assert_eq!(name("::ffff:10.1.2.3").as_deref(), Some("Building 25"));
    assert_eq!(name("10.1.2.0/24").as_deref(), Some("Building 25"));
    for invalid in [
        "",
        "10.1.2",
        "10.1.2.3.4",
        "not-an-ip",
        "10.1.2.300",
        " 10.1.2.3",
    ] {
        assert_eq!(name(invalid), None, "{invalid:?}");
    }
}

#[test]
fn crlf_bom_quotes_tabs_and_blank_lines_are_accepted() {
    let text = "\u{feff}\"10.1.0.0\",\"Net, with comma\",16,\"B \"\"one\"\"\",,,,City,,US,,R,1,0\r\n\
                \r\n\
                10.2.0.0,Net,16,B2,,,,City,,US,,R,0,1,1\r\n";
    let b = parse(text).unwrap();
    assert_eq!(b.len(), 2);
    assert_eq!(b.rows()[0].network_name.as_deref(), Some("Net, with comma"));
    assert_eq!(b.rows()[0].building.as_deref(), Some("B \"one\""));
    assert_eq!(b.rows()[1].line, 3);
    let tsv = "10.1.0.0\tNet, with comma\t16\tB\t\t\t\tCity\t\tUS\t\tR\t1\t0\n";
    let b = parse(tsv).unwrap();
    assert_eq!(b.rows()[0].network_name.as_deref(), Some("Net, with comma"));
}

#[test]
fn every_broken_rule_names_the_file_line_and_column() {
    let good = row("10.0.0.0", "16");
    let cases: Vec<(String, &str)> = vec![
        (
            format!("{good}10.0.0,Net,24,B,,,,C,,US,,R,1,0\n"),
            "b.csv: line 2, column 1: NetworkIP \"10.0.0\" is not an IPv4 or IPv6 address",
        ),
        (
            row("10.1.0.0", "7"),
            "b.csv: line 1, column 3: NetworkRange 7 is outside 8-32 for an IPv4 network",
        ),
        (
            row("10.1.0.0", "33"),
            "b.csv: line 1, column 3: NetworkRange 33 is outside 8-32 for an IPv4 network",
        ),
        (
            row("2001:db8::", "129"),
            "b.csv: line 1, column 3: NetworkRange 129 is outside 8-128 for an IPv6 network",
        ),
        (
            row("10.1.0.0", "x"),
            "b.csv: line 1, column 3: NetworkRange \"x\" is not a prefix length",
        ),
        (
            "10.1.0.0,Net,16,B,,,,C,,US,,R,1\n".into(),
            "b.csv: line 1, column 14: expected 14 or 15 columns (comma-separated), found 13",
        ),
        (
            "10.1.0.0,Net,16,B,,,,C,,US,,R,1,0,0,9\n".into(),
            "b.csv: line 1, column 16: expected 14 or 15 columns (comma-separated), found 16",
        ),
        (
            "10.1.0.0,Net,16,B,,,,C,,US,,R,yes,0\n".into(),
            "b.csv: line 1, column 13: InsideCorp \"yes\" is not 0 or 1",
        ),
        (
            "10.1.0.0,Net,16,B,,,,C,,US,,R,1,0,2\n".into(),
            "b.csv: line 1, column 15: VPN \"2\" is not 0 or 1",
        ),
        (
            format!("{good}{}", row("10.0.0.0", "16")),
            "b.csv: line 2, column 1: network 10.0.0.0/16 overlaps line 1, which has the same range",
        ),
        (
            row("10.0.0.5", "24"),
            "b.csv: line 1, column 1: NetworkIP 10.0.0.5 has bits set past its range /24 (the network is 10.0.0.0)",
        ),
        (
            "10.1.0.0,\"Net,16,B,,,,C,,US,,R,1,0\n".into(),
            "b.csv: line 1, column 2: unclosed quote",
        ),
    ];
    for (file, want) in cases {
        assert_eq!(parse(&file).unwrap_err(), want, "{file:?}");
    }
    // Nested ranges are supernetting, not an overlap.
    parse(&format!("{good}{}", row("10.0.1.0", "24"))).unwrap();
}

#[test]
fn a_bad_building_file_is_a_usage_error_before_any_input_is_read() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("bad.csv");
    std::fs::write(
        &file,
        format!("{}{}", row("10.0.0.0", "16"), row("10.9.9.9", "16")),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_callq"))
        .args(["analyze", "--buildings"])
        .arg(&file)
        .args(["--by", "caller.building", "no-such-input.ndjson"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("bad.csv: line 2, column 1: NetworkIP 10.9.9.9 has bits set"),
        "{err}"
    );
    assert!(
        !err.contains("no-such-input"),
        "the input was looked at: {err}"
    );
    // A building dimension without --buildings says what is missing.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_callq"))
        .args(["analyze", "--by", "callee.city", "corpus/sample.ndjson"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--buildings FILE"));
}

#[test]
fn a_100k_row_file_loads() {
    let mut file = String::new();
    for i in 0..100_000u32 {
        let ip = Ipv4Addr::from(0x0A00_0000 | (i << 8));
        file.push_str(&row(&ip.to_string(), "24"));
    }
    let b = parse(&file).unwrap();
    assert_eq!(b.len(), 100_000);
    assert_eq!(
        b.lookup_str("10.1.134.9").unwrap().network.to_string(),
        "10.1.134.0/24"
    );
}

#[test]
fn invalid_endpoint_addresses_are_a_missing_building_not_an_error() {
    let line = r#"{"value":[{"segments":[{"media":[{"label":"main-audio","callerNetwork":{"subnet":"garbage","ipAddress":"10.0.12.9"},"calleeNetwork":{"subnet":"10.999.0.0","ipAddress":"also garbage"},"streams":[{"streamDirection":"callerToCallee"}]}]}]}]}"#;
    let b = Arc::new(Buildings::load(&repo_path("corpus/buildings.csv")).unwrap());
    let report = Analyzer::new()
        .group_by(dims("caller.building,callee.building"))
        .buildings(b)
        .analyze_bytes("x.ndjson", line.as_bytes())
        .unwrap();
    assert_eq!(report.input.bad_lines, 0);
    // The caller's subnet is not an address: its ipAddress decides.
    assert_eq!(
        report.groups[0].key,
        vec![Some("Contoso HQ, Building 1 - Lab".to_string()), None]
    );
}

/// The longest of the rows' ranges that holds `addr`, by looking at every row.
fn brute_force(rows: &[(IpAddr, u8)], addr: IpAddr) -> Option<(IpAddr, u8)> {
    rows.iter()
        .filter(|(net, len)| match (net, addr) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX << (32 - u32::from(*len));
                u32::from(*n) == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = if *len == 128 {
                    u128::MAX
                } else {
                    u128::MAX << (128 - u32::from(*len))
                };
                u128::from(*n) == u128::from(a) & mask
            }
            _ => false,
        })
        .max_by_key(|(_, len)| *len)
        .copied()
}

fn masked_v4(bits: u32, len: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::from(bits & (u32::MAX << (32 - u32::from(len)))))
}

fn masked_v6(bits: u128, len: u8) -> IpAddr {
    let mask = if len == 128 {
        u128::MAX
    } else {
        u128::MAX << (128 - u32::from(len))
    };
    IpAddr::V6(Ipv6Addr::from(bits & mask))
}

/// Addresses near the rows' networks (so that most lookups hit something), and random ones.
fn probes(rows: &[(IpAddr, u8)], noise: &[u128]) -> Vec<IpAddr> {
    let mut out = Vec::new();
    for (i, (net, _)) in rows.iter().enumerate() {
        let n = noise[i % noise.len()];
        out.push(match net {
            IpAddr::V4(a) => IpAddr::V4(Ipv4Addr::from(u32::from(*a) ^ (n as u32 & 0xFFFF))),
            IpAddr::V6(a) => IpAddr::V6(Ipv6Addr::from(u128::from(*a) ^ (n & 0xFFFF_FFFF))),
        });
    }
    for &n in noise {
        out.push(IpAddr::V4(Ipv4Addr::from(n as u32)));
        out.push(IpAddr::V6(Ipv6Addr::from(n)));
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Random prefixes of both families (few distinct high bits, so that ranges nest) and
    /// random addresses: the lookup finds what a scan of every row finds.
    #[test]
    fn lookup_is_the_longest_containing_range(
        v4 in prop::collection::vec((0u32..16, any::<u32>(), 8u8..=32), 0..60),
        v6 in prop::collection::vec((0u128..16, any::<u128>(), 8u8..=128), 0..60),
        noise in prop::collection::vec(any::<u128>(), 1..40),
    ) {
        let mut rows: Vec<(IpAddr, u8)> = Vec::new();
        for (high, low, len) in v4 {
            let net = masked_v4((high << 28) | (low >> 4), len);
            if !rows.contains(&(net, len)) {
                rows.push((net, len));
            }
        }
        for (high, low, len) in v6 {
            let net = masked_v6((high << 124) | (low >> 4), len);
            if !rows.contains(&(net, len)) {
                rows.push((net, len));
            }
        }
        let file: String = rows.iter().map(|(ip, len)| row(&ip.to_string(), &len.to_string())).collect();
        let b = parse(&file).unwrap();
        prop_assert_eq!(b.len(), rows.len());
        for addr in probes(&rows, &noise) {
            let want = brute_force(&rows, addr).map(|(ip, len)| format!("{ip}/{len}"));
            let got = b.lookup(addr).map(|r| r.network.to_string());
            // ipnet writes IPv6 networks compressed, as Ipv6Addr's Display does.
            prop_assert_eq!(got, want, "{}", addr);
        }
    }
}
