//! The output side of the I/O shell: a report file that never replaces an input and never
//! appears half-written.
//!
//! [`OutputFile`] writes to a temporary file beside the destination and renames it over the
//! destination only when everything was written ([`OutputFile::commit`]); dropped without a
//! commit (an error, a panic, a bad line under `--on-error fail`) it removes the temporary file
//! and leaves whatever was at the destination untouched. [`refuse_if_input`] compares a
//! destination's identity (device and inode on Unix) with every input's before anything is
//! read, so `callq analyze -o in.ndjson in.ndjson` is refused instead of destroying the archive.
//!
//! ```
//! use std::io::Write;
//! use callq::output::OutputFile;
//!
//! let dir = std::env::temp_dir().join(format!("callq-doc-output-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//! let dest = dir.join("report.json");
//! let mut out = OutputFile::create(&dest).unwrap();      // fails now if dest is unwritable
//! out.writer().write_all(b"{}\n").unwrap();
//! assert!(!dest.exists());                                // nothing under the final name yet
//! out.commit().unwrap();
//! assert_eq!(std::fs::read(&dest).unwrap(), b"{}\n");
//! std::fs::remove_dir_all(&dir).unwrap();
//! ```

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::input::InputSource;

/// A file being written under a temporary name, renamed to its destination on
/// [`commit`](OutputFile::commit).
#[derive(Debug)]
pub struct OutputFile {
    dest: PathBuf,
    temp: PathBuf,
    writer: Option<BufWriter<File>>,
}

impl OutputFile {
    /// Creates the temporary file in the destination's directory (so the final rename stays on
    /// one file system). Fails at once when the directory is missing or not writable, before
    /// any input is read.
    pub fn create(dest: &Path) -> io::Result<OutputFile> {
        // A symbolic link is followed: the report replaces the file it names, and the link
        // stays a link (a rename over the link itself would turn it into a regular file).
        let resolved;
        let dest = match std::fs::symlink_metadata(dest) {
            Ok(m) if m.file_type().is_symlink() => match std::fs::canonicalize(dest) {
                Ok(target) => {
                    resolved = target;
                    resolved.as_path()
                }
                Err(_) => dest,
            },
            _ => dest,
        };
        let dir = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = dest
            .file_name()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file name"))?
            .to_string_lossy();
        if std::fs::metadata(dest).is_ok_and(|m| m.is_dir()) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "is a directory; name a file",
            ));
        }
        let mut attempt = 0u32;
        loop {
            let temp = dir.join(format!(
                ".{name}.{}-{attempt}.callq-tmp",
                std::process::id()
            ));
            match File::options().write(true).create_new(true).open(&temp) {
                Ok(file) => {
                    return Ok(OutputFile {
                        dest: dest.to_path_buf(),
                        temp,
                        writer: Some(BufWriter::with_capacity(1 << 16, file)),
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 100 => {
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// The buffered writer to the temporary file.
    pub fn writer(&mut self) -> &mut BufWriter<File> {
        self.writer
            .as_mut()
            .expect("the writer lives until commit, which consumes self")
    }

    /// The destination.
    pub fn path(&self) -> &Path {
        &self.dest
    }

    /// Flushes the data to disk and renames the temporary file to the destination, replacing
    /// what was there.
    pub fn commit(mut self) -> io::Result<()> {
        let writer = self
            .writer
            .take()
            .expect("the writer lives until commit, which consumes self");
        let file = writer
            .into_inner()
            .map_err(io::IntoInnerError::into_error)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&self.temp, &self.dest)
    }
}

impl Drop for OutputFile {
    fn drop(&mut self) {
        if self.writer.take().is_some() {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

/// The identity of a file, whatever name reaches it: device and inode on Unix, the canonical
/// path elsewhere.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileId(Identity);

#[derive(Clone, Debug, PartialEq, Eq)]
enum Identity {
    #[cfg(unix)]
    Inode { dev: u64, ino: u64 },
    #[cfg_attr(unix, allow(dead_code))]
    Path(PathBuf),
}

/// The identity of the file at `path` (following symlinks).
pub fn file_id(path: &Path) -> io::Result<FileId> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let m = std::fs::metadata(path)?;
        Ok(FileId(Identity::Inode {
            dev: m.dev(),
            ino: m.ino(),
        }))
    }
    #[cfg(not(unix))]
    {
        Ok(FileId(Identity::Path(std::fs::canonicalize(path)?)))
    }
}

/// The identity of the file standard input reads, when it is redirected from a regular file
/// (`callq analyze - < in.ndjson`).
pub fn stdin_file_id() -> Option<FileId> {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        use std::os::unix::fs::MetadataExt;
        let fd = io::stdin().as_fd().try_clone_to_owned().ok()?;
        let m = File::from(fd).metadata().ok()?;
        m.is_file().then(|| {
            FileId(Identity::Inode {
                dev: m.dev(),
                ino: m.ino(),
            })
        })
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// Refuses an output that is one of the inputs (the same file under any name, hard links
/// included), so writing the report can never destroy an archive. `dest` need not exist.
pub fn refuse_if_input(dest: &Path, inputs: &[InputSource]) -> io::Result<()> {
    let Ok(out) = file_id(dest) else {
        return Ok(()); // a new file cannot be an input
    };
    for input in inputs {
        let id = match input {
            InputSource::File { path, .. } => file_id(path).ok(),
            InputSource::Stdin => stdin_file_id(),
        };
        if id.as_ref() == Some(&out) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "is also an input ({}); writing the report would destroy it: choose another \
                     output file",
                    input.name()
                ),
            ));
        }
    }
    Ok(())
}

/// True when `dest` would land inside one of the directories `dirs` (so a later run over the
/// same directory would meet it).
pub fn is_inside_any(dest: &Path, dirs: &[PathBuf]) -> bool {
    let parent = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let Ok(parent) = std::fs::canonicalize(parent) else {
        return false;
    };
    dirs.iter()
        .filter_map(|d| std::fs::canonicalize(d).ok())
        .any(|d| parent.starts_with(d))
}

/// Writes to `out` the way a report is written to standard output: a closed pipe
/// (`callq ... | head`) ends the output quietly and is not an error.
pub fn ignore_broken_pipe(result: io::Result<()>) -> io::Result<()> {
    match result {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// A writer that is either a committed-at-the-end [`OutputFile`], a device or pipe written
/// in place, or standard output.
#[derive(Debug)]
#[non_exhaustive]
pub enum Output {
    /// `--output FILE`.
    File(OutputFile),
    /// `--output` naming something that exists and is not a regular file (`/dev/null`,
    /// `/dev/stdout`, a FIFO): written in place. A temporary file renamed over it would
    /// replace the device itself (as root, `/dev/null` would become a regular file).
    Device(BufWriter<File>),
    /// Standard output (no `--output`, or `--output -`).
    Stdout,
}

/// True when `path` is written in place rather than replaced: it exists and is neither a
/// regular file nor a directory (a character or block device, a FIFO, a socket), following
/// symbolic links; or it is a symbolic link under `/dev/` or `/proc/` (`/dev/stdout` redirected
/// to a file: renaming over it would replace the system's link, and a file the shell opened
/// with `>>` must be appended to, not swapped).
fn is_device(path: &Path) -> bool {
    let special_link = (path.starts_with("/dev") || path.starts_with("/proc"))
        && std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    special_link || std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

impl Output {
    /// `None` or `-` is standard output; any other path is created now (see
    /// [`OutputFile::create`]).
    pub fn create(path: Option<&Path>) -> io::Result<Output> {
        match path {
            None => Ok(Output::Stdout),
            // The process's own standard output, by any of its names: written through the
            // descriptor it has (a file the shell opened with `>>` is appended to).
            Some(p)
                if p.as_os_str() == "-"
                    || p == Path::new("/dev/stdout")
                    || p == Path::new("/dev/fd/1")
                    || p == Path::new("/proc/self/fd/1") =>
            {
                Ok(Output::Stdout)
            }
            Some(p) if is_device(p) => {
                let file = File::options().write(true).open(p)?;
                Ok(Output::Device(BufWriter::with_capacity(1 << 16, file)))
            }
            Some(p) => OutputFile::create(p).map(Output::File),
        }
    }

    /// Runs `render` on the output and finishes it: a file is committed, standard output
    /// flushed (a closed pipe is not an error).
    pub fn write_with(
        self,
        render: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    ) -> io::Result<()> {
        match self {
            Output::File(mut f) => {
                render(f.writer())?;
                f.commit()
            }
            Output::Device(mut out) => {
                ignore_broken_pipe(render(&mut out).and_then(|()| out.flush()))
            }
            Output::Stdout => {
                let mut out = BufWriter::with_capacity(1 << 16, io::stdout().lock());
                ignore_broken_pipe(render(&mut out).and_then(|()| out.flush()))
            }
        }
    }
}
