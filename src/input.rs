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
//! let (inputs, errors) = discover(&["-".to_string(), "no/such/dir".to_string()]);
//! assert_eq!(inputs.len(), 1);
//! assert!(errors[0].to_string().starts_with("no/such/dir: "));
//! ```

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use memmap2::Mmap;

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

/// Expands command-line arguments into inputs: `-` is standard input, a file is itself, a
/// directory is searched recursively for input names (hidden files included, symlinked
/// directories not followed), in byte order of the paths. An empty directory yields nothing.
///
/// Errors (a missing path, an unlistable directory) are returned beside the inputs found, so
/// a caller can report them and go on.
pub fn discover(args: &[String]) -> (Vec<InputSource>, Vec<InputError>) {
    let mut inputs = Vec::new();
    let mut errors = Vec::new();
    for arg in args {
        if arg == "-" {
            inputs.push(InputSource::Stdin);
            continue;
        }
        let path = PathBuf::from(arg);
        match std::fs::metadata(&path) {
            Ok(m) if m.is_dir() => {
                let mut found = Vec::new();
                walk_dir(&path, &mut found, &mut errors);
                found.sort_by(|a: &PathBuf, b: &PathBuf| {
                    a.as_os_str()
                        .as_encoded_bytes()
                        .cmp(b.as_os_str().as_encoded_bytes())
                });
                inputs.extend(found.into_iter().map(|p| InputSource::File {
                    name: p.to_string_lossy().into_owned(),
                    path: p,
                }));
            }
            Ok(_) => inputs.push(InputSource::File {
                path,
                name: arg.clone(),
            }),
            Err(source) => errors.push(InputError {
                name: arg.clone(),
                source,
            }),
        }
    }
    (inputs, errors)
}

fn walk_dir(dir: &Path, found: &mut Vec<PathBuf>, errors: &mut Vec<InputError>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(source) => {
            errors.push(InputError {
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
                errors.push(InputError {
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
            walk_dir(&path, found, errors);
        } else if is_input_name(&entry.file_name().to_string_lossy()) {
            if kind.is_symlink() && path.is_dir() {
                continue;
            }
            found.push(path);
        }
    }
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

/// Opens a plain (uncompressed) regular file for whole-buffer processing.
pub fn map_file(path: &Path) -> io::Result<FileBytes> {
    let file = File::open(path)?;
    let meta = file.metadata()?;
    if meta.len() == 0 || !meta.is_file() {
        let mut v = Vec::new();
        (&file).read_to_end(&mut v)?;
        return Ok(FileBytes::Owned(v));
    }
    // SAFETY: the mapping is read-only. If another process truncates or rewrites the file while
    // it is mapped, reads may see the new bytes or fault (SIGBUS on Linux); callq documents
    // that archives must not be modified while being read, as ripgrep and others do.
    match unsafe { Mmap::map(&file) } {
        Ok(m) => {
            #[cfg(unix)]
            // (No MADV_SEQUENTIAL: it made the kernel map far ahead of the reader.)
            Ok(FileBytes::Mapped(m))
        }
        Err(_) => {
            let mut v = Vec::with_capacity(meta.len() as usize);
            (&file).read_to_end(&mut v)?;
            Ok(FileBytes::Owned(v))
        }
    }
}

/// Opens an input as a byte stream, decompressing by name.
pub fn open_stream(source: &InputSource) -> io::Result<Box<dyn Read + Send>> {
    let raw: Box<dyn Read + Send> = match source {
        InputSource::Stdin => Box::new(io::stdin()),
        InputSource::File { path, .. } => Box::new(File::open(path)?),
    };
    match source.compression() {
        Compression::None => Ok(raw),
        #[cfg(feature = "compression")]
        Compression::Gzip => Ok(Box::new(flate2::read::MultiGzDecoder::new(
            io::BufReader::with_capacity(1 << 20, raw),
        ))),
        #[cfg(feature = "compression")]
        Compression::Zstd => Ok(Box::new(zstd::stream::read::Decoder::new(raw)?)),
        #[cfg(not(feature = "compression"))]
        _ => Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "compressed input needs callq built with the `compression` feature",
        )),
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
