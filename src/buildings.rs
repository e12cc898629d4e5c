//! The CQD building data file (`--buildings`): networks → buildings, by longest-prefix match.
//!
//! The file is the one a tenant uploads to the Call Quality Dashboard: CSV or TSV (told apart
//! by its first line: a tab makes it TSV), no header, one network per row, 14 or 15 columns:
//!
//! ```text
//! NetworkIP, NetworkName, NetworkRange, BuildingName, OwnershipType, BuildingType,
//! BuildingOfficeType, City, ZipCode, Country, State, Region, InsideCorp, ExpressRoute[, VPN]
//! ```
//!
//! A UTF-8 byte-order mark, CRLF line ends, blank lines and RFC 4180 quoted fields (`"a, b"`,
//! `""` for a quote, in either delimiter) are accepted; fields are trimmed of spaces.
//! `NetworkIP` is an IPv4 or IPv6 network address, `NetworkRange` its prefix length (8–32 for
//! IPv4, 8–128 for IPv6), and the flags `0` or `1`. A network address with bits set past its
//! prefix (`10.0.0.5` with range 24) is an error, as is the same network on two rows; a range
//! inside another (supernetting: a /24 inside a /16) is allowed, and the longer one wins.
//!
//! Lookups probe, from the longest prefix length present in the file to the shortest, a hash
//! map keyed by (length, masked address): at most 25 probes for IPv4 and 121 for IPv6, whatever
//! the number of rows.
//!
//! ```
//! use callq::buildings::Buildings;
//!
//! let file = "10.0.0.0,HQ,16,Building 1,,,,Seattle,,US,WA,North America,1,0\n\
//!             10.0.7.0,HQ lab,24,Building 1 Lab,,,,Seattle,,US,WA,North America,1,0\n";
//! let b = Buildings::parse("b.csv", file.as_bytes()).unwrap();
//! assert_eq!(b.lookup_str("10.0.7.9").unwrap().building.as_deref(), Some("Building 1 Lab"));
//! assert_eq!(b.lookup_str("10.0.8.0").unwrap().building.as_deref(), Some("Building 1"));
//! assert!(b.lookup_str("10.1.0.1").is_none());
//! assert!(b.lookup_str("not an address").is_none());
//! let err = Buildings::parse("b.csv", b"10.0.0.0,HQ,40,B,,,,C,,US,,R,1,0\n").unwrap_err();
//! assert_eq!(err.to_string(), "b.csv: line 1, column 3: NetworkRange 40 is outside 8-32 for an IPv4 network");
//! ```

use std::collections::HashMap;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;

use ipnet::{Ipv4Net, Ipv6Net};

/// The columns of a building file, in order (1-based column = index + 1).
pub const COLUMNS: [&str; 15] = [
    "NetworkIP",
    "NetworkName",
    "NetworkRange",
    "BuildingName",
    "OwnershipType",
    "BuildingType",
    "BuildingOfficeType",
    "City",
    "ZipCode",
    "Country",
    "State",
    "Region",
    "InsideCorp",
    "ExpressRoute",
    "VPN",
];

/// One row of the building file: what a network tells about where an endpoint is. Empty
/// fields are `None`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Building {
    /// The network, as `10.0.0.0/16`.
    pub network: String,
    /// `NetworkName`.
    pub network_name: Option<String>,
    /// `BuildingName`.
    pub building: Option<String>,
    /// `OwnershipType`.
    pub ownership_type: Option<String>,
    /// `BuildingType`.
    pub building_type: Option<String>,
    /// `BuildingOfficeType`.
    pub office_type: Option<String>,
    /// `City`.
    pub city: Option<String>,
    /// `ZipCode`.
    pub zip_code: Option<String>,
    /// `Country`.
    pub country: Option<String>,
    /// `State`.
    pub state: Option<String>,
    /// `Region`.
    pub region: Option<String>,
    /// `InsideCorp`.
    pub inside_corp: bool,
    /// `ExpressRoute`.
    pub express_route: bool,
    /// `VPN` (`false` when the file has 14 columns).
    pub vpn: bool,
    /// The 1-based line the row starts on.
    pub line: u64,
}

/// A building file that breaks the rules: where, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuildingsError {
    /// The file as named.
    pub file: String,
    /// 1-based line (0 when the file could not be read at all).
    pub line: u64,
    /// 1-based column (0 when the error is not about one column).
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for BuildingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (0, _) => write!(f, "{}: {}", self.file, self.message),
            (l, 0) => write!(f, "{}: line {l}: {}", self.file, self.message),
            (l, c) => write!(f, "{}: line {l}, column {c}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for BuildingsError {}

/// The networks of a building file, for longest-prefix lookups.
#[derive(Clone, Debug, Default)]
pub struct Buildings {
    rows: Vec<Building>,
    v4: HashMap<(u8, u32), u32>,
    /// The IPv4 prefix lengths present, longest first.
    v4_lengths: Vec<u8>,
    v6: HashMap<(u8, u128), u32>,
    /// The IPv6 prefix lengths present, longest first.
    v6_lengths: Vec<u8>,
}

/// Splits `text` into records of fields, RFC 4180 style with `delimiter`: a field that starts
/// with `"` runs to the closing quote (`""` is a quote; delimiters and line ends inside are
/// kept). Each record comes with the line it starts on; blank lines give no record.
fn records(text: &str, delimiter: char) -> Result<Vec<(u64, Vec<String>)>, (u64, usize, String)> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1u64;
    while chars.peek().is_some() {
        let start = line;
        let mut fields = Vec::new();
        let mut field = String::new();
        let mut quoted = false;
        let mut at_field_start = true;
        let mut after_quote = false;
        loop {
            let Some(c) = chars.next() else {
                if quoted {
                    return Err((start, fields.len() + 1, "unclosed quote".into()));
                }
                break;
            };
            if quoted {
                match c {
                    '"' if chars.peek() == Some(&'"') => {
                        chars.next();
                        field.push('"');
                    }
                    '"' => {
                        quoted = false;
                        after_quote = true;
                    }
                    '\n' => {
                        line += 1;
                        field.push(c);
                    }
                    _ => field.push(c),
                }
                continue;
            }
            match c {
                '\n' => {
                    line += 1;
                    break;
                }
                '\r' if chars.peek() == Some(&'\n') => {}
                c if c == delimiter => {
                    fields.push(std::mem::take(&mut field));
                    at_field_start = true;
                    after_quote = false;
                }
                '"' if at_field_start && field.trim().is_empty() => {
                    field.clear();
                    quoted = true;
                    at_field_start = false;
                }
                c if after_quote && c == ' ' => {}
                c if after_quote => {
                    return Err((
                        start,
                        fields.len() + 1,
                        format!("unexpected {c:?} after a closing quote"),
                    ));
                }
                c => {
                    field.push(c);
                    at_field_start = false;
                }
            }
        }
        fields.push(field);
        let blank = fields.len() == 1 && fields[0].trim().is_empty() && !after_quote;
        if !blank {
            out.push((start, fields));
        }
    }
    Ok(out)
}

fn flag(value: &str) -> Option<bool> {
    match value {
        "0" => Some(false),
        "1" => Some(true),
        _ => None,
    }
}

impl Buildings {
    /// Reads a building file.
    pub fn load(path: &Path) -> Result<Buildings, BuildingsError> {
        let name = path.to_string_lossy().into_owned();
        let bytes = std::fs::read(path).map_err(|e| BuildingsError {
            file: name.clone(),
            line: 0,
            column: 0,
            message: format!("cannot read the building file: {e}"),
        })?;
        Buildings::parse(&name, &bytes)
    }

    /// Parses a building file's bytes; `name` names it in errors.
    pub fn parse(name: &str, bytes: &[u8]) -> Result<Buildings, BuildingsError> {
        let err = |line: u64, column: usize, message: String| BuildingsError {
            file: name.to_owned(),
            line,
            column,
            message,
        };
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let text = std::str::from_utf8(bytes).map_err(|e| {
            let line = 1 + bytes[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
            err(line as u64, 0, "not UTF-8 text".into())
        })?;
        let first_line = text.split('\n').next().unwrap_or("");
        let delimiter = if first_line.contains('\t') { '\t' } else { ',' };
        let records = records(text, delimiter).map_err(|(l, c, m)| err(l, c, m))?;
        let mut b = Buildings::default();
        let mut first_row: HashMap<IpAddr, Vec<(u8, u64)>> = HashMap::new();
        for (line, fields) in records {
            let n = fields.len();
            if n != 14 && n != 15 {
                let column = if n > 15 { 16 } else { n + 1 };
                return Err(err(
                    line,
                    column,
                    format!(
                        "expected 14 or 15 columns ({}), found {n}",
                        if delimiter == '\t' {
                            "tab-separated"
                        } else {
                            "comma-separated"
                        }
                    ),
                ));
            }
            let field = |i: usize| fields[i].trim();
            let text = |i: usize| {
                let v = field(i);
                (!v.is_empty()).then(|| v.to_owned())
            };
            let ip: IpAddr = field(0).parse().map_err(|_| {
                err(
                    line,
                    1,
                    format!("NetworkIP {:?} is not an IPv4 or IPv6 address", field(0)),
                )
            })?;
            let range: u8 = field(2).parse().map_err(|_| {
                err(
                    line,
                    3,
                    format!("NetworkRange {:?} is not a prefix length", field(2)),
                )
            })?;
            let (family, max) = match ip {
                IpAddr::V4(_) => ("IPv4", 32),
                IpAddr::V6(_) => ("IPv6", 128),
            };
            if !(8..=max).contains(&range) {
                return Err(err(
                    line,
                    3,
                    format!("NetworkRange {range} is outside 8-{max} for an {family} network"),
                ));
            }
            let mut flags = [false; 3];
            for (k, slot) in flags.iter_mut().enumerate().take(n - 12) {
                *slot = flag(field(12 + k)).ok_or_else(|| {
                    err(
                        line,
                        13 + k,
                        format!("{} {:?} is not 0 or 1", COLUMNS[12 + k], field(12 + k)),
                    )
                })?;
            }
            let index = b.rows.len() as u32;
            let network = match ip {
                IpAddr::V4(a) => {
                    let net = Ipv4Net::new(a, range).expect("range checked");
                    if net.network() != a {
                        return Err(err(
                            line,
                            1,
                            format!(
                                "NetworkIP {a} has bits set past its range /{range} (the network is {})",
                                net.network()
                            ),
                        ));
                    }
                    b.v4.insert((range, u32::from(a)), index);
                    net.to_string()
                }
                IpAddr::V6(a) => {
                    let net = Ipv6Net::new(a, range).expect("range checked");
                    if net.network() != a {
                        return Err(err(
                            line,
                            1,
                            format!(
                                "NetworkIP {a} has bits set past its range /{range} (the network is {})",
                                net.network()
                            ),
                        ));
                    }
                    b.v6.insert((range, u128::from(a)), index);
                    net.to_string()
                }
            };
            let earlier = first_row.entry(ip).or_default();
            if let Some(&(_, other)) = earlier.iter().find(|(r, _)| *r == range) {
                return Err(err(
                    line,
                    1,
                    format!("network {network} overlaps line {other}, which has the same range"),
                ));
            }
            earlier.push((range, line));
            b.rows.push(Building {
                network,
                network_name: text(1),
                building: text(3),
                ownership_type: text(4),
                building_type: text(5),
                office_type: text(6),
                city: text(7),
                zip_code: text(8),
                country: text(9),
                state: text(10),
                region: text(11),
                inside_corp: flags[0],
                express_route: flags[1],
                vpn: flags[2],
                line,
            });
        }
        let lengths = |keys: Vec<u8>| {
            let mut l = keys;
            l.sort_unstable_by(|a, c| c.cmp(a));
            l.dedup();
            l
        };
        b.v4_lengths = lengths(b.v4.keys().map(|k| k.0).collect());
        b.v6_lengths = lengths(b.v6.keys().map(|k| k.0).collect());
        Ok(b)
    }

    /// The rows, in file order.
    pub fn rows(&self) -> &[Building] {
        &self.rows
    }

    /// How many networks the file lists.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the file lists no network.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The building of the longest range containing `addr`.
    pub fn lookup(&self, addr: IpAddr) -> Option<&Building> {
        match addr {
            IpAddr::V4(a) => self.lookup_v4(a),
            IpAddr::V6(a) => match a.to_ipv4_mapped() {
                Some(v4) => self.lookup_v4(v4),
                None => self.lookup_v6(a),
            },
        }
    }

    fn lookup_v4(&self, a: Ipv4Addr) -> Option<&Building> {
        let bits = u32::from(a);
        self.v4_lengths.iter().find_map(|&len| {
            let masked = bits & (u32::MAX << (32 - u32::from(len)));
            self.v4.get(&(len, masked)).map(|&i| &self.rows[i as usize])
        })
    }

    fn lookup_v6(&self, a: Ipv6Addr) -> Option<&Building> {
        let bits = u128::from(a);
        self.v6_lengths.iter().find_map(|&len| {
            let masked = if len == 128 {
                bits
            } else {
                bits & (u128::MAX << (128 - u32::from(len)))
            };
            self.v6.get(&(len, masked)).map(|&i| &self.rows[i as usize])
        })
    }

    /// The building of an address written as text (`10.1.2.3`, `2001:db8::1`, or a network
    /// `10.1.2.0/24`, taken by its address); `None` for text that is not an address.
    pub fn lookup_str(&self, text: &str) -> Option<&Building> {
        self.lookup(parse_address(text)?)
    }
}

/// An endpoint address as Graph writes it: an IPv4 or IPv6 address, or a network in CIDR form
/// (its address). `None` for anything else.
pub fn parse_address(text: &str) -> Option<IpAddr> {
    if let Ok(a) = text.parse::<IpAddr>() {
        return Some(a);
    }
    text.parse::<ipnet::IpNet>().ok().map(|n| n.addr())
}
