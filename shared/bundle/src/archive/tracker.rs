//! The entry-by-entry decision of what an archive may create, shared by unpacking and by the
//! upload-time scan: it remembers every path an earlier entry made, so it can refuse paths
//! through symlinks, symlink/file swaps, hardlinks to anything but an earlier regular file,
//! links out of the bundle, and limit overruns.

use std::collections::HashMap;

use super::names::{MAX_NAME_BYTES, display_name, entry_components, walk_link_target};
use super::{BundleError, BundleErrorCode, UnpackLimits, UnpackReport};

/// Ratios are only enforced once this much has been unpacked, so tiny archives of text files
/// (which compress very well) are never refused.
pub(crate) const RATIO_FLOOR_BYTES: u64 = 1 << 20;

/// What an archive member is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum EntryKind {
    File,
    Dir,
    Symlink(Vec<u8>),
    Hardlink(Vec<u8>),
    /// Devices, FIFOs, sockets, sparse files, unknown tar types: the reason.
    Forbidden(String),
}

/// One member as the format readers report it.
#[derive(Debug, Clone)]
pub(crate) struct EntryHead {
    pub name: Vec<u8>,
    pub kind: EntryKind,
    /// Permission bits as stored (including setuid/setgid/sticky).
    pub mode: u32,
    /// Declared data size.
    pub size: u64,
    pub mtime: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Made {
    File,
    Dir,
    Symlink,
}

/// The go-ahead for one entry.
#[derive(Debug, Clone)]
pub(crate) struct Admitted {
    /// Normalized relative path (`a/b/c`).
    pub rel: String,
    /// Parent directories that do not exist yet, outermost first.
    pub new_dirs: Vec<String>,
    /// An earlier regular file of the same name is to be replaced (files and hardlinks), or an
    /// existing directory re-declared (directories).
    pub exists: bool,
    /// For hardlinks: the normalized path of the earlier regular file.
    pub link_target: Option<String>,
    /// For symlinks: the target text as stored.
    pub symlink_target: Option<String>,
}

pub(crate) struct Tracker {
    made: HashMap<String, Made>,
    /// (link path, parent components, raw target) of every symlink, for the final chain check.
    symlinks: Vec<(String, Vec<String>, Vec<u8>)>,
    pub report: UnpackReport,
    entries: u64,
    limits: UnpackLimits,
    archive_len: u64,
}

impl Tracker {
    pub fn new(limits: UnpackLimits, archive_len: u64) -> Tracker {
        Tracker {
            made: HashMap::new(),
            symlinks: Vec::new(),
            report: UnpackReport::default(),
            entries: 0,
            limits,
            archive_len,
        }
    }

    /// Decides whether `head` may be created. `Ok(None)` for an entry naming the root itself.
    pub fn admit(&mut self, head: &EntryHead) -> Result<Option<Admitted>, BundleError> {
        self.entries += 1;
        if self.entries > self.limits.max_entries {
            return Err(BundleError::new(
                BundleErrorCode::TooLarge,
                format!("more than {} entries", self.limits.max_entries),
            ));
        }
        let shown = display_name(&head.name);
        let components = entry_components(&head.name).map_err(|why| {
            BundleError::new(
                BundleErrorCode::PathInvalid,
                format!("entry {shown}: {why}"),
            )
        })?;
        if let EntryKind::Forbidden(why) = &head.kind {
            return Err(BundleError::new(
                BundleErrorCode::EntryForbidden,
                format!("entry {shown}: {why} entries are not allowed in a bundle"),
            ));
        }
        if components.is_empty() {
            return match head.kind {
                EntryKind::Dir => Ok(None),
                _ => Err(BundleError::new(
                    BundleErrorCode::PathInvalid,
                    format!("entry {shown}: names the bundle root"),
                )),
            };
        }
        if head.size > self.limits.max_total_bytes {
            return Err(self.too_large(head.size));
        }
        let rel = components.join("/");
        let mut new_dirs = Vec::new();
        for depth in 1..components.len() {
            let parent = components[..depth].join("/");
            match self.made.get(&parent) {
                Some(Made::Dir) => {}
                Some(Made::Symlink) => {
                    return Err(link_invalid(format!(
                        "entry {shown} passes through the symlink `{parent}` (paths are never created through links)"
                    )));
                }
                Some(Made::File) => {
                    return Err(BundleError::new(
                        BundleErrorCode::PathInvalid,
                        format!("entry {shown} is inside `{parent}`, which is a file"),
                    ));
                }
                None => new_dirs.push(parent),
            }
        }
        let existing = self.made.get(&rel).copied();
        let mut admitted = Admitted {
            rel: rel.clone(),
            new_dirs,
            exists: existing.is_some(),
            link_target: None,
            symlink_target: None,
        };
        let kind = match &head.kind {
            EntryKind::Dir => match existing {
                None | Some(Made::Dir) => Made::Dir,
                Some(Made::Symlink) => {
                    return Err(link_invalid(format!(
                        "directory entry {shown} has the name of an earlier symlink"
                    )));
                }
                Some(Made::File) => return Err(duplicate(&shown, "file", "directory")),
            },
            EntryKind::File | EntryKind::Hardlink(_) => {
                match existing {
                    None | Some(Made::File) => {}
                    Some(Made::Symlink) => {
                        return Err(link_invalid(format!(
                            "entry {shown} has the name of an earlier symlink (a file is never written through a link)"
                        )));
                    }
                    Some(Made::Dir) => return Err(duplicate(&shown, "directory", "file")),
                }
                if let EntryKind::Hardlink(target) = &head.kind {
                    admitted.link_target = Some(self.hardlink_target(&shown, target)?);
                }
                Made::File
            }
            EntryKind::Symlink(target) => {
                if existing.is_some() {
                    return Err(link_invalid(format!(
                        "symlink {shown} has the name of an earlier entry"
                    )));
                }
                let parent = components[..components.len() - 1].to_vec();
                walk_link_target(&parent, target, |_| Ok(()))
                    .map_err(|why| link_invalid(format!("symlink {shown}: {why}")))?;
                admitted.symlink_target = Some(String::from_utf8_lossy(target).into_owned());
                self.symlinks.push((rel.clone(), parent, target.clone()));
                Made::Symlink
            }
            EntryKind::Forbidden(_) => unreachable_forbidden()?,
        };
        for dir in &admitted.new_dirs {
            self.made.insert(dir.clone(), Made::Dir);
        }
        self.made.insert(rel, kind);
        if head.mode & 0o7000 != 0 && !matches!(head.kind, EntryKind::Symlink(_)) {
            self.report.stripped_mode_bits += 1;
        }
        Ok(Some(admitted))
    }

    fn hardlink_target(&self, shown: &str, target: &[u8]) -> Result<String, BundleError> {
        let components = entry_components(target).map_err(|why| {
            link_invalid(format!(
                "hardlink {shown} -> {}: {why}",
                display_name(target)
            ))
        })?;
        let target_rel = components.join("/");
        match self.made.get(&target_rel) {
            Some(Made::File) if !target_rel.is_empty() => Ok(target_rel),
            _ => Err(link_invalid(format!(
                "hardlink {shown} -> {}: the target is not a regular file extracted earlier from this bundle",
                display_name(target)
            ))),
        }
    }

    /// Counts unpacked file bytes against the total and ratio limits.
    pub fn add_bytes(&mut self, n: u64) -> Result<(), BundleError> {
        self.report.bytes = self.report.bytes.saturating_add(n);
        let bytes = self.report.bytes;
        if bytes > self.limits.max_total_bytes {
            return Err(self.too_large(bytes));
        }
        let ratio_cap = self
            .limits
            .max_ratio
            .saturating_mul(self.archive_len.max(1));
        if bytes > RATIO_FLOOR_BYTES && bytes > ratio_cap {
            return Err(BundleError::new(
                BundleErrorCode::TooLarge,
                format!(
                    "unpacks to more than {} times its archive size of {} bytes (a compression bomb?)",
                    self.limits.max_ratio, self.archive_len
                ),
            ));
        }
        Ok(())
    }

    fn too_large(&self, bytes: u64) -> BundleError {
        BundleError::new(
            BundleErrorCode::TooLarge,
            format!(
                "unpacks to {bytes} bytes or more, over the limit of {} bytes",
                self.limits.max_total_bytes
            ),
        )
    }

    /// After the last entry: no symlink may point at or through another symlink, whichever
    /// order the archive listed them in.
    pub fn finish(&self) -> Result<(), BundleError> {
        for (link, parent, target) in &self.symlinks {
            walk_link_target(parent, target, |walked| {
                let path = walked.join("/");
                match self.made.get(&path) {
                    Some(Made::Symlink) => Err(format!(
                        "points through the symlink `{path}` (chains of symlinks are refused)"
                    )),
                    _ => Ok(()),
                }
            })
            .map_err(|why| link_invalid(format!("symlink `{link}`: {why}")))?;
        }
        Ok(())
    }
}

fn link_invalid(message: String) -> BundleError {
    BundleError::new(BundleErrorCode::LinkInvalid, message)
}

fn duplicate(shown: &str, was: &str, now: &str) -> BundleError {
    BundleError::new(
        BundleErrorCode::PathInvalid,
        format!("entry {shown}: a {now} entry has the name of an earlier {was}"),
    )
}

/// Forbidden kinds return before the match; this keeps the match exhaustive without a panic.
fn unreachable_forbidden() -> Result<Made, BundleError> {
    Err(BundleError::new(
        BundleErrorCode::EntryForbidden,
        "forbidden entry".to_string(),
    ))
}

/// Longest symlink target read from a zip member.
pub(crate) const MAX_LINK_TARGET_BYTES: usize = MAX_NAME_BYTES;
