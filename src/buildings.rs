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

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;
use std::sync::Arc;

use foldhash::fast::RandomState;
use ipnet::IpNet;

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
/// fields are `None`; the text fields are shared between the rows that repeat them.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Building {
    /// The network (`NetworkIP` and `NetworkRange`), as `10.0.0.0/16`.
    pub network: IpNet,
    /// `NetworkName`.
    pub network_name: Option<Arc<str>>,
    /// `BuildingName`.
    pub building: Option<Arc<str>>,
    /// `OwnershipType`.
    pub ownership_type: Option<Arc<str>>,
    /// `BuildingType`.
    pub building_type: Option<Arc<str>>,
    /// `BuildingOfficeType`.
    pub office_type: Option<Arc<str>>,
    /// `City`.
    pub city: Option<Arc<str>>,
    /// `ZipCode`.
    pub zip_code: Option<Arc<str>>,
    /// `Country`.
    pub country: Option<Arc<str>>,
    /// `State`.
    pub state: Option<Arc<str>>,
    /// `Region`.
    pub region: Option<Arc<str>>,
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
    v4: HashMap<(u8, u32), u32, RandomState>,
    /// The IPv4 prefix lengths present, longest first.
    v4_lengths: Vec<u8>,
    v6: HashMap<(u8, u128), u32, RandomState>,
    /// The IPv6 prefix lengths present, longest first.
    v6_lengths: Vec<u8>,
    /// [`Buildings::digest`].
    digest: u64,
}

/// Calls `row` with each record of `text` and the line it starts on, RFC 4180 style with
/// `delimiter`: a field that starts with `"` runs to the closing quote (`""` is a quote;
/// delimiters and line ends inside are kept). Blank lines give no record. A line without a
/// quote is split in place; only quoted records are copied.
fn for_each_record<E>(
    text: &str,
    delimiter: char,
    mut row: impl FnMut(u64, &[Cow<'_, str>]) -> Result<(), E>,
    unclosed: impl Fn(u64, usize, String) -> E,
) -> Result<(), E> {
    let mut fields: Vec<Cow<'_, str>> = Vec::with_capacity(16);
    let mut pos = 0;
    let mut line = 1u64;
    while pos < text.len() {
        let rest = &text[pos..];
        let end = rest.find('\n').unwrap_or(rest.len());
        let raw = &rest[..end];
        let start_line = line;
        fields.clear();
        if !raw.contains('"') {
            pos += end + 1;
            line += 1;
            let raw = raw.strip_suffix('\r').unwrap_or(raw);
            if raw.trim().is_empty() {
                continue;
            }
            fields.extend(raw.split(delimiter).map(Cow::Borrowed));
        } else {
            let (used, lines) = quoted_record(rest, delimiter, &mut fields)
                .map_err(|(column, message)| unclosed(start_line, column, message))?;
            pos += used;
            line += lines;
        }
        row(start_line, &fields)?;
    }
    Ok(())
}

/// Parses the record at the start of `text`, which has a quote, into `fields`; returns the
/// bytes used (its line end included) and the lines it spans.
fn quoted_record(
    text: &str,
    delimiter: char,
    fields: &mut Vec<Cow<'_, str>>,
) -> Result<(usize, u64), (usize, String)> {
    let mut chars = text.char_indices().peekable();
    let mut field = String::new();
    let mut quoted = false;
    let mut at_field_start = true;
    let mut after_quote = false;
    let mut lines = 1;
    loop {
        let Some((i, c)) = chars.next() else {
            if quoted {
                return Err((fields.len() + 1, "unclosed quote".into()));
            }
            fields.push(Cow::Owned(field));
            return Ok((text.len(), lines));
        };
        if quoted {
            match c {
                '"' if chars.peek().map(|p| p.1) == Some('"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => {
                    quoted = false;
                    after_quote = true;
                }
                '\n' => {
                    lines += 1;
                    field.push(c);
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '\n' => {
                fields.push(Cow::Owned(field));
                return Ok((i + 1, lines));
            }
            '\r' if chars.peek().map(|p| p.1) == Some('\n') => {}
            c if c == delimiter => {
                fields.push(Cow::Owned(std::mem::take(&mut field)));
                at_field_start = true;
                after_quote = false;
            }
            '"' if at_field_start && field.trim().is_empty() => {
                field.clear();
                quoted = true;
                at_field_start = false;
            }
            ' ' if after_quote => {}
            c if after_quote => {
                return Err((
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
        let mut b = Buildings {
            digest: crate::partial::digest(bytes),
            ..Buildings::default()
        };
        // Rows repeat their city, country, region, …: each distinct text is kept once.
        let mut texts: HashSet<Arc<str>, RandomState> = HashSet::default();
        let mut intern = |value: &str| -> Option<Arc<str>> {
            let value = value.trim();
            if value.is_empty() {
                return None;
            }
            Some(match texts.get(value) {
                Some(shared) => Arc::clone(shared),
                None => {
                    let shared: Arc<str> = Arc::from(value);
                    texts.insert(Arc::clone(&shared));
                    shared
                }
            })
        };
        for_each_record(
            text,
            delimiter,
            |line, fields| {
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
                let network = IpNet::new(ip, range).expect("range checked");
                if network.network() != ip {
                    return Err(err(
                        line,
                        1,
                        format!(
                            "NetworkIP {ip} has bits set past its range /{range} (the network is {})",
                            network.network()
                        ),
                    ));
                }
                let index = b.rows.len() as u32;
                let earlier = match ip {
                    IpAddr::V4(a) => b.v4.insert((range, u32::from(a)), index),
                    IpAddr::V6(a) => b.v6.insert((range, u128::from(a)), index),
                };
                if let Some(other) = earlier {
                    return Err(err(
                        line,
                        1,
                        format!(
                            "network {network} overlaps line {}, which has the same range",
                            b.rows[other as usize].line
                        ),
                    ));
                }
                b.rows.push(Building {
                    network,
                    network_name: intern(&fields[1]),
                    building: intern(&fields[3]),
                    ownership_type: intern(&fields[4]),
                    building_type: intern(&fields[5]),
                    office_type: intern(&fields[6]),
                    city: intern(&fields[7]),
                    zip_code: intern(&fields[8]),
                    country: intern(&fields[9]),
                    state: intern(&fields[10]),
                    region: intern(&fields[11]),
                    inside_corp: flags[0],
                    express_route: flags[1],
                    vpn: flags[2],
                    line,
                });
                Ok(())
            },
            err,
        )?;
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

    /// A 64-bit digest of the file's bytes (after a UTF-8 byte-order mark), which partial
    /// reports record so that partials made with different building files are not merged
    /// ([`crate::partial::digest`]; not a cryptographic hash).
    pub fn digest(&self) -> u64 {
        self.digest
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
