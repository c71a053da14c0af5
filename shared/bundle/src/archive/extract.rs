//! The two [`EntryVisitor`]s: [`DiskWriter`] creates admitted entries under the destination,
//! [`Scanner`] only validates them and keeps the root appspec (for upload-time checks).

use std::collections::HashMap;
use std::fs::{self, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};

use super::names::display_name;
use super::tracker::{Admitted, EntryHead, EntryKind, Tracker};
use super::walk::{EntryVisitor, StreamGuard};
use super::{BundleError, BundleErrorCode};
use crate::appspec::APPSPEC_FILE_NAMES;

/// Largest appspec read into memory.
pub(crate) const MAX_APPSPEC_BYTES: u64 = 1 << 20;
const COPY_BUFFER_BYTES: usize = 64 * 1024;

/// Bits kept from an archive mode: permissions without setuid/setgid/sticky and without
/// group/other write (PEP 706 "data" filter); the owner can always read and write, and search
/// directories, so the agent can clean up.
pub(crate) fn sanitize_mode(mode: u32, dir: bool) -> u32 {
    let kept = mode & 0o755;
    if dir { kept | 0o700 } else { kept | 0o600 }
}

/// Maps a file-system error while writing: ENOSPC/EDQUOT become `DISK_FULL`.
pub(crate) fn write_error(err: &io::Error, what: &str) -> BundleError {
    let full = err.kind() == io::ErrorKind::StorageFull
        || matches!(err.raw_os_error(), Some(28) | Some(122));
    let code = if full {
        BundleErrorCode::DiskFull
    } else {
        BundleErrorCode::Io
    };
    BundleError::new(code, format!("{what}: {err}"))
}

pub(crate) struct DiskWriter {
    pub tracker: Tracker,
    root: PathBuf,
    guard: StreamGuard,
    buf: Vec<u8>,
}

impl DiskWriter {
    pub fn new(tracker: Tracker, root: &Path, guard: StreamGuard) -> DiskWriter {
        DiskWriter {
            tracker,
            root: root.to_path_buf(),
            guard,
            buf: vec![0; COPY_BUFFER_BYTES],
        }
    }

    fn make_dir(&mut self, rel: &str, mode: u32) -> Result<(), BundleError> {
        let path = self.root.join(rel);
        fs::create_dir(&path).map_err(|e| write_error(&e, &format!("creating {rel}")))?;
        set_mode(&path, sanitize_mode(mode, true), rel)?;
        self.tracker.report.dirs += 1;
        Ok(())
    }

    fn write_file(
        &mut self,
        head: &EntryHead,
        admitted: &Admitted,
        data: &mut dyn Read,
    ) -> Result<(), BundleError> {
        let rel = &admitted.rel;
        let path = self.root.join(rel);
        if admitted.exists {
            fs::remove_file(&path).map_err(|e| write_error(&e, &format!("replacing {rel}")))?;
        }
        // create_new is O_CREAT|O_EXCL: it never opens an existing file or follows a link.
        let mut out = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .map_err(|e| write_error(&e, &format!("creating {rel}")))?;
        let mut written = 0u64;
        loop {
            let n = match data.read(&mut self.buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    return Err(self
                        .guard
                        .read_error(&e, &format!("reading {}", display_name(&head.name))));
                }
            };
            self.tracker.add_bytes(n as u64)?;
            out.write_all(&self.buf[..n])
                .map_err(|e| write_error(&e, &format!("writing {rel}")))?;
            written += n as u64;
        }
        if written != head.size {
            return Err(BundleError::new(
                BundleErrorCode::Corrupt,
                format!(
                    "entry {} is truncated: {written} of {} bytes",
                    display_name(&head.name),
                    head.size
                ),
            ));
        }
        out.set_permissions(fs::Permissions::from_mode(sanitize_mode(head.mode, false)))
            .map_err(|e| write_error(&e, &format!("setting the mode of {rel}")))?;
        if let Some(mtime) = head.mtime {
            // Best effort: a time the file system cannot store is not worth failing a deploy.
            let _ = out.set_modified(UNIX_EPOCH + Duration::from_secs(mtime));
        }
        if !admitted.exists {
            self.tracker.report.files += 1;
        }
        Ok(())
    }
}

fn set_mode(path: &Path, mode: u32, rel: &str) -> Result<(), BundleError> {
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .map_err(|e| write_error(&e, &format!("setting the mode of {rel}")))
}

impl EntryVisitor for DiskWriter {
    fn entry(&mut self, head: EntryHead, data: &mut dyn Read) -> Result<(), BundleError> {
        let Some(admitted) = self.tracker.admit(&head)? else {
            return Ok(());
        };
        for dir in &admitted.new_dirs {
            self.make_dir(dir, 0o755)?;
        }
        let rel = admitted.rel.clone();
        let path = self.root.join(&rel);
        match &head.kind {
            EntryKind::Dir if admitted.exists => {
                set_mode(&path, sanitize_mode(head.mode, true), &rel)?;
            }
            EntryKind::Dir => self.make_dir(&rel, head.mode)?,
            EntryKind::File => self.write_file(&head, &admitted, data)?,
            EntryKind::Symlink(_) => {
                let target = admitted.symlink_target.clone().unwrap_or_default();
                std::os::unix::fs::symlink(&target, &path)
                    .map_err(|e| write_error(&e, &format!("creating symlink {rel}")))?;
                self.tracker.report.symlinks += 1;
            }
            EntryKind::Hardlink(_) => {
                let target = admitted.link_target.clone().unwrap_or_default();
                if admitted.exists {
                    fs::remove_file(&path)
                        .map_err(|e| write_error(&e, &format!("replacing {rel}")))?;
                }
                fs::hard_link(self.root.join(&target), &path)
                    .map_err(|e| write_error(&e, &format!("creating hardlink {rel}")))?;
                if !admitted.exists {
                    self.tracker.report.files += 1;
                }
            }
            EntryKind::Forbidden(_) => {}
        }
        Ok(())
    }
}

/// What a scan found under one of the appspec names at the bundle root.
pub(crate) enum FoundAppSpec {
    Contents(Vec<u8>),
    Unusable(String),
}

pub(crate) struct Scanner {
    pub tracker: Tracker,
    guard: StreamGuard,
    /// Root appspec name → what the last entry of that name held.
    pub appspecs: HashMap<String, FoundAppSpec>,
    /// An appspec found below the root, for a helpful "missing" message.
    pub nested_appspec: Option<String>,
    /// The first path component of every entry: one folder holding everything (what
    /// `zip -r app.zip app/` makes) is read as the bundle root when the appspec is inside it.
    pub top_levels: std::collections::BTreeSet<String>,
    /// Appspecs one folder below the root, by path (`app/appspec.yml`).
    pub folder_appspecs: HashMap<String, FoundAppSpec>,
}

impl Scanner {
    pub fn new(tracker: Tracker, guard: StreamGuard) -> Scanner {
        Scanner {
            tracker,
            guard,
            appspecs: HashMap::new(),
            nested_appspec: None,
            top_levels: std::collections::BTreeSet::new(),
            folder_appspecs: HashMap::new(),
        }
    }
}

impl EntryVisitor for Scanner {
    fn entry(&mut self, head: EntryHead, data: &mut dyn Read) -> Result<(), BundleError> {
        let Some(admitted) = self.tracker.admit(&head)? else {
            return Ok(());
        };
        if head.kind == EntryKind::File {
            // Declared sizes stand in for written bytes: nothing is decompressed for nothing.
            self.tracker.add_bytes(head.size)?;
        }
        let rel = admitted.rel;
        let first = rel.split('/').next().unwrap_or_default().to_string();
        // A file at the root is a top level of its own; a folder is one whatever it holds.
        self.top_levels
            .insert(if rel.contains('/') || head.kind == EntryKind::Dir {
                format!("{first}/")
            } else {
                first
            });
        let in_one_folder = rel.matches('/').count() == 1;
        if !APPSPEC_FILE_NAMES.contains(&rel.as_str()) {
            let leaf = rel.rsplit('/').next().unwrap_or_default();
            if APPSPEC_FILE_NAMES.contains(&leaf) && self.nested_appspec.is_none() {
                self.nested_appspec = Some(rel.clone());
            }
            if !(APPSPEC_FILE_NAMES.contains(&leaf) && in_one_folder) {
                return Ok(());
            }
        }
        let found = match head.kind {
            EntryKind::File if head.size > MAX_APPSPEC_BYTES => FoundAppSpec::Unusable(format!(
                "{rel} is {} bytes, larger than {MAX_APPSPEC_BYTES}",
                head.size
            )),
            EntryKind::File => {
                let mut contents = Vec::new();
                data.take(MAX_APPSPEC_BYTES + 1)
                    .read_to_end(&mut contents)
                    .map_err(|e| self.guard.read_error(&e, &format!("reading {rel}")))?;
                FoundAppSpec::Contents(contents)
            }
            EntryKind::Dir => {
                self.appspecs.remove(&rel);
                self.folder_appspecs.remove(&rel);
                return Ok(());
            }
            _ => FoundAppSpec::Unusable(format!(
                "{rel} is a link; the appspec must be a regular file"
            )),
        };
        if in_one_folder {
            self.folder_appspecs.insert(rel, found);
        } else {
            self.appspecs.insert(rel, found);
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn enospc_is_reported_as_disk_full() {
        // /dev/full answers every write with ENOSPC, like a full work directory.
        let mut full = OpenOptions::new().write(true).open("/dev/full").unwrap();
        let err = full
            .write_all(&[0u8; 4096])
            .and_then(|()| full.flush())
            .unwrap_err();
        let mapped = write_error(&err, "writing x");
        assert_eq!(mapped.code, BundleErrorCode::DiskFull);
        assert_eq!(mapped.code.as_str(), "DISK_FULL");
        let other = write_error(&io::Error::from(io::ErrorKind::PermissionDenied), "x");
        assert_eq!(other.code, BundleErrorCode::Io);
    }

    #[test]
    fn modes_lose_special_and_shared_write_bits() {
        assert_eq!(sanitize_mode(0o4755, false), 0o755);
        assert_eq!(sanitize_mode(0o777, false), 0o755);
        assert_eq!(sanitize_mode(0o000, false), 0o600);
        assert_eq!(sanitize_mode(0o1777, true), 0o755);
        assert_eq!(sanitize_mode(0o500, true), 0o700);
    }
}
