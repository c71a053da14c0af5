//! Turns `files` into an ordered list of mkdir/copy operations before anything is written, the
//! way CodeDeploy's `Installer#generate_instructions` does, so that conflicts and DISALLOW
//! refusals happen while the host is still untouched.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::{InstallError, host_path};
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

pub(super) struct Plan {
    pub ops: Vec<Op>,
    /// Logical destination → bundle source, for every file that will be copied.
    pub copy_targets: BTreeMap<String, PathBuf>,
    /// Every directory that will be created.
    pub mkdir_targets: BTreeSet<String>,
    behavior: FileExistsBehavior,
    dest_root: PathBuf,
}

impl Plan {
    pub fn build(
        spec: &AppSpec,
        bundle_dir: &Path,
        dest_root: &Path,
        behavior: FileExistsBehavior,
    ) -> Result<Plan, InstallError> {
        let mut plan = Plan {
            ops: Vec::new(),
            copy_targets: BTreeMap::new(),
            mkdir_targets: BTreeSet::new(),
            behavior,
            dest_root: dest_root.to_path_buf(),
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

    fn host(&self, logical: &str) -> PathBuf {
        host_path(&self.dest_root, logical)
    }

    fn exists(&self, logical: &str) -> Option<fs::Metadata> {
        fs::symlink_metadata(self.host(logical)).ok()
    }

    fn fill_in_missing_ancestors(&mut self, dest: &str) -> Result<(), InstallError> {
        let mut missing = Vec::new();
        let mut parent = parent_of(dest);
        while parent != "/" && self.exists(&parent).is_none() {
            missing.push(parent.clone());
            parent = parent_of(&parent);
        }
        for dir in missing.into_iter().rev() {
            self.mkdir(&dir)?;
        }
        Ok(())
    }

    fn directory_copy(&mut self, source: &Path, dest: &str) -> Result<(), InstallError> {
        match self.exists(dest) {
            Some(meta) if meta.is_dir() => {}
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
        let Some(existing) = self.exists(dest) else {
            return self.copy(source, dest, false);
        };
        match self.behavior {
            FileExistsBehavior::Disallow => Err(InstallError::new(
                InstallError::FILE_EXISTS,
                format!(
                    "{dest} already exists and was not installed by the previous deployment (file_exists_behavior: DISALLOW; use OVERWRITE or RETAIN to allow it)"
                ),
            )),
            FileExistsBehavior::Overwrite if existing.is_dir() => Err(InstallError::new(
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
