//! Turns `files` into an ordered list of mkdir/copy operations before anything is written, the
//! way CodeDeploy's `Installer#generate_instructions` does, so that conflicts and DISALLOW
//! refusals happen while the host is still untouched.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::InstallError;
use super::beneath::{Kind, Root, link_stays_inside};
use crate::appspec::{AppSpec, FileExistsBehavior};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Op {
    /// Create a directory (logical absolute path).
    Mkdir(String),
    /// Copy a bundle file or symlink to a logical absolute path; `replace` an existing one.
    Copy {
        source: PathBuf,
        dest: String,
        replace: bool,
    },
}

pub(super) struct Plan<'r> {
    pub ops: Vec<Op>,
    /// Logical destination → bundle source, for every file that will be copied.
    pub copy_targets: BTreeMap<String, PathBuf>,
    /// Every directory that will be created.
    pub mkdir_targets: BTreeSet<String>,
    behavior: FileExistsBehavior,
    root: &'r Root,
}

impl<'r> Plan<'r> {
    pub fn build(
        spec: &AppSpec,
        bundle_dir: &Path,
        root: &'r Root,
        behavior: FileExistsBehavior,
    ) -> Result<Plan<'r>, InstallError> {
        let mut plan = Plan {
            ops: Vec::new(),
            copy_targets: BTreeMap::new(),
            mkdir_targets: BTreeSet::new(),
            behavior,
            root,
        };
        for (i, mapping) in spec.files.iter().enumerate() {
            let source = if mapping.source.is_empty() {
                bundle_dir.to_path_buf()
            } else {
                bundle_dir.join(&mapping.source)
            };
            let meta = fs::symlink_metadata(&source).map_err(|_| {
                InstallError::new(
                    InstallError::SOURCE_MISSING,
                    format!(
                        "files[{i}].source: `{}` does not exist in the bundle",
                        if mapping.source.is_empty() {
                            "/"
                        } else {
                            &mapping.source
                        }
                    ),
                )
            })?;
            if meta.is_dir() {
                plan.fill_in_missing_ancestors(&mapping.destination)?;
                plan.directory_copy(&source, &mapping.destination)?;
            } else {
                let name = source
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or_default();
                let dest = join(&mapping.destination, name);
                plan.fill_in_missing_ancestors(&dest)?;
                plan.normal_copy(&source, &dest)?;
            }
        }
        Ok(plan)
    }

    /// What is at `logical` now; a path that leads out of the install root is refused here,
    /// before anything is written.
    fn exists(&self, logical: &str) -> Result<Option<Kind>, InstallError> {
        self.root.kind(logical)
    }

    fn fill_in_missing_ancestors(&mut self, dest: &str) -> Result<(), InstallError> {
        let mut missing = Vec::new();
        let mut parent = parent_of(dest);
        while parent != "/" && self.exists(&parent)?.is_none() {
            missing.push(parent.clone());
            parent = parent_of(&parent);
        }
        for dir in missing.into_iter().rev() {
            self.mkdir(&dir)?;
        }
        Ok(())
    }

    fn directory_copy(&mut self, source: &Path, dest: &str) -> Result<(), InstallError> {
        match self.exists(dest)? {
            Some(Kind::Dir) => {}
            Some(_) => {
                return Err(InstallError::new(
                    InstallError::DESTINATION_CONFLICT,
                    format!(
                        "{dest} exists and is not a directory, but a directory is to be installed there"
                    ),
                ));
            }
            None => self.mkdir(dest)?,
        }
        let mut entries = fs::read_dir(source)
            .and_then(|rd| {
                rd.map(|e| e.map(|e| e.file_name()))
                    .collect::<io::Result<Vec<_>>>()
            })
            .map_err(|e| InstallError::io(&e, &source.display().to_string()))?;
        entries.sort();
        for name in entries {
            let Some(name) = name.to_str() else {
                return Err(InstallError::new(
                    InstallError::INSTALL_IO,
                    format!("{}: a file name is not UTF-8", source.display()),
                ));
            };
            let entry_source = source.join(name);
            let entry_dest = join(dest, name);
            let is_real_dir = fs::symlink_metadata(&entry_source)
                .map(|m| m.is_dir())
                .unwrap_or(false);
            if is_real_dir {
                self.directory_copy(&entry_source, &entry_dest)?;
            } else {
                self.normal_copy(&entry_source, &entry_dest)?;
            }
        }
        Ok(())
    }

    fn normal_copy(&mut self, source: &Path, dest: &str) -> Result<(), InstallError> {
        let Some(existing) = self.exists(dest)? else {
            return self.copy(source, dest, false);
        };
        match self.behavior {
            FileExistsBehavior::Disallow => Err(InstallError::new(
                InstallError::FILE_EXISTS,
                format!(
                    "{dest} already exists and was not installed by the previous deployment (file_exists_behavior: DISALLOW; use OVERWRITE or RETAIN to allow it)"
                ),
            )),
            FileExistsBehavior::Overwrite if existing == Kind::Dir => Err(InstallError::new(
                InstallError::DESTINATION_CONFLICT,
                format!("{dest} is a directory and cannot be overwritten by a file"),
            )),
            FileExistsBehavior::Overwrite => self.copy(source, dest, true),
            FileExistsBehavior::Retain => Ok(()),
        }
    }

    fn copy(&mut self, source: &Path, dest: &str, replace: bool) -> Result<(), InstallError> {
        if let Some(other) = self.copy_targets.get(dest) {
            return Err(InstallError::new(
                InstallError::DESTINATION_CONFLICT,
                format!(
                    "two source files, {} and {}, are installed to the same destination {dest}",
                    other.display(),
                    source.display()
                ),
            ));
        }
        if self.mkdir_targets.contains(dest) {
            return Err(InstallError::new(
                InstallError::DESTINATION_CONFLICT,
                format!(
                    "{} is installed to {dest}, where a directory is also created",
                    source.display()
                ),
            ));
        }
        self.ops.push(Op::Copy {
            source: source.to_path_buf(),
            dest: dest.to_string(),
            replace,
        });
        self.copy_targets
            .insert(dest.to_string(), source.to_path_buf());
        Ok(())
    }

    fn mkdir(&mut self, dest: &str) -> Result<(), InstallError> {
        if let Some(source) = self.copy_targets.get(dest) {
            return Err(InstallError::new(
                InstallError::DESTINATION_CONFLICT,
                format!(
                    "{dest} is to be created as a directory, but {} is installed there as a file",
                    source.display()
                ),
            ));
        }
        if self.mkdir_targets.insert(dest.to_string()) {
            self.ops.push(Op::Mkdir(dest.to_string()));
        }
        Ok(())
    }
}

/// Refuses a bundle symlink that `files` would install pointing outside the tree it is installed
/// from: `sub/l -> ..` is inside the bundle, but installed from `sub` to `/` it would point out of
/// the install root. Checked on the unpacked bundle, whatever was checked at upload.
pub(super) fn check_bundle_links(spec: &AppSpec, bundle_dir: &Path) -> Result<(), InstallError> {
    for (i, mapping) in spec.files.iter().enumerate() {
        let source = bundle_dir.join(&mapping.source);
        let Ok(meta) = fs::symlink_metadata(&source) else {
            continue; // Plan::build reports the missing source.
        };
        if meta.is_dir() {
            check_links_under(&source, &source, i)?;
        } else if meta.file_type().is_symlink() {
            let name = source.file_name().map(PathBuf::from).unwrap_or_default();
            check_link(&source, &name, i)?;
        }
    }
    Ok(())
}

fn check_links_under(tree: &Path, dir: &Path, i: usize) -> Result<(), InstallError> {
    let entries =
        fs::read_dir(dir).map_err(|e| InstallError::io(&e, &dir.display().to_string()))?;
    for entry in entries {
        let entry = entry.map_err(|e| InstallError::io(&e, &dir.display().to_string()))?;
        let path = entry.path();
        let kind = entry
            .file_type()
            .map_err(|e| InstallError::io(&e, &path.display().to_string()))?;
        if kind.is_dir() {
            check_links_under(tree, &path, i)?;
        } else if kind.is_symlink() {
            let rel = path.strip_prefix(tree).unwrap_or(&path).to_path_buf();
            check_link(&path, &rel, i)?;
        }
    }
    Ok(())
}

fn check_link(link: &Path, rel: &Path, i: usize) -> Result<(), InstallError> {
    let target =
        fs::read_link(link).map_err(|e| InstallError::io(&e, &link.display().to_string()))?;
    if link_stays_inside(rel, &target) {
        return Ok(());
    }
    Err(InstallError::new(
        InstallError::PATH_ESCAPES_ROOT,
        format!(
            "files[{i}]: the symlink {} -> {} points outside the tree it is installed from",
            rel.display(),
            target.display()
        ),
    ))
}

/// `/a/b` + `c` → `/a/b/c` (`/` + `c` → `/c`).
pub(super) fn join(dir: &str, name: &str) -> String {
    if dir.ends_with('/') {
        format!("{dir}{name}")
    } else {
        format!("{dir}/{name}")
    }
}

/// `/a/b` → `/a`, `/a` → `/`.
fn parent_of(path: &str) -> String {
    match path.rfind('/') {
        Some(0) | None => "/".to_string(),
        Some(i) => path[..i].to_string(),
    }
}
