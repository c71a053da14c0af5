//! Format readers: turn a tar stream or a zip file into [`EntryHead`]s plus a data reader, one
//! member at a time, and a byte-counting wrapper that stops decompression bombs mid-stream.
//!
//! Tar is read in the tar crate's raw mode so that GNU long names and PAX headers are read here
//! under a size cap (the crate would otherwise buffer them whole, whatever size they claim).
//! A PAX `size` that disagrees with the ustar header size is refused: readers disagree about
//! which one wins (CVE-2025-62518), and that disagreement is how hidden entries are smuggled.

use std::cell::RefCell;
use std::io::{self, Read, Seek};
use std::rc::Rc;

use super::tracker::{EntryHead, EntryKind, MAX_LINK_TARGET_BYTES, RATIO_FLOOR_BYTES};
use super::{BundleError, BundleErrorCode, UnpackLimits};

/// Largest PAX extended header or GNU long-name member accepted.
const MAX_EXTENSION_BYTES: u64 = 64 * 1024;
/// Headers and padding may add this much to a tar stream beyond the file data limit.
const STREAM_SLACK_BYTES: u64 = 64 << 20;

/// Receives the members of an archive in order.
pub(crate) trait EntryVisitor {
    fn entry(&mut self, head: EntryHead, data: &mut dyn Read) -> Result<(), BundleError>;
}

/// Set once a [`CountingReader`] refuses to go on, so that the io error it returns (which the
/// tar and gzip layers pass along) is reported as `BUNDLE_TOO_LARGE`, not as corruption.
#[derive(Clone, Default)]
pub(crate) struct StreamGuard(Rc<RefCell<Option<String>>>);

impl StreamGuard {
    /// Classifies an error met while reading the archive.
    pub fn read_error(&self, err: &io::Error, context: &str) -> BundleError {
        match self.0.borrow().as_ref() {
            Some(why) => BundleError::new(BundleErrorCode::TooLarge, why.clone()),
            None => BundleError::new(BundleErrorCode::Corrupt, format!("{context}: {err}")),
        }
    }
}

/// Counts the bytes of a (decompressed) stream and fails past the total or ratio limit.
pub(crate) struct CountingReader<R> {
    inner: R,
    read: u64,
    cap: u64,
    max_ratio: u64,
    ratio_cap: u64,
    guard: StreamGuard,
}

impl<R: Read> CountingReader<R> {
    pub fn new(inner: R, limits: &UnpackLimits, archive_len: u64, guard: StreamGuard) -> Self {
        CountingReader {
            inner,
            read: 0,
            cap: limits.max_total_bytes.saturating_add(STREAM_SLACK_BYTES),
            max_ratio: limits.max_ratio,
            ratio_cap: limits.max_ratio.saturating_mul(archive_len.max(1)),
            guard,
        }
    }
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read = self.read.saturating_add(n as u64);
        let why = if self.read > self.cap {
            Some(format!("the archive stream exceeds {} bytes", self.cap))
        } else if self.read > RATIO_FLOOR_BYTES && self.read > self.ratio_cap {
            Some(format!(
                "the archive decompresses to more than {} times its size (a compression bomb?)",
                self.max_ratio
            ))
        } else {
            None
        };
        if let Some(why) = why {
            *self.guard.0.borrow_mut() = Some(why.clone());
            return Err(io::Error::other(why));
        }
        Ok(n)
    }
}

/// Walks a tar stream (already decompressed).
pub(crate) fn walk_tar<R: Read>(
    stream: R,
    guard: &StreamGuard,
    visitor: &mut dyn EntryVisitor,
) -> Result<(), BundleError> {
    let mut archive = tar::Archive::new(stream);
    let entries = archive
        .entries()
        .map_err(|e| guard.read_error(&e, "tar"))?
        .raw(true);
    let mut long_name: Option<Vec<u8>> = None;
    let mut long_link: Option<Vec<u8>> = None;
    let mut pax: Option<Vec<u8>> = None;
    for entry in entries {
        let mut entry = entry.map_err(|e| guard.read_error(&e, "tar header"))?;
        let header = entry.header().clone();
        let kind = header.entry_type();
        let size = header
            .entry_size()
            .map_err(|e| guard.read_error(&e, "tar header size"))?;
        let is_extension = kind.is_gnu_longname()
            || kind.is_gnu_longlink()
            || kind.is_pax_local_extensions()
            || kind.is_pax_global_extensions();
        if is_extension {
            if size > MAX_EXTENSION_BYTES {
                return Err(corrupt(format!(
                    "tar extension header of {size} bytes (at most {MAX_EXTENSION_BYTES})"
                )));
            }
            let mut data = Vec::new();
            entry
                .read_to_end(&mut data)
                .map_err(|e| guard.read_error(&e, "tar extension header"))?;
            let slot = if kind.is_gnu_longname() {
                &mut long_name
            } else if kind.is_gnu_longlink() {
                &mut long_link
            } else if kind.is_pax_local_extensions() {
                &mut pax
            } else {
                // Global PAX headers carry defaults (times, charset) that change no path.
                continue;
            };
            if slot.is_some() {
                return Err(corrupt(
                    "two tar extension headers of one kind describe the same member".into(),
                ));
            }
            *slot = Some(data);
            continue;
        }

        // Precedence as in the tar crate: GNU long names, then PAX, then the header fields.
        let mut name = header.path_bytes().into_owned();
        let mut link = header.link_name_bytes().map(|l| l.into_owned());
        if let Some(pax) = pax.take() {
            apply_pax(&pax, size, &mut name, &mut link)?;
        }
        if let Some(long) = long_name.take() {
            name = strip_nul(long);
        }
        if let Some(long) = long_link.take() {
            link = Some(strip_nul(long));
        }
        let mode = header
            .mode()
            .map_err(|e| guard.read_error(&e, "tar header mode"))?;
        let link = link.unwrap_or_default();
        let entry_kind = match kind {
            tar::EntryType::Regular | tar::EntryType::Continuous if name.ends_with(b"/") => {
                EntryKind::Dir
            }
            tar::EntryType::Regular | tar::EntryType::Continuous => EntryKind::File,
            tar::EntryType::Directory => EntryKind::Dir,
            tar::EntryType::Symlink => EntryKind::Symlink(link),
            tar::EntryType::Link => EntryKind::Hardlink(link),
            tar::EntryType::Char => EntryKind::Forbidden("character device".into()),
            tar::EntryType::Block => EntryKind::Forbidden("block device".into()),
            tar::EntryType::Fifo => EntryKind::Forbidden("FIFO".into()),
            tar::EntryType::GNUSparse => EntryKind::Forbidden("sparse file".into()),
            other => EntryKind::Forbidden(format!("tar type {:?}", other.as_byte() as char)),
        };
        let head = EntryHead {
            name,
            kind: entry_kind,
            mode: mode & 0o7777,
            size,
            mtime: header.mtime().ok(),
        };
        visitor.entry(head, &mut entry)?;
    }
    if long_name.is_some() || long_link.is_some() || pax.is_some() {
        return Err(corrupt(
            "the archive ends with an extension header and no member".into(),
        ));
    }
    Ok(())
}

fn strip_nul(mut bytes: Vec<u8>) -> Vec<u8> {
    if bytes.last() == Some(&0) {
        bytes.pop();
    }
    bytes
}

/// Applies `path`/`linkpath` from a PAX header; refuses size disagreement and PAX sparse files.
fn apply_pax(
    pax: &[u8],
    header_size: u64,
    name: &mut Vec<u8>,
    link: &mut Option<Vec<u8>>,
) -> Result<(), BundleError> {
    for record in tar::PaxExtensions::new(pax) {
        let record = record.map_err(|e| corrupt(format!("malformed PAX header: {e}")))?;
        let key = record.key_bytes();
        match key {
            b"path" => *name = record.value_bytes().to_vec(),
            b"linkpath" => *link = Some(record.value_bytes().to_vec()),
            b"size" => {
                let pax_size = record
                    .value()
                    .ok()
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .ok_or_else(|| corrupt("malformed PAX size".into()))?;
                if pax_size != header_size {
                    return Err(corrupt(format!(
                        "PAX size {pax_size} disagrees with the tar header size {header_size}"
                    )));
                }
            }
            _ if key.starts_with(b"GNU.sparse.") => {
                return Err(BundleError::new(
                    BundleErrorCode::EntryForbidden,
                    "sparse file entries (PAX GNU.sparse) are not allowed in a bundle".to_string(),
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

/// Walks a zip file by its central directory.
pub(crate) fn walk_zip<R: Read + Seek>(
    reader: R,
    limits: &UnpackLimits,
    visitor: &mut dyn EntryVisitor,
) -> Result<(), BundleError> {
    let mut zip = zip::ZipArchive::new(reader).map_err(|e| corrupt(format!("zip: {e}")))?;
    if zip.len() as u64 > limits.max_entries {
        return Err(BundleError::new(
            BundleErrorCode::TooLarge,
            format!("{} entries, more than {}", zip.len(), limits.max_entries),
        ));
    }
    // Readers disagree on which of two same-named members wins, on local vs central names, and
    // on overlapping members (the "better zip bomb"): refuse all of it up front.
    if zip.has_duplicate_names() {
        return Err(BundleError::new(
            BundleErrorCode::PathInvalid,
            "the zip holds two members with the same name".to_string(),
        ));
    }
    zip.validate_header_consistency()
        .map_err(|e| corrupt(format!("zip: {e}")))?;
    for index in 0..zip.len() {
        let mut file = zip
            .by_index(index)
            .map_err(|e| corrupt(format!("zip entry {index}: {e}")))?;
        let name = file.name_raw().to_vec();
        // The zip crate clears setuid/setgid/sticky in `unix_mode()`; read the raw attributes
        // so the report can count what was stripped.
        let raw_unix = file.external_attributes() >> 16;
        let unix_mode = if file.system() == zip::System::Unix && raw_unix != 0 {
            Some(raw_unix)
        } else {
            file.unix_mode()
        };
        let kind = match unix_mode.map(|m| m & 0o170000) {
            Some(0o120000) => {
                let mut target = Vec::new();
                (&mut file)
                    .take(MAX_LINK_TARGET_BYTES as u64 + 1)
                    .read_to_end(&mut target)
                    .map_err(|e| corrupt(format!("zip entry {index}: {e}")))?;
                EntryKind::Symlink(target)
            }
            Some(0o020000) => EntryKind::Forbidden("character device".into()),
            Some(0o060000) => EntryKind::Forbidden("block device".into()),
            Some(0o010000) => EntryKind::Forbidden("FIFO".into()),
            Some(0o140000) => EntryKind::Forbidden("socket".into()),
            Some(0o040000) => EntryKind::Dir,
            _ if file.is_dir() => EntryKind::Dir,
            _ => EntryKind::File,
        };
        let default_mode = if kind == EntryKind::Dir { 0o755 } else { 0o644 };
        let head = EntryHead {
            name,
            mode: unix_mode.map(|m| m & 0o7777).unwrap_or(default_mode),
            size: file.size(),
            mtime: None,
            kind,
        };
        visitor.entry(head, &mut file)?;
    }
    Ok(())
}

pub(crate) fn corrupt(message: String) -> BundleError {
    BundleError::new(BundleErrorCode::Corrupt, message)
}
