//! Bundles on disk: digest checks, safe unpacking of `.tar.gz`, `.tar` and `.zip` into a fresh
//! directory, the upload-time scan that reads the appspec without extracting, and packing.
//!
//! Every archive is read entry by entry and each entry is judged before anything is created
//! (see `tracker.rs` for the rules); any refusal removes everything the unpack created.

mod extract;
mod names;
mod pack;
mod tracker;
mod walk;

use std::fmt;
use std::fs::{self, File};
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::appspec::{APPSPEC_FILE_NAMES, AppSpec, find_appspec};
use extract::{DiskWriter, FoundAppSpec, Scanner, write_error};
use tracker::Tracker;
use walk::{CountingReader, EntryVisitor, StreamGuard, walk_tar, walk_zip};

pub use pack::pack_dir_tar_gz;

/// Archive formats a bundle may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum ArchiveFormat {
    TarGz,
    Tar,
    Zip,
}

impl ArchiveFormat {
    /// By magic bytes: gzip `1f 8b`, zip `PK\x03\x04` (or an empty zip's `PK\x05\x06`), tar
    /// `ustar` at offset 257. Pass at least the first 262 bytes to recognise tar.
    pub fn detect(first_bytes: &[u8]) -> Option<ArchiveFormat> {
        if first_bytes.starts_with(&[0x1f, 0x8b]) {
            Some(ArchiveFormat::TarGz)
        } else if first_bytes.starts_with(b"PK\x03\x04") || first_bytes.starts_with(b"PK\x05\x06") {
            Some(ArchiveFormat::Zip)
        } else if first_bytes.get(257..262) == Some(b"ustar") {
            Some(ArchiveFormat::Tar)
        } else {
            None
        }
    }
}

/// Stable error codes of bundle handling (part of the API contract).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BundleErrorCode {
    /// `BUNDLE_DIGEST_MISMATCH`
    DigestMismatch,
    /// `BUNDLE_CORRUPT`
    Corrupt,
    /// `BUNDLE_TOO_LARGE`
    TooLarge,
    /// `BUNDLE_PATH_INVALID`
    PathInvalid,
    /// `BUNDLE_LINK_INVALID`
    LinkInvalid,
    /// `BUNDLE_ENTRY_FORBIDDEN`: devices, FIFOs, sockets, sparse files.
    EntryForbidden,
    /// `BUNDLE_FORMAT_UNKNOWN`
    UnknownFormat,
    /// `APPSPEC_MISSING`
    AppSpecMissing,
    /// `APPSPEC_INVALID`
    AppSpecInvalid,
    /// `DISK_FULL`
    DiskFull,
    /// `BUNDLE_IO`
    Io,
}

impl BundleErrorCode {
    pub fn as_str(&self) -> &'static str {
        match self {
            BundleErrorCode::DigestMismatch => "BUNDLE_DIGEST_MISMATCH",
            BundleErrorCode::Corrupt => "BUNDLE_CORRUPT",
            BundleErrorCode::TooLarge => "BUNDLE_TOO_LARGE",
            BundleErrorCode::PathInvalid => "BUNDLE_PATH_INVALID",
            BundleErrorCode::LinkInvalid => "BUNDLE_LINK_INVALID",
            BundleErrorCode::EntryForbidden => "BUNDLE_ENTRY_FORBIDDEN",
            BundleErrorCode::UnknownFormat => "BUNDLE_FORMAT_UNKNOWN",
            BundleErrorCode::AppSpecMissing => "APPSPEC_MISSING",
            BundleErrorCode::AppSpecInvalid => "APPSPEC_INVALID",
            BundleErrorCode::DiskFull => "DISK_FULL",
            BundleErrorCode::Io => "BUNDLE_IO",
        }
    }
}

impl fmt::Display for BundleErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a bundle was refused or could not be handled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct BundleError {
    pub code: BundleErrorCode,
    pub message: String,
}

impl BundleError {
    pub fn new(code: BundleErrorCode, message: impl Into<String>) -> BundleError {
        BundleError {
            code,
            message: message.into(),
        }
    }
}

/// Limits on what one bundle may unpack to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UnpackLimits {
    /// Total bytes of file data.
    pub max_total_bytes: u64,
    /// Archive members (files, directories, links).
    pub max_entries: u64,
    /// Unpacked bytes / archive file bytes; enforced once more than 1 MiB is unpacked.
    pub max_ratio: u64,
}

impl Default for UnpackLimits {
    fn default() -> Self {
        UnpackLimits {
            max_total_bytes: 2 << 30,
            max_entries: 100_000,
            max_ratio: 100,
        }
    }
}

/// What an unpack created.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UnpackReport {
    /// Regular files, hardlinks included.
    pub files: u64,
    /// Directories created, implicit parents included.
    pub dirs: u64,
    pub symlinks: u64,
    /// Bytes of file data written.
    pub bytes: u64,
    /// Entries whose setuid/setgid/sticky bits were removed.
    pub stripped_mode_bits: u64,
}

/// Checks the sha256 of `archive` against `expected_sha256` (hex) before reading any entry,
/// detects the format, and unpacks into `dest`, which must not exist or be an empty directory.
/// On any error everything created under `dest` (and `dest` itself if this call created it) is
/// removed before returning.
pub fn unpack(
    archive: &Path,
    expected_sha256: &str,
    dest: &Path,
    limits: &UnpackLimits,
) -> Result<UnpackReport, BundleError> {
    let expected = expected_sha256.trim().to_ascii_lowercase();
    if expected.len() != 64 || !expected.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(BundleError::new(
            BundleErrorCode::DigestMismatch,
            format!("expected digest `{expected_sha256}` is not a sha256 hex string"),
        ));
    }
    // One open file serves both the digest and the extraction, so the bytes checked are the
    // bytes unpacked even if the path is replaced in between.
    let mut file = File::open(archive).map_err(|e| io_error(&e, archive))?;
    let actual = sha256_reader(&mut file).map_err(|e| io_error(&e, archive))?;
    if actual != expected {
        return Err(BundleError::new(
            BundleErrorCode::DigestMismatch,
            format!(
                "sha256 of {} is {actual}, expected {expected}",
                archive.display()
            ),
        ));
    }
    let created_dest = prepare_dest(dest)?;
    let result = unpack_verified(file, dest, limits);
    if result.is_err() {
        remove_created(dest, created_dest);
    }
    result
}

fn unpack_verified(
    mut file: File,
    dest: &Path,
    limits: &UnpackLimits,
) -> Result<UnpackReport, BundleError> {
    let (format, archive_len) = detect_file(&mut file)?;
    let guard = StreamGuard::default();
    let mut writer = DiskWriter::new(Tracker::new(*limits, archive_len), dest, guard.clone());
    walk_format(file, format, archive_len, limits, &guard, &mut writer)?;
    writer.tracker.finish()?;
    hoist_single_folder(dest).map_err(|e| io_error(&e, dest))?;
    Ok(writer.tracker.report)
}

/// A bundle whose entries all sit in one folder with the appspec inside it (`zip -r app.zip
/// app/`): the folder's contents move up to `dest`, so the folder is the bundle root, as
/// CodeDeploy's agent reads such a zip. Anything else is left as it is.
fn hoist_single_folder(dest: &Path) -> io::Result<()> {
    if find_appspec(dest).is_some() {
        return Ok(());
    }
    let entries = fs::read_dir(dest)?.collect::<Result<Vec<_>, _>>()?;
    let [only] = entries.as_slice() else {
        return Ok(());
    };
    // Not through a link: the folder itself, as unpacked.
    if !only.file_type()?.is_dir() || find_appspec(&only.path()).is_none() {
        return Ok(());
    }
    let staging = dest.join(format!(".liftoff-folder-{}", std::process::id()));
    fs::rename(only.path(), &staging)?;
    for child in fs::read_dir(&staging)? {
        let child = child?;
        fs::rename(child.path(), dest.join(child.file_name()))?;
    }
    fs::remove_dir(&staging)
}

fn walk_format(
    file: File,
    format: ArchiveFormat,
    archive_len: u64,
    limits: &UnpackLimits,
    guard: &StreamGuard,
    visitor: &mut dyn EntryVisitor,
) -> Result<(), BundleError> {
    let reader = BufReader::new(file);
    match format {
        ArchiveFormat::TarGz => {
            let gz = flate2::read::MultiGzDecoder::new(reader);
            walk_tar(
                CountingReader::new(gz, limits, archive_len, guard.clone()),
                guard,
                visitor,
            )
        }
        ArchiveFormat::Tar => walk_tar(
            CountingReader::new(reader, limits, archive_len, guard.clone()),
            guard,
            visitor,
        ),
        ArchiveFormat::Zip => walk_zip(reader, limits, visitor),
    }
}

/// Reads the magic bytes and rewinds. Returns the format and the archive's length.
fn detect_file(file: &mut File) -> Result<(ArchiveFormat, u64), BundleError> {
    let io_err =
        |e: io::Error| BundleError::new(BundleErrorCode::Io, format!("reading the archive: {e}"));
    file.seek(SeekFrom::Start(0)).map_err(io_err)?;
    let mut head = Vec::with_capacity(512);
    file.by_ref()
        .take(512)
        .read_to_end(&mut head)
        .map_err(io_err)?;
    let len = file.metadata().map_err(io_err)?.len();
    file.seek(SeekFrom::Start(0)).map_err(io_err)?;
    let format = ArchiveFormat::detect(&head).ok_or_else(|| {
        BundleError::new(
            BundleErrorCode::UnknownFormat,
            "not a .tar.gz, .tar (ustar) or .zip archive",
        )
    })?;
    Ok((format, len))
}

/// Makes sure `dest` is a fresh, empty directory. Returns whether this call created it.
fn prepare_dest(dest: &Path) -> Result<bool, BundleError> {
    match fs::symlink_metadata(dest) {
        Ok(meta) if meta.is_dir() => {
            let mut entries = fs::read_dir(dest).map_err(|e| io_error(&e, dest))?;
            if entries.next().is_some() {
                return Err(BundleError::new(
                    BundleErrorCode::Io,
                    format!(
                        "destination {} is not empty; each deployment unpacks into a fresh directory",
                        dest.display()
                    ),
                ));
            }
            Ok(false)
        }
        Ok(_) => Err(BundleError::new(
            BundleErrorCode::Io,
            format!(
                "destination {} exists and is not a directory",
                dest.display()
            ),
        )),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            if let Some(parent) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
                fs::create_dir_all(parent)
                    .map_err(|e| write_error(&e, &parent.display().to_string()))?;
            }
            fs::create_dir(dest).map_err(|e| write_error(&e, &dest.display().to_string()))?;
            Ok(true)
        }
        Err(e) => Err(io_error(&e, dest)),
    }
}

/// Removes what a failed unpack created. `remove_dir_all` never follows symlinks.
fn remove_created(dest: &Path, created_dest: bool) {
    if created_dest {
        let _ = fs::remove_dir_all(dest);
        return;
    }
    // The directory was empty before: everything in it is ours.
    if let Ok(entries) = fs::read_dir(dest) {
        for entry in entries.flatten() {
            let path = entry.path();
            let is_dir = entry.file_type().map(|t| t.is_dir()).unwrap_or(false);
            let _ = if is_dir {
                fs::remove_dir_all(&path)
            } else {
                fs::remove_file(&path)
            };
        }
    }
}

fn io_error(err: &io::Error, path: &Path) -> BundleError {
    BundleError::new(BundleErrorCode::Io, format!("{}: {err}", path.display()))
}

/// Lowercase hex sha256 of a file's contents.
pub fn sha256_file(path: &Path) -> io::Result<String> {
    sha256_reader(&mut File::open(path)?)
}

/// Lowercase hex sha256 of `bytes`.
pub fn sha256_bytes(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn sha256_reader(reader: &mut dyn Read) -> io::Result<String> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => hasher.update(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(hex::encode(hasher.finalize()))
}

/// For the server at upload time: validates every entry of the archive with the same rules as
/// [`unpack`] (so a bundle the agent would refuse is refused at upload), without writing to
/// disk, and returns the parsed `appspec.yml` (or `appspec.yaml`) from the archive root.
pub fn read_appspec_from_archive(archive: &Path) -> Result<AppSpec, BundleError> {
    let mut file = File::open(archive).map_err(|e| io_error(&e, archive))?;
    let (format, archive_len) = detect_file(&mut file)?;
    let limits = UnpackLimits::default();
    let guard = StreamGuard::default();
    let mut scanner = Scanner::new(Tracker::new(limits, archive_len), guard.clone());
    walk_format(file, format, archive_len, &limits, &guard, &mut scanner)?;
    scanner.tracker.finish()?;

    // Everything under one folder with the appspec in it: that folder is the bundle root, as
    // CodeDeploy's agent reads it (and as `unpack` lays it out).
    let single_folder = match scanner.top_levels.iter().collect::<Vec<_>>().as_slice() {
        [only] if only.ends_with('/') => Some(only.to_string()),
        _ => None,
    };
    let root_appspec = APPSPEC_FILE_NAMES
        .iter()
        .find_map(|name| scanner.appspecs.remove(*name).map(|f| (*name, f)));
    let folder_appspec = || {
        let folder = single_folder.as_deref()?;
        APPSPEC_FILE_NAMES.iter().find_map(|name| {
            scanner
                .folder_appspecs
                .remove(&format!("{folder}{name}"))
                .map(|f| (*name, f))
        })
    };
    let Some((name, found)) = root_appspec.or_else(folder_appspec) else {
        let hint = scanner
            .nested_appspec
            .map(|n| format!("; found `{n}`, but the appspec must be at the archive root, not inside a directory"))
            .unwrap_or_default();
        return Err(BundleError::new(
            BundleErrorCode::AppSpecMissing,
            format!("no appspec.yml or appspec.yaml at the root of the bundle{hint}"),
        ));
    };
    let contents = match found {
        FoundAppSpec::Contents(c) => c,
        FoundAppSpec::Unusable(why) => {
            return Err(BundleError::new(BundleErrorCode::AppSpecInvalid, why));
        }
    };
    parse_appspec_bytes(name, &contents)
}

/// Reads and parses the appspec of an unpacked bundle (`APPSPEC_MISSING` / `APPSPEC_INVALID`).
pub fn load_appspec(bundle_dir: &Path) -> Result<AppSpec, BundleError> {
    let path = find_appspec(bundle_dir).ok_or_else(|| {
        BundleError::new(
            BundleErrorCode::AppSpecMissing,
            format!(
                "no appspec.yml or appspec.yaml at the root of {}",
                bundle_dir.display()
            ),
        )
    })?;
    let mut contents = Vec::new();
    File::open(&path)
        .and_then(|f| {
            f.take(extract::MAX_APPSPEC_BYTES + 1)
                .read_to_end(&mut contents)
        })
        .map_err(|e| io_error(&e, &path))?;
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("appspec.yml");
    parse_appspec_bytes(name, &contents)
}

fn parse_appspec_bytes(name: &str, contents: &[u8]) -> Result<AppSpec, BundleError> {
    if contents.len() as u64 > extract::MAX_APPSPEC_BYTES {
        return Err(BundleError::new(
            BundleErrorCode::AppSpecInvalid,
            format!("{name} is larger than {} bytes", extract::MAX_APPSPEC_BYTES),
        ));
    }
    let text = std::str::from_utf8(contents).map_err(|e| {
        BundleError::new(
            BundleErrorCode::AppSpecInvalid,
            format!("{name} is not UTF-8 text: {e}"),
        )
    })?;
    AppSpec::parse(text)
        .map_err(|e| BundleError::new(BundleErrorCode::AppSpecInvalid, format!("{name}: {e}")))
}
