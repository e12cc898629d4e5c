//! The I/O shell: finding input files, memory-mapping plain files, streaming compressed files
//! and standard input in line-aligned blocks.
//!
//! Everything above this module works on `&[u8]`.
//!
//! ```
//! use callq::input::{Block, BlockReader, discover};
//!
//! // Streams (stdin, .gz, .zst) are read in large blocks that end at line ends, so each
//! // block can be handed to the same code as a memory-mapped file.
//! let stream: &[u8] = b"{\"value\":[]}\n{\"value\":[{}]}\n";
//! let mut reader = BlockReader::new(stream, 16, 1 << 20);
//! let mut blocks = 0;
//! while let Some(block) = reader.next_block().unwrap() {
//!     assert!(matches!(block, Block::Lines(b) if b.ends_with(b"\n")));
//!     blocks += 1;
//! }
//! assert_eq!(blocks, 2);
//!
//! // Command-line paths: files, directories (searched by extension), `-`.
//! let found = discover(&["-".to_string(), "no/such/dir".to_string(), "-".to_string()]);
//! assert_eq!(found.inputs.len(), 1);
//! assert!(found.errors[0].to_string().starts_with("no/such/dir: "));
//! assert!(found.errors[1].to_string().contains("standard input is named twice"));
//! ```

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use memmap2::Mmap;

use crate::framing::UTF8_BOM;

/// One input as named on the command line (or found in a directory).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InputSource {
    /// A file: `name` is how reports show it (the path as given, joined to its directory).
    File {
        /// The path to open.
        path: PathBuf,
        /// The name reports use.
        name: String,
    },
    /// Standard input, named `-`.
    Stdin,
}

impl InputSource {
    /// The name reports use.
    pub fn name(&self) -> &str {
        match self {
            InputSource::File { name, .. } => name,
            InputSource::Stdin => "-",
        }
    }

    /// How it is cut into documents: standard input and `*.json` (also `.gz`/`.zst`) are
    /// JSON text sequences (pretty-printed documents, arrays, NDJSON too); `*.ndjson`,
    /// `*.jsonl` and files of any other name are strictly one document per line.
    pub fn framing(&self) -> crate::sequence::Framing {
        match self {
            InputSource::File { path, .. } => {
                crate::sequence::Framing::for_name(&path.to_string_lossy())
            }
            InputSource::Stdin => crate::sequence::Framing::Sequence,
        }
    }

    /// The compression its path's name implies.
    pub fn compression(&self) -> Compression {
        match self {
            InputSource::File { path, .. } => Compression::from_name(&path.to_string_lossy()),
            InputSource::Stdin => Compression::None,
        }
    }
}

/// How an input is compressed, judged by its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    /// Plain bytes.
    None,
    /// `.gz` (gzip, possibly several members).
    Gzip,
    /// `.zst` (Zstandard).
    Zstd,
}

impl Compression {
    /// `.gz` → gzip, `.zst` → zstd, anything else plain.
    pub fn from_name(name: &str) -> Self {
        if name.ends_with(".gz") {
            Compression::Gzip
        } else if name.ends_with(".zst") {
            Compression::Zstd
        } else {
            Compression::None
        }
    }
}

/// An error finding or opening an input. Its message names the file.
#[derive(Debug)]
pub struct InputError {
    /// The file or directory it is about.
    pub name: String,
    /// What went wrong.
    pub source: io::Error,
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.name, self.source)
    }
}

impl std::error::Error for InputError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

const EXTENSIONS: [&str; 3] = [".ndjson", ".jsonl", ".json"];

/// True when a file name found in a directory is an input: `*.ndjson`, `*.jsonl`, `*.json`,
/// each optionally followed by `.gz` or `.zst`.
pub fn is_input_name(name: &str) -> bool {
    let base = name
        .strip_suffix(".gz")
        .or_else(|| name.strip_suffix(".zst"))
        .unwrap_or(name);
    EXTENSIONS
        .iter()
        .any(|ext| base.len() > ext.len() && base.ends_with(ext))
        || EXTENSIONS.iter().any(|ext| base == &ext[..])
}

/// What [`discover`] found: the inputs to read, the paths it could not read, and what it saw
/// and deliberately left out.
#[derive(Debug, Default)]
pub struct Discovered {
    /// Inputs in command-line order; a directory's files in byte order of their paths.
    pub inputs: Vec<InputSource>,
    /// Paths that could not be read (a missing path, an unlistable directory), or a usage
    /// error such as `-` given twice.
    pub errors: Vec<InputError>,
    /// Files and directories seen and not read, each with the reason: FIFOs, sockets and
    /// devices inside directories (reading one could block forever), callq's own reports,
    /// directories holding no input file.
    pub skipped: Vec<Skipped>,
}

/// A path [`discover`] saw and did not read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    /// The path, as reports name it.
    pub name: String,
    /// Why it was not read.
    pub reason: &'static str,
}

impl std::fmt::Display for Skipped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.name, self.reason)
    }
}

/// Why a directory contributed nothing.
pub const NO_INPUT_FILES: &str =
    "no input files in this directory (looked for *.ndjson, *.jsonl, *.json, also .gz or .zst)";
/// Why a FIFO, socket or device found in a directory is not read.
pub const NOT_A_REGULAR_FILE: &str =
    "not a regular file (a FIFO, socket or device): name it explicitly to read it";
/// Why a file that callq itself wrote is not read back.
pub const CALLQ_REPORT: &str = "a report written by callq, not call records";

/// Expands command-line arguments into inputs: `-` is standard input, a file is itself, a
/// directory is searched recursively for input names (hidden files included, symlinked
/// directories not followed, only regular files), in byte order of the paths. An empty
/// directory yields nothing and is noted in [`Discovered::skipped`]; so is a `.json` file
/// that is a callq report (a report written into an archive is not read back as input).
///
/// Errors (a missing path, an unlistable directory, `-` given twice) are returned beside the
/// inputs found, so a caller can report them and go on.
pub fn discover(args: &[String]) -> Discovered {
    let mut found = Discovered::default();
    let mut stdin_seen = false;
    for arg in args {
        if arg == "-" {
            if stdin_seen {
                found.errors.push(InputError {
                    name: "-".into(),
                    source: io::Error::new(
                        io::ErrorKind::InvalidInput,
                        "standard input is named twice; it can be read only once",
                    ),
                });
            } else {
                found.inputs.push(InputSource::Stdin);
                stdin_seen = true;
            }
            continue;
        }
        let path = PathBuf::from(arg);
        match std::fs::metadata(&path) {
            Ok(m) if m.is_dir() => {
                let mut files = Vec::new();
                walk_dir(&path, &mut files, &mut found);
                if files.is_empty() {
                    found.skipped.push(Skipped {
                        name: arg.clone(),
                        reason: NO_INPUT_FILES,
                    });
                }
                files.sort_by(|a: &PathBuf, b: &PathBuf| {
                    a.as_os_str()
                        .as_encoded_bytes()
                        .cmp(b.as_os_str().as_encoded_bytes())
                });
                found
                    .inputs
                    .extend(files.into_iter().map(|p| InputSource::File {
                        name: p.to_string_lossy().into_owned(),
                        path: p,
                    }));
            }
            // Named explicitly, anything is read: a FIFO or device is streamed.
            Ok(_) => found.inputs.push(InputSource::File {
                path,
                name: arg.clone(),
            }),
            Err(source) => found.errors.push(InputError {
                name: arg.clone(),
                source,
            }),
        }
    }
    found
}

fn walk_dir(dir: &Path, files: &mut Vec<PathBuf>, found: &mut Discovered) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(source) => {
            found.errors.push(InputError {
                name: dir.to_string_lossy().into_owned(),
                source,
            });
            return;
        }
    };
    for entry in entries {
        let entry = match entry {
            Ok(e) => e,
            Err(source) => {
                found.errors.push(InputError {
                    name: dir.to_string_lossy().into_owned(),
                    source,
                });
                continue;
            }
        };
        let path = entry.path();
        // file_type() does not follow symlinks: a symlinked directory is not entered.
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            walk_dir(&path, files, found);
            continue;
        }
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !is_input_name(&name) {
            continue;
        }
        // A symlink counts as what it points to; a dangling one is an error of its own.
        let is_file = if kind.is_symlink() {
            match std::fs::metadata(&path) {
                Ok(m) if m.is_dir() => continue,
                Ok(m) => m.is_file(),
                Err(source) => {
                    found.errors.push(InputError {
                        name: path.to_string_lossy().into_owned(),
                        source,
                    });
                    continue;
                }
            }
        } else {
            kind.is_file()
        };
        if !is_file {
            found.skipped.push(Skipped {
                name: path.to_string_lossy().into_owned(),
                reason: NOT_A_REGULAR_FILE,
            });
        } else if name.ends_with(".json") && is_callq_report(&path) {
            found.skipped.push(Skipped {
                name: path.to_string_lossy().into_owned(),
                reason: CALLQ_REPORT,
            });
        } else {
            files.push(path);
        }
    }
}

/// True when the file starts as a callq JSON report does (`{` then `"schemaVersion"`), which
/// no call-records document does: such a file written into an archive is not read back.
pub fn is_callq_report(path: &Path) -> bool {
    let mut head = Vec::with_capacity(64);
    File::open(path).is_ok_and(|file| {
        file.take(64).read_to_end(&mut head).is_ok() && starts_like_callq_report(&head)
    })
}

/// True when `head` starts like a callq JSON report: `{`, whitespace, `"schemaVersion"`.
pub fn starts_like_callq_report(head: &[u8]) -> bool {
    let rest = head.strip_prefix(UTF8_BOM).unwrap_or(head);
    let rest = rest.trim_ascii_start();
    let Some(rest) = rest.strip_prefix(b"{") else {
        return false;
    };
    rest.trim_ascii_start().starts_with(b"\"schemaVersion\"")
}

/// The bytes of a plain file: memory-mapped, or read into memory where mapping fails.
#[derive(Debug)]
pub enum FileBytes {
    /// A read-only mapping of the whole file.
    Mapped(Mmap),
    /// The file read into memory (empty files, and files that cannot be mapped).
    Owned(Vec<u8>),
}

impl std::ops::Deref for FileBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            FileBytes::Mapped(m) => m,
            FileBytes::Owned(v) => v,
        }
    }
}

impl FileBytes {
    /// Tells the kernel the mapped pages in `range` are done with, so a long run over a huge
    /// file does not keep it all resident. A no-op for owned bytes and on other platforms.
    pub fn release(&self, range: std::ops::Range<usize>) {
        #[cfg(unix)]
        if let FileBytes::Mapped(m) = self {
            let page = 4096;
            let start = range.start.div_ceil(page) * page;
            let end = (range.end / page) * page;
            if start < end {
                // SAFETY: the mapping is read-only and file-backed (MAP_PRIVATE without writes),
                // so MADV_DONTNEED only drops our page-table entries; a later access reads
                // the same bytes back from the page cache. No reference observes a change.
                let _ = unsafe {
                    m.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, start, end - start)
                };
            }
        }
        #[cfg(not(unix))]
        let _ = range;
    }
}

impl Drop for FileBytes {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let FileBytes::Mapped(m) = self {
            sigbus::unregister(m.as_ptr() as usize);
        }
    }
}

/// Why the first bytes of an input show it cannot be read as UTF-8 JSON text, with what to
/// do: UTF-16 (as Windows PowerShell 5.1 writes by default), or compressed data whose name
/// does not say so. `None` for anything else (bad lines are judged line by line).
pub fn sniff_unreadable(head: &[u8]) -> Option<&'static str> {
    if head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF") {
        Some(
            "UTF-16 text (it starts with a UTF-16 byte-order mark); callq reads UTF-8: re-save \
             it as UTF-8 (PowerShell: `Get-Content IN | Set-Content -Encoding utf8 OUT`, or \
             `Out-File -Encoding utf8`; iconv -f UTF-16 -t UTF-8 IN > OUT)",
        )
    } else if head.starts_with(&[0x1f, 0x8b]) {
        Some(
            "gzip-compressed data under a name without .gz: rename it to end in .gz, or pipe \
             it: gzip -dc FILE | callq analyze -",
        )
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Some(
            "zstd-compressed data under a name without .zst: rename it to end in .zst, or pipe \
             it: zstd -dc FILE | callq analyze -",
        )
    } else {
        None
    }
}

fn unreadable_text(why: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, why)
}

/// Opens a plain (uncompressed) regular file for whole-buffer processing: memory-mapped when it
/// can be (read into memory when empty or not mappable). A file that [`sniff_unreadable`]
/// rejects (UTF-16, compressed under a plain name) is an error.
///
/// # Safety
///
/// The returned bytes are the file's pages: the caller promises that no process modifies or
/// truncates the file while they are alive. Otherwise the slice may change under a shared
/// borrow (undefined behaviour in Rust's model) and reads past a truncation raise SIGBUS
/// (see [`install_sigbus_handler`]). Archives written once and then read, as callq's CLI
/// documents, keep that promise; for files that may change, read them with [`open_stream`].
pub unsafe fn map_file(path: &Path) -> io::Result<FileBytes> {
    let file = File::open(path)?;
    let meta = file.metadata()?;
    let bytes = if meta.len() == 0 || !meta.is_file() {
        let mut v = Vec::new();
        (&file).read_to_end(&mut v)?;
        FileBytes::Owned(v)
    } else {
        // SAFETY: the mapping is read-only. If another process truncates the file while it is
        // mapped, a read past the new end raises SIGBUS; the CLI installs a handler
        // (`install_sigbus_handler`) that names the file and exits with status 2, and
        // `--no-mmap` reads files that may change with read(2) instead.
        match unsafe { Mmap::map(&file) } {
            Ok(m) => {
                #[cfg(unix)]
                sigbus::register(m.as_ptr() as usize, m.len(), &path.to_string_lossy());
                // (No MADV_SEQUENTIAL: it made the kernel map far ahead of the reader.)
                FileBytes::Mapped(m)
            }
            Err(_) => {
                let mut v = Vec::with_capacity(meta.len() as usize);
                (&file).read_to_end(&mut v)?;
                FileBytes::Owned(v)
            }
        }
    };
    match sniff_unreadable(&bytes[..bytes.len().min(4)]) {
        Some(why) => Err(unreadable_text(why)),
        None => Ok(bytes),
    }
}

/// Opens an input as a byte stream, decompressing by name. The stream fails with a clear
/// message when its first bytes show it is UTF-16 or compressed under a plain name (see
/// [`sniff_unreadable`]).
pub fn open_stream(source: &InputSource) -> io::Result<Box<dyn Read + Send>> {
    open_stream_counting(source, None)
}

/// [`open_stream`], adding the bytes read from the file or pipe itself (compressed bytes for
/// a compressed input) to `stored_bytes` as they are read: a progress bar's position that
/// matches file sizes.
pub fn open_stream_counting<'a>(
    source: &InputSource,
    stored_bytes: Option<&'a std::sync::atomic::AtomicU64>,
) -> io::Result<Box<dyn Read + Send + 'a>> {
    let raw: Box<dyn Read + Send> = match source {
        InputSource::Stdin => Box::new(io::stdin()),
        InputSource::File { path, .. } => Box::new(File::open(path)?),
    };
    let raw: Box<dyn Read + Send + 'a> = match stored_bytes {
        Some(counter) => Box::new(Counting {
            inner: raw,
            counter,
        }),
        None => raw,
    };
    let decoded: Box<dyn Read + Send + 'a> = match source.compression() {
        Compression::None => raw,
        #[cfg(feature = "compression")]
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(
            io::BufReader::with_capacity(1 << 20, raw),
        )),
        #[cfg(feature = "compression")]
        Compression::Zstd => Box::new(ZstdHint(zstd::stream::read::Decoder::new(raw)?)),
        #[cfg(not(feature = "compression"))]
        _ => return Err(compression_not_built()),
    };
    Ok(Box::new(Sniffing {
        inner: decoded,
        checked: false,
    }))
}

/// The error for a `.gz` or `.zst` input in a build without the `compression` feature.
pub fn compression_not_built() -> io::Error {
    io::Error::new(
        io::ErrorKind::Unsupported,
        "compressed input, but callq was built without the `compression` feature (enable it: \
         callq = { features = [\"compression\"] })",
    )
}

/// Adds the bytes it reads to a counter.
struct Counting<'a, R> {
    inner: R,
    counter: &'a std::sync::atomic::AtomicU64,
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.counter
            .fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(n)
    }
}

/// Checks the first bytes of a stream with [`sniff_unreadable`].
struct Sniffing<R> {
    inner: R,
    checked: bool,
}

impl<R: Read> Read for Sniffing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.checked || buf.len() < 4 {
            return self.inner.read(buf);
        }
        // Read until 4 bytes (or the end) are in, so a short first read cannot hide a mark.
        let mut n = 0;
        while n < 4 {
            match self.inner.read(&mut buf[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        self.checked = true;
        match sniff_unreadable(&buf[..n.min(4)]) {
            Some(why) => Err(unreadable_text(why)),
            None => Ok(n),
        }
    }
}

/// zstd's "Frame requires too much memory for decoding" says what, not what to do.
#[cfg(feature = "compression")]
struct ZstdHint<R>(R);

#[cfg(feature = "compression")]
impl<R: Read> Read for ZstdHint<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf).map_err(|e| {
            if e.to_string().contains("too much memory") {
                io::Error::new(
                    e.kind(),
                    "zstd frame needs a window over 128 MiB (written with --long or --ultra), \
                     which callq does not allocate: decompress it outside, e.g. \
                     zstd -dc --long=31 FILE | callq analyze -",
                )
            } else {
                e
            }
        })
    }
}

/// Installs a SIGBUS handler (Unix; a no-op elsewhere) that turns a fault in a mapped input
/// (the file was truncated while being read) into a message naming the file and exit status
/// 2, instead of a silent death by signal. For programs, not libraries: it ends the process.
pub fn install_sigbus_handler() {
    #[cfg(unix)]
    sigbus::install();
}

#[cfg(unix)]
mod sigbus {
    //! A lock-free table of live mappings, read by the signal handler (which may only use
    //! async-signal-safe calls: atomics, `write`, `_exit`).
    use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};

    const SLOTS: usize = 1024;
    static STARTS: [AtomicUsize; SLOTS] = [const { AtomicUsize::new(0) }; SLOTS];
    static LENS: [AtomicUsize; SLOTS] = [const { AtomicUsize::new(0) }; SLOTS];
    static NAMES: [AtomicPtr<u8>; SLOTS] = [const { AtomicPtr::new(std::ptr::null_mut()) }; SLOTS];
    static NAME_LENS: [AtomicUsize; SLOTS] = [const { AtomicUsize::new(0) }; SLOTS];

    pub(super) fn register(start: usize, len: usize, name: &str) {
        for i in 0..SLOTS {
            if STARTS[i]
                .compare_exchange(0, start, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
            {
                let name: Box<[u8]> = name.as_bytes().into();
                NAME_LENS[i].store(name.len(), Ordering::Release);
                NAMES[i].store(Box::into_raw(name).cast::<u8>(), Ordering::Release);
                LENS[i].store(len, Ordering::Release);
                return;
            }
        }
        // More than SLOTS files mapped at once: a fault in this one is reported unnamed.
    }

    pub(super) fn unregister(start: usize) {
        for i in 0..SLOTS {
            if STARTS[i].load(Ordering::Acquire) == start {
                LENS[i].store(0, Ordering::Release);
                let name = NAMES[i].swap(std::ptr::null_mut(), Ordering::AcqRel);
                let len = NAME_LENS[i].load(Ordering::Acquire);
                if !name.is_null() {
                    // SAFETY: `name` came from Box::into_raw of a boxed slice of `len` bytes
                    // in `register`, and the swap above took it out of the table, so it is
                    // freed once. The handler reads a name only while its mapping faults,
                    // i.e. while its reader still holds the mapping (not unregistered yet).
                    drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(name, len)) });
                }
                STARTS[i].store(0, Ordering::Release);
                return;
            }
        }
    }

    fn write_stderr(bytes: &[u8]) {
        // SAFETY: write(2) on fd 2 with a valid buffer and its length; async-signal-safe.
        let _ = unsafe { libc::write(2, bytes.as_ptr().cast(), bytes.len()) };
    }

    extern "C" fn on_sigbus(
        _sig: libc::c_int,
        info: *mut libc::siginfo_t,
        _ctx: *mut libc::c_void,
    ) {
        // SAFETY: the kernel passes a valid siginfo_t to an SA_SIGINFO handler.
        let addr = unsafe { (*info).si_addr() } as usize;
        for i in 0..SLOTS {
            let start = STARTS[i].load(Ordering::Acquire);
            let len = LENS[i].load(Ordering::Acquire);
            if start != 0 && addr >= start && addr < start + len {
                let name = NAMES[i].load(Ordering::Acquire);
                let name_len = NAME_LENS[i].load(Ordering::Acquire);
                write_stderr(b"callq: error: ");
                if !name.is_null() {
                    // SAFETY: a live entry's name is `name_len` valid bytes (see unregister).
                    write_stderr(unsafe { std::slice::from_raw_parts(name, name_len) });
                    write_stderr(b": ");
                }
                write_stderr(
                    b"the file was truncated or rewritten while callq read it (SIGBUS on its \
                      memory mapping); no report was written. Re-run when it is complete, or \
                      with --no-mmap for files that change while being read\n",
                );
                // SAFETY: _exit is async-signal-safe and ends the process at once.
                unsafe { libc::_exit(2) };
            }
        }
        // Not a mapped input: restore the default action, so returning re-raises the fault.
        // SAFETY: signal(2) with SIG_DFL is async-signal-safe.
        unsafe { libc::signal(libc::SIGBUS, libc::SIG_DFL) };
    }

    pub(super) fn install() {
        // SAFETY: a zeroed sigaction is a valid starting value; the handler has the
        // SA_SIGINFO signature and only uses async-signal-safe operations.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_sigbus as *const () as usize;
            action.sa_flags = libc::SA_SIGINFO;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(libc::SIGBUS, &action, std::ptr::null_mut());
        }
    }
}

/// What [`BlockReader::next_block`] produced.
#[derive(Debug, PartialEq, Eq)]
pub enum Block<'b> {
    /// Whole lines (the last may lack its newline only at the end of input).
    Lines(&'b [u8]),
    /// A line longer than the limit, discarded without being held in memory.
    Overlong {
        /// Its length in bytes, without the newline.
        len: u64,
        /// Whether a newline ended it (false: it ran to the end of the input).
        newline: bool,
    },
}

/// Reads a stream in large blocks that end at line ends, reusing one buffer; a line longer
/// than `max_line` is skipped (reported as [`Block::Overlong`]) without being held in memory.
/// Block boundaries depend only on the bytes, never on how the reads happen to return.
#[derive(Debug)]
pub struct BlockReader<R> {
    reader: R,
    buf: Vec<u8>,
    /// Bytes of `buf` holding data.
    filled: usize,
    /// Bytes at the front of `buf` handed out by the previous call.
    consumed: usize,
    block: usize,
    max_line: usize,
    eof: bool,
    total: u64,
}

impl<R: Read> BlockReader<R> {
    /// `block` is the target block size; `max_line` the longest line kept (bytes).
    pub fn new(reader: R, block: usize, max_line: usize) -> Self {
        BlockReader {
            reader,
            buf: Vec::new(),
            filled: 0,
            consumed: 0,
            block: block.max(1),
            max_line: max_line.max(1),
            eof: false,
            total: 0,
        }
    }

    /// Total bytes read from the stream so far.
    pub fn bytes_read(&self) -> u64 {
        self.total
    }

    fn fill_to(&mut self, want: usize) -> io::Result<()> {
        while self.filled < want && !self.eof {
            if self.filled == self.buf.len() {
                // Grow by doubling, never past `want`: a small stream (one of many small .gz
                // files) must not pay for zeroing a whole block it will never fill.
                let grown = (self.buf.len() * 2)
                    .max(64 * 1024)
                    .min(want.max(self.filled + 1));
                self.buf.resize(grown, 0);
            }
            let end = self.buf.len().min(want);
            match self.reader.read(&mut self.buf[self.filled..end]) {
                Ok(0) => self.eof = true,
                Ok(n) => {
                    self.filled += n;
                    self.total += n as u64;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// The next block, or `None` at the end of the stream.
    pub fn next_block(&mut self) -> io::Result<Option<Block<'_>>> {
        // Drop what the previous call handed out.
        if self.consumed > 0 {
            self.buf.copy_within(self.consumed..self.filled, 0);
            self.filled -= self.consumed;
            self.consumed = 0;
        }
        self.fill_to(self.block)?;
        if self.filled == 0 {
            return Ok(None);
        }
        if let Some(last_nl) = memchr::memrchr(b'\n', &self.buf[..self.filled]) {
            let end = if self.eof && self.filled <= self.block {
                self.filled
            } else {
                last_nl + 1
            };
            self.consumed = end;
            return Ok(Some(Block::Lines(&self.buf[..end])));
        }
        if self.eof {
            self.consumed = self.filled;
            return Ok(Some(Block::Lines(&self.buf[..self.filled])));
        }
        // No newline in a whole block: one long line. Keep reading up to the limit.
        let limit = self.max_line.saturating_add(1);
        let mut searched = 0;
        loop {
            if let Some(n) = memchr::memchr(b'\n', &self.buf[searched..self.filled]) {
                let end = searched + n + 1;
                self.consumed = end;
                return Ok(Some(Block::Lines(&self.buf[..end])));
            }
            searched = self.filled;
            if self.eof {
                self.consumed = self.filled;
                return Ok(Some(Block::Lines(&self.buf[..self.filled])));
            }
            if self.filled > limit {
                break;
            }
            let want = (self.filled * 2).min(limit + 1).max(self.filled + 1);
            self.fill_to(want)?;
        }
        // Overlong: discard through the next newline without keeping it.
        let mut skipped = self.filled as u64;
        self.filled = 0;
        loop {
            self.fill_to(self.block)?;
            if let Some(n) = memchr::memchr(b'\n', &self.buf[..self.filled]) {
                skipped += n as u64;
                self.consumed = n + 1;
                return Ok(Some(Block::Overlong {
                    len: skipped,
                    newline: true,
                }));
            }
            skipped += self.filled as u64;
            self.filled = 0;
            if self.eof {
                return Ok(Some(Block::Overlong {
                    len: skipped,
                    newline: false,
                }));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_names() {
        for yes in [
            "a.ndjson",
            "a.jsonl",
            "a.json",
            "a.json.gz",
            "x/.h.ndjson.zst",
            ".json",
        ] {
            assert!(is_input_name(yes), "{yes}");
        }
        for no in ["a.txt", "a.gz", "a.ndjson.bz2", "json", "a.json.gz.zst"] {
            assert!(!is_input_name(no), "{no}");
        }
    }

    fn blocks(data: &[u8], block: usize, max: usize) -> Vec<String> {
        let mut r = BlockReader::new(data, block, max);
        let mut out = Vec::new();
        while let Some(b) = r.next_block().unwrap() {
            out.push(match b {
                Block::Lines(l) => String::from_utf8(l.to_vec()).unwrap(),
                Block::Overlong { len, newline } => {
                    format!("<{len}{}>", if newline { "" } else { "$" })
                }
            });
        }
        out
    }

    #[test]
    fn blocks_end_at_lines() {
        assert_eq!(blocks(b"ab\ncd\nef", 4, 100), vec!["ab\n", "cd\n", "ef"]);
        assert_eq!(blocks(b"ab\ncd\nef\n", 100, 100), vec!["ab\ncd\nef\n"]);
        assert_eq!(blocks(b"abcdefgh\nx\n", 4, 100), vec!["abcdefgh\n", "x\n"]);
        assert_eq!(blocks(b"", 4, 100), Vec::<String>::new());
    }

    #[test]
    fn overlong_lines_are_skipped() {
        assert_eq!(
            blocks(b"a\nbbbbbbbbbbbbbbbbbbbb\nc\n", 4, 8),
            vec!["a\n", "<20>", "c\n"]
        );
        assert_eq!(blocks(b"bbbbbbbbbbbbbbbbbbbb", 4, 8), vec!["<20$>"]);
    }
}
