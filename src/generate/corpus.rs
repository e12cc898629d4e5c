//! The documents: pages of sessions, callRecords and pages of callRecords, down to sessions,
//! segments and media (the streams, networks and devices are in `quality`).

use super::people::{write_endpoint, write_identity_set, write_participant};
use super::quality::{StreamSpec, write_device, write_network, write_stream};
use super::rng::Rng;
use super::vocab::{MEDIA_LABELS, MediaKind};
use super::write::{
    TICKS_PER_DAY, TICKS_PER_SEC, TsStyle, key, qs, sep, write_guid, write_guid_raw, write_i64,
    write_ts, write_u64,
};
use super::{LineSummary, Shape};

/// Start of the time window: 2024-01-01T00:00:00Z in ticks since the Unix epoch.
const EPOCH_2024: i64 = 19_723 * TICKS_PER_DAY;
/// Records are spread over this many days.
const WINDOW_DAYS: i64 = 183;
/// Stop adding sessions to a line beyond this many bytes.
const LINE_BUDGET: usize = 420_000;

/// The record whose session pages are being written (shape `sessions`).
#[derive(Clone, Debug)]
struct Record {
    id: (u64, u64),
    start: i64,
    end: i64,
    tenant: (u64, u64),
    /// Seeds of the participants of the record.
    people: [u64; 8],
    npeople: usize,
    group: bool,
    beta: bool,
    expand_segments: bool,
    page: u32,
    pages: u32,
}

/// Line-at-a-time corpus generator; [`generate`](fn@super::generate) is built on it.
///
/// ```
/// use callq::generate::{Generator, Shape};
///
/// let mut g = Generator::new(7, Shape::Mixed);
/// let mut buf = Vec::new();
/// let line = g.next_line(&mut buf);
/// assert_eq!(line.bytes, buf.len() as u64);
/// assert_eq!(buf.last(), Some(&b'\n'));
/// ```
#[derive(Clone, Debug)]
pub struct Generator {
    rng: Rng,
    shape: Shape,
    pending: Option<Record>,
    stream_id: u64,
    sum: LineSummary,
}

impl Generator {
    /// A generator of lines of `shape`, fully determined by `seed`.
    pub fn new(seed: u64, shape: Shape) -> Generator {
        Generator {
            rng: Rng::new(seed),
            shape,
            pending: None,
            stream_id: 1_000_000_000 + (seed % 1_000_000_000),
            sum: LineSummary::default(),
        }
    }

    /// Appends one line (one JSON document and `'\n'`) to `buf` and says what it holds.
    pub fn next_line(&mut self, buf: &mut Vec<u8>) -> LineSummary {
        let start = buf.len();
        self.sum = LineSummary::default();
        let shape = match self.shape {
            Shape::Mixed => {
                if self.pending.is_some() {
                    Shape::Sessions
                } else {
                    self.rng.pick(&[
                        (55, Shape::Sessions),
                        (30, Shape::CallRecord),
                        (15, Shape::CallRecordsPage),
                    ])
                }
            }
            s => s,
        };
        match shape {
            Shape::CallRecord => self.call_record_line(buf, start),
            Shape::CallRecordsPage => self.call_records_page(buf, start),
            _ => self.sessions_page(buf, start),
        }
        buf.push(b'\n');
        let mut s = self.sum;
        s.bytes = (buf.len() - start) as u64;
        s
    }

    fn new_record(&mut self) -> Record {
        let r = &mut self.rng;
        let start = EPOCH_2024 + r.below((WINDOW_DAYS * TICKS_PER_DAY) as u64) as i64;
        let secs = r.lognormal(900.0, 1.1).clamp(3.0, 30.0 * 3600.0);
        let end = start + (secs * TICKS_PER_SEC as f64) as i64;
        let npeople = if r.chance(450) {
            2
        } else {
            r.range(3, 8) as usize
        };
        let mut people = [0u64; 8];
        for p in people.iter_mut() {
            *p = r.next();
        }
        let tenant_pick = r.below(4);
        Record {
            id: (r.next(), r.next()),
            start,
            end,
            tenant: (
                0xdc36_8399_474c_4d40 ^ tenant_pick,
                0x900c_6265_431f_d81f ^ (tenant_pick << 7),
            ),
            people,
            npeople,
            group: npeople > 2 || r.chance(100),
            beta: r.chance(200),
            expand_segments: !r.chance(30),
            page: 0,
            pages: if r.chance(700) {
                1
            } else {
                r.range(2, 5) as u32
            },
        }
    }

    /// How many sessions a page holds: 1 to 60, skewed toward few.
    fn session_count(&mut self) -> u32 {
        (self.rng.lognormal(3.0, 1.0) as u32).clamp(1, 60)
    }

    fn graph_base(b: &mut Vec<u8>, beta: bool) {
        b.extend_from_slice(if beta {
            b"https://graph.microsoft.com/beta/"
        } else {
            b"https://graph.microsoft.com/v1.0/"
        });
    }

    fn sessions_page(&mut self, b: &mut Vec<u8>, start: usize) {
        let mut rec = match self.pending.take() {
            Some(r) => r,
            None => self.new_record(),
        };
        b.extend_from_slice(b"{\"@odata.context\":\"");
        Self::graph_base(b, rec.beta);
        b.extend_from_slice(b"$metadata#communications/callRecords('");
        write_guid_raw(b, rec.id.0, rec.id.1);
        b.extend_from_slice(if rec.expand_segments {
            b"')/sessions(segments())\""
        } else {
            b"')/sessions\""
        });
        b.extend_from_slice(b",\"value\":[");
        let n = self.session_count();
        for _ in 0..n {
            self.session(b, &rec);
            if b.len() - start > LINE_BUDGET {
                break;
            }
        }
        b.push(b']');
        rec.page += 1;
        if rec.page < rec.pages {
            b.extend_from_slice(b",\"@odata.nextLink\":\"");
            Self::graph_base(b, rec.beta);
            b.extend_from_slice(b"communications/callRecords('");
            write_guid_raw(b, rec.id.0, rec.id.1);
            b.extend_from_slice(if rec.expand_segments {
                b"')/sessions?$expand=segments&$skiptoken="
            } else {
                b"')/sessions?$skiptoken="
            });
            write_guid_raw(b, self.rng.next(), rec.page as u64);
            b.push(b'"');
            self.pending = Some(rec);
        }
        b.push(b'}');
    }

    fn call_record_line(&mut self, b: &mut Vec<u8>, start: usize) {
        let mut rec = self.new_record();
        rec.expand_segments = true;
        b.push(b'{');
        key(b, b"\"@odata.context\":\"");
        Self::graph_base(b, rec.beta);
        b.extend_from_slice(
            b"$metadata#communications/callRecords(sessions(segments()))/$entity\"",
        );
        self.call_record_body(b, &rec, start, true);
        b.push(b'}');
    }

    fn call_records_page(&mut self, b: &mut Vec<u8>, start: usize) {
        let beta = self.rng.chance(200);
        b.extend_from_slice(b"{\"@odata.context\":\"");
        Self::graph_base(b, beta);
        b.extend_from_slice(
            b"$metadata#communications/callRecords(sessions(segments()))\",\"value\":[",
        );
        let n = (self.rng.lognormal(2.0, 1.0) as u32).clamp(1, 50);
        for _ in 0..n {
            let mut rec = self.new_record();
            rec.beta = beta;
            rec.expand_segments = true;
            sep(b);
            b.push(b'{');
            self.call_record_body(b, &rec, start, false);
            b.push(b'}');
            if b.len() - start > LINE_BUDGET {
                break;
            }
        }
        b.push(b']');
        if self.rng.chance(600) {
            b.extend_from_slice(b",\"@odata.nextLink\":\"");
            Self::graph_base(b, beta);
            b.extend_from_slice(
                b"communications/callRecords?$expand=sessions($expand=segments)&$skiptoken=",
            );
            write_guid_raw(b, self.rng.next(), self.rng.next());
            b.push(b'"');
        }
        b.push(b'}');
    }

    /// The members of a callRecord (without braces), sessions included.
    fn call_record_body(&mut self, b: &mut Vec<u8>, rec: &Record, start: usize, single: bool) {
        let r = &mut self.rng;
        let ts = ts_style(r);
        key(b, b"\"id\":");
        write_guid(b, rec.id.0, rec.id.1);
        key(b, b"\"version\":");
        let version = r.range(1, 6);
        if r.chance(30) {
            b.push(b'"');
            write_i64(b, version);
            b.push(b'"');
        } else {
            write_i64(b, version);
        }
        key(b, b"\"type\":");
        qs(
            b,
            if rec.group {
                b"groupCall"
            } else {
                r.pick(&[
                    (900, &b"peerToPeer"[..]),
                    (80, b"unknown"),
                    (20, b"unknownFutureValue"),
                ])
            },
        );
        key(b, b"\"modalities\":");
        write_modalities(b, r);
        key(b, b"\"lastModifiedDateTime\":");
        write_ts(
            b,
            rec.end + r.range(60, 3 * 3600) * TICKS_PER_SEC + r.range(0, 9_999_999),
            ts,
        );
        key(b, b"\"startDateTime\":");
        write_ts(b, rec.start, ts);
        key(b, b"\"endDateTime\":");
        write_ts(b, rec.end, ts);
        key(b, b"\"joinWebUrl\":");
        if rec.group && !r.chance(200) {
            b.extend_from_slice(b"\"https://teams.microsoft.com/l/meetup-join/19%3ameeting_");
            write_guid_raw(b, rec.id.1, rec.id.0);
            b.extend_from_slice(b"%40thread.v2/0?context=%7b%22Tid%22%3a%22");
            write_guid_raw(b, rec.tenant.0, rec.tenant.1);
            b.extend_from_slice(b"%22%7d\"");
        } else {
            b.extend_from_slice(b"null");
        }
        key(b, b"\"organizer\":");
        write_identity_set(b, rec.people[0], rec.tenant, false);
        key(b, b"\"participants\":[");
        for &p in &rec.people[..rec.npeople] {
            sep(b);
            write_identity_set(b, p, rec.tenant, false);
        }
        b.push(b']');
        if self.rng.chance(350) {
            let r = &mut self.rng;
            key(b, b"\"organizer_v2@odata.context\":\"");
            Self::graph_base(b, rec.beta);
            b.extend_from_slice(b"$metadata#communications/callRecords('");
            write_guid_raw(b, rec.id.0, rec.id.1);
            b.extend_from_slice(b"')/organizer_v2/$entity\"");
            key(b, b"\"organizer_v2\":");
            write_participant(b, r, rec.people[0], rec.tenant);
            key(b, b"\"participants_v2\":[");
            for &p in &rec.people[..rec.npeople] {
                sep(b);
                write_participant(b, r, p, rec.tenant);
            }
            b.push(b']');
        }
        if self.rng.chance(50) {
            key(
                b,
                b"\"x-debug\":{\"a\":[1,2],\"build\":\"2024.18.3\",\"ok\":true,\"n\":null}",
            );
        }
        key(b, b"\"sessions@odata.context\":\"");
        Self::graph_base(b, rec.beta);
        b.extend_from_slice(b"$metadata#communications/callRecords('");
        write_guid_raw(b, rec.id.0, rec.id.1);
        b.extend_from_slice(b"')/sessions(segments())\"");
        key(b, b"\"sessions\":[");
        let n = if single {
            self.session_count()
        } else {
            {
                let u = self.rng.unit();
                1 + (u * u * u * 4.0) as u32
            }
        };
        for _ in 0..n {
            self.session(b, rec);
            if b.len() - start > LINE_BUDGET {
                break;
            }
        }
        b.push(b']');
        if single && self.rng.chance(100) {
            key(b, b"\"sessions@odata.nextLink\":\"");
            Self::graph_base(b, rec.beta);
            b.extend_from_slice(b"communications/callRecords('");
            write_guid_raw(b, rec.id.0, rec.id.1);
            b.extend_from_slice(b"')/sessions?$expand=segments&$skiptoken=");
            write_u64(b, self.rng.next());
            b.push(b'"');
        }
    }

    fn session(&mut self, b: &mut Vec<u8>, rec: &Record) {
        self.sum.sessions += 1;
        let r = &mut self.rng;
        let ts = ts_style(r);
        let len = rec.end - rec.start;
        let s_start = rec.start + (len as f64 * r.unit() * 0.5) as i64;
        let s_end = s_start + ((rec.end - s_start) as f64 * (0.3 + 0.7 * r.unit())) as i64;
        let n = rec.npeople as u64;
        let ci = r.below(n);
        let caller = rec.people[ci as usize];
        let callee_service = rec.group && r.chance(600);
        let callee = if callee_service {
            r.next()
        } else {
            rec.people[((ci + 1 + r.below(n - 1)) % n) as usize]
        };
        sep(b);
        b.push(b'{');
        key(b, b"\"id\":");
        write_guid(b, r.next(), r.next());
        key(b, b"\"modalities\":");
        write_modalities(b, r);
        key(b, b"\"startDateTime\":");
        write_ts(b, s_start, ts);
        key(b, b"\"endDateTime\":");
        write_ts(b, s_end, ts);
        if !r.chance(100) {
            key(b, b"\"isTest\":");
            b.extend_from_slice(if r.chance(5) { b"true" } else { b"false" });
        }
        key(b, b"\"caller\":");
        write_endpoint(b, r, caller, rec.tenant, false, true);
        key(b, b"\"callee\":");
        write_endpoint(b, r, callee, rec.tenant, callee_service, true);
        if r.chance(40) {
            write_failure(b, r);
        }
        if r.chance(20) {
            key(
                b,
                b"\"@odata.type\":\"#microsoft.graph.callRecords.session\"",
            );
        }
        if rec.expand_segments {
            key(b, b"\"segments\":[");
            let nseg = self.rng.pick(&[(650, 1u32), (250, 2), (100, 3)]);
            let seg_len = (s_end - s_start) / i64::from(nseg);
            for i in 0..nseg {
                let st = s_start + seg_len * i64::from(i);
                self.segment(b, rec, st, st + seg_len, caller, callee, callee_service);
            }
            b.push(b']');
        }
        b.push(b'}');
    }

    #[allow(clippy::too_many_arguments)]
    fn segment(
        &mut self,
        b: &mut Vec<u8>,
        rec: &Record,
        start: i64,
        end: i64,
        caller: u64,
        callee: u64,
        callee_service: bool,
    ) {
        self.sum.segments += 1;
        let r = &mut self.rng;
        let ts = ts_style(r);
        sep(b);
        b.push(b'{');
        key(b, b"\"startDateTime\":");
        write_ts(b, start, ts);
        key(b, b"\"endDateTime\":");
        write_ts(b, end, ts);
        key(b, b"\"id\":");
        write_guid(b, r.next(), r.next());
        if !r.chance(30) {
            key(b, b"\"caller\":");
            write_endpoint(b, r, caller, rec.tenant, false, false);
        }
        if !r.chance(30) {
            key(b, b"\"callee\":");
            write_endpoint(b, r, callee, rec.tenant, callee_service, false);
        }
        if r.chance(30) {
            write_failure(b, r);
        }
        if r.chance(15) {
            key(b, b"\"media\":null");
        } else {
            key(b, b"\"media\":[");
            let nmedia = self.rng.pick(&[(380, 1u32), (300, 2), (200, 3), (120, 4)]);
            for _ in 0..nmedia {
                self.media(b, start, end);
            }
            b.push(b']');
        }
        b.push(b'}');
    }

    fn media(&mut self, b: &mut Vec<u8>, start: i64, end: i64) {
        self.sum.media += 1;
        let r = &mut self.rng;
        let total: u32 = MEDIA_LABELS.iter().map(|e| e.0).sum();
        let mut x = r.below(u64::from(total)) as u32;
        let mut pick = MEDIA_LABELS[0];
        for &e in MEDIA_LABELS {
            if x < e.0 {
                pick = e;
                break;
            }
            x -= e.0;
        }
        let (_, kind, label) = pick;
        sep(b);
        b.push(b'{');
        if !r.chance(8) {
            key(b, b"\"label\":");
            qs(b, label);
        }
        // A "bad network" media gets much worse metrics (the heavy tail).
        let bad = r.chance(60);
        key(b, b"\"callerNetwork\":");
        write_network(b, r, bad);
        key(b, b"\"calleeNetwork\":");
        write_network(b, r, false);
        key(b, b"\"callerDevice\":");
        write_device(b, r);
        key(b, b"\"calleeDevice\":");
        write_device(b, r);
        if r.chance(20) {
            key(b, b"\"x-debug\":{\"a\":[1,2]}");
        }
        if kind == MediaKind::Data && r.chance(500) {
            key(b, b"\"streams\":[]");
        } else {
            key(b, b"\"streams\":[");
            let n = if r.chance(850) { 2 } else { 1 };
            let first_dir = r.below(2);
            for i in 0..n {
                let r = &mut self.rng;
                let dir: &[u8] = if r.chance(10) {
                    b""
                } else if r.chance(5) {
                    b"bidirectional"
                } else if (i + first_dir).is_multiple_of(2) {
                    b"callerToCallee"
                } else {
                    b"calleeToCaller"
                };
                self.stream_id = self.stream_id.wrapping_add(1 + self.rng.below(1000));
                let id = self.stream_id;
                self.sum.streams += 1;
                let spec = StreamSpec {
                    kind,
                    dir,
                    id,
                    bad,
                    start,
                    end,
                };
                write_stream(b, &mut self.rng, &spec);
            }
            b.push(b']');
        }
        b.push(b'}');
    }
}

fn ts_style(r: &mut Rng) -> TsStyle {
    TsStyle {
        trim: r.chance(150),
        offset_min: if r.chance(20) {
            r.one(&[120, 60, -300, 330, -480, 540])
        } else {
            0
        },
    }
}

fn write_modalities(b: &mut Vec<u8>, r: &mut Rng) {
    b.extend_from_slice(r.pick(&[
        (500, &b"[\"audio\"]"[..]),
        (250, b"[\"audio\",\"video\"]"),
        (120, b"[\"audio\",\"video\",\"screenSharing\"]"),
        (50, b"[\"audio\",\"videoBasedScreenSharing\"]"),
        (30, b"[\"audio\",\"data\"]"),
        (20, b"[\"screenSharing\"]"),
        (10, b"[]"),
        (10, b"[\"audio\",\"unknownFutureValue\"]"),
        (5, b"[\"audio\",\"holographic\"]"),
    ]));
}

fn write_failure(b: &mut Vec<u8>, r: &mut Rng) {
    key(b, b"\"failureInfo\":{\"stage\":");
    qs(
        b,
        r.pick(&[
            (600, &b"midcall"[..]),
            (300, b"callSetup"),
            (80, b"unknown"),
            (20, b"unknownFutureValue"),
        ]),
    );
    b.extend_from_slice(b",\"reason\":");
    b.extend_from_slice(r.one(&[
        &b"\"Unknown\""[..],
        b"\"MediaConnectivityErrors\"",
        b"\"NetworkDisconnect\"",
        b"null",
    ]));
    b.push(b'}');
}
