//! The Install lifecycle step, as CodeDeploy's agent runs it: remove what the previous
//! deployment installed, copy `files` from the unpacked bundle (honouring
//! `file_exists_behavior`), then apply `permissions`. Returns the manifest of what was installed
//! (CodeDeploy's cleanup file), which the caller saves for the next deployment.
//!
//! Manifest paths are the logical host paths of the appspec (`/var/www/html/index.html`),
//! whatever `dest_root` is; with `dest_root` = `/` they are the real paths.

mod permissions;
mod plan;

use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::appspec::{AppSpec, AppSpecOs, FileExistsBehavior};
use permissions::Applier;
use plan::{Op, Plan};

/// What one Install step created; pass `paths()` as the next deployment's `previous_manifest`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InstallManifest {
    /// Files and symlinks installed (copied or overwritten), in install order.
    pub files: Vec<PathBuf>,
    /// Directories created, parents before children.
    pub dirs: Vec<PathBuf>,
    /// Things skipped that the user should know about (e.g. chown without root).
    #[serde(default)]
    pub warnings: Vec<String>,
}

impl InstallManifest {
    /// Every installed path (files, then directories): the `previous_manifest` of the next run.
    pub fn paths(&self) -> Vec<PathBuf> {
        self.files.iter().chain(&self.dirs).cloned().collect()
    }
}

/// Why the Install step failed. `code` is stable API.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct InstallError {
    pub code: &'static str,
    pub message: String,
}

impl InstallError {
    /// DISALLOW met a file the previous deployment did not install.
    pub const FILE_EXISTS: &'static str = "FILE_EXISTS";
    /// A `files[].source` is not in the bundle.
    pub const SOURCE_MISSING: &'static str = "SOURCE_MISSING";
    /// Two sources for one destination, a file where a directory goes, or the reverse.
    pub const DESTINATION_CONFLICT: &'static str = "DESTINATION_CONFLICT";
    /// A permission selects one path twice, or uses a pattern/default ACL on a file.
    pub const PERMISSION_INVALID: &'static str = "PERMISSION_INVALID";
    /// `owner`/`group` names no user/group on this host (when running as root).
    pub const OWNER_UNKNOWN: &'static str = "OWNER_UNKNOWN";
    pub const ACL_FAILED: &'static str = "ACL_FAILED";
    pub const CONTEXT_FAILED: &'static str = "CONTEXT_FAILED";
    /// A windows appspec on a linux agent.
    pub const OS_UNSUPPORTED: &'static str = "APPSPEC_OS_UNSUPPORTED";
    pub const DISK_FULL: &'static str = "DISK_FULL";
    pub const INSTALL_IO: &'static str = "INSTALL_IO";

    pub fn new(code: &'static str, message: impl Into<String>) -> InstallError {
        InstallError {
            code,
            message: message.into(),
        }
    }

    pub(crate) fn io(err: &io::Error, what: &str) -> InstallError {
        let full = err.kind() == io::ErrorKind::StorageFull
            || matches!(err.raw_os_error(), Some(28) | Some(122));
        let code = if full {
            Self::DISK_FULL
        } else {
            Self::INSTALL_IO
        };
        InstallError::new(code, format!("{what}: {err}"))
    }
}

/// Runs Install with CodeDeploy's default `file_exists_behavior` (DISALLOW) unless the appspec
/// sets one.
pub fn install_files(
    spec: &AppSpec,
    bundle_dir: &Path,
    dest_root: &Path,
    previous_manifest: &[PathBuf],
) -> Result<InstallManifest, InstallError> {
    install_files_with_default(
        spec,
        bundle_dir,
        dest_root,
        previous_manifest,
        FileExistsBehavior::default(),
    )
}

/// Runs Install; `deployment_default` applies when the appspec has no `file_exists_behavior`.
/// On failure after copying started, everything this run installed is removed again (files the
/// previous deployment installed were already cleaned up, as in CodeDeploy).
pub fn install_files_with_default(
    spec: &AppSpec,
    bundle_dir: &Path,
    dest_root: &Path,
    previous_manifest: &[PathBuf],
    deployment_default: FileExistsBehavior,
) -> Result<InstallManifest, InstallError> {
    spec.check_runnable_on(AppSpecOs::Linux)
        .map_err(|e| InstallError::new(InstallError::OS_UNSUPPORTED, e.message))?;
    remove_previous(dest_root, previous_manifest)?;
    let behavior = spec.file_exists_behavior.unwrap_or(deployment_default);
    let plan = Plan::build(spec, bundle_dir, dest_root, behavior)?;

    let mut manifest = InstallManifest::default();
    let result = execute(&plan, dest_root, &mut manifest).and_then(|()| {
        let mut applier = Applier::new(dest_root);
        applier.apply_all(&spec.permissions, &plan)?;
        manifest.warnings.extend(applier.warnings);
        Ok(())
    });
    if let Err(err) = result {
        remove_installed(dest_root, &manifest);
        return Err(err);
    }
    Ok(manifest)
}

/// Where a logical absolute path lives under `dest_root`.
pub(crate) fn host_path(dest_root: &Path, logical: &str) -> PathBuf {
    dest_root.join(logical.trim_start_matches('/'))
}

/// CodeDeploy's cleanup: remove files and links, then directories deepest first (a directory
/// that is not empty, because someone else put files in it, stays).
fn remove_previous(dest_root: &Path, previous: &[PathBuf]) -> Result<(), InstallError> {
    let mut dirs = Vec::new();
    for path in previous {
        let Some(logical) = path
            .to_str()
            .and_then(crate::appspec::normalize_absolute_path)
        else {
            continue;
        };
        let host = host_path(dest_root, &logical);
        match fs::symlink_metadata(&host) {
            Ok(meta) if meta.is_dir() => dirs.push((logical, host)),
            Ok(_) => fs::remove_file(&host)
                .map_err(|e| InstallError::io(&e, &format!("removing {logical}")))?,
            Err(_) => {}
        }
    }
    dirs.sort_by_key(|(logical, _)| std::cmp::Reverse(logical.matches('/').count()));
    for (_, host) in dirs {
        let _ = fs::remove_dir(&host);
    }
    Ok(())
}

fn execute(
    plan: &Plan,
    dest_root: &Path,
    manifest: &mut InstallManifest,
) -> Result<(), InstallError> {
    for op in &plan.ops {
        match op {
            Op::Mkdir(dir) => {
                let host = host_path(dest_root, dir);
                match fs::create_dir(&host) {
                    Ok(()) => manifest.dirs.push(PathBuf::from(dir)),
                    Err(e) if e.kind() == io::ErrorKind::AlreadyExists && host.is_dir() => {}
                    // The real path: under an install root, `/opt` is not where it failed.
                    Err(e) => {
                        return Err(InstallError::io(&e, &format!("mkdir {}", host.display())));
                    }
                }
            }
            Op::Copy {
                source,
                dest,
                replace,
            } => {
                let host = host_path(dest_root, dest);
                copy_one(source, &host, *replace)
                    .map_err(|e| InstallError::io(&e, &format!("installing {}", host.display())))?;
                manifest.files.push(PathBuf::from(dest));
            }
        }
    }
    Ok(())
}

/// Copies a file (contents, mode, mtime) or re-creates a symlink. Replacement goes through a
/// temporary name in the same directory and a rename, so the old file is swapped atomically and
/// an existing link at `dest` is replaced, never written through.
fn copy_one(source: &Path, dest: &Path, replace: bool) -> io::Result<()> {
    let meta = fs::symlink_metadata(source)?;
    let tmp = replace.then(|| {
        let name = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        dest.with_file_name(format!(".{name}.liftoff-{}", std::process::id()))
    });
    let write_to = tmp.as_deref().unwrap_or(dest);
    if let Some(tmp) = &tmp {
        // A crashed earlier run may have left its temporary file behind.
        let _ = fs::remove_file(tmp);
    }
    if meta.file_type().is_symlink() {
        std::os::unix::fs::symlink(fs::read_link(source)?, write_to)?;
    } else {
        let result = copy_contents(source, write_to, &meta);
        if result.is_err() {
            let _ = fs::remove_file(write_to);
        }
        result?;
    }
    if let Some(tmp) = tmp {
        fs::rename(&tmp, dest).inspect_err(|_| {
            let _ = fs::remove_file(&tmp);
        })?;
    }
    Ok(())
}

fn copy_contents(source: &Path, dest: &Path, meta: &fs::Metadata) -> io::Result<()> {
    let mut input = File::open(source)?;
    let mut output = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(dest)?;
    io::copy(&mut input, &mut output)?;
    output.set_permissions(fs::Permissions::from_mode(
        meta.permissions().mode() & 0o7777,
    ))?;
    if let Ok(modified) = meta.modified() {
        let _ = output.set_modified(modified);
    }
    Ok(())
}

/// Best-effort rollback of a failed run: files first, then directories deepest first.
fn remove_installed(dest_root: &Path, manifest: &InstallManifest) {
    for file in manifest.files.iter().rev() {
        let _ = fs::remove_file(host_path(dest_root, &file.to_string_lossy()));
    }
    for dir in manifest.dirs.iter().rev() {
        let _ = fs::remove_dir(host_path(dest_root, &dir.to_string_lossy()));
    }
}
