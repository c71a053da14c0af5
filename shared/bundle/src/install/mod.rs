//! The Install lifecycle step, as CodeDeploy's agent runs it: remove what the previous
//! deployment installed, copy `files` from the unpacked bundle (honouring
//! `file_exists_behavior`), then apply `permissions`. Returns the manifest of what was installed
//! (CodeDeploy's cleanup file), which the caller saves for the next deployment.
//!
//! Manifest paths are the logical host paths of the appspec (`/var/www/html/index.html`),
//! whatever `dest_root` is; with `dest_root` = `/` they are the real paths.

mod beneath;
mod permissions;
mod plan;
mod policy;

use std::fs::{self, File};
use std::io;
use std::os::fd::AsFd;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::fcntl::{OFlag, renameat};
use nix::sys::stat::{Mode, mkdirat};
use nix::unistd::{UnlinkatFlags, symlinkat, unlinkat};

use crate::appspec::{AppSpec, AppSpecOs, FileExistsBehavior};
use beneath::{Kind, Root};
use permissions::Applier;
use plan::{Op, Plan};
pub use policy::InstallPolicy;

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
    /// A destination's path goes through a symlink that leads out of the install root, or a
    /// bundle symlink points outside the tree it is installed from.
    pub const PATH_ESCAPES_ROOT: &'static str = "INSTALL_PATH_ESCAPES_ROOT";
    /// A `files` destination is outside the directories this host lets Install write
    /// (`--install-allow`).
    pub const DESTINATION_FORBIDDEN: &'static str = "INSTALL_DESTINATION_FORBIDDEN";
    /// A `permissions` entry would make a setuid/setgid file or give a file to root, on a host
    /// that forbids it (`--no-root-hooks`, `--no-root-files`).
    pub const PERMISSION_FORBIDDEN: &'static str = "PERMISSION_FORBIDDEN";
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
    install_files_under_policy(
        spec,
        bundle_dir,
        dest_root,
        previous_manifest,
        deployment_default,
        &InstallPolicy::default(),
    )
}

/// Runs Install under the host's `policy`: what it refuses is refused before anything on the
/// host is removed or written.
pub fn install_files_under_policy(
    spec: &AppSpec,
    bundle_dir: &Path,
    dest_root: &Path,
    previous_manifest: &[PathBuf],
    deployment_default: FileExistsBehavior,
    policy: &InstallPolicy,
) -> Result<InstallManifest, InstallError> {
    spec.check_runnable_on(AppSpecOs::Linux)
        .map_err(|e| InstallError::new(InstallError::OS_UNSUPPORTED, e.message))?;
    policy.check(spec, dest_root)?;
    plan::check_bundle_links(spec, bundle_dir)?;
    let root = Root::open(dest_root)?;
    remove_previous(&root, previous_manifest)?;
    let behavior = spec.file_exists_behavior.unwrap_or(deployment_default);
    let plan = Plan::build(spec, bundle_dir, &root, behavior)?;

    let mut manifest = InstallManifest::default();
    let result = execute(&plan, &root, dest_root, &mut manifest).and_then(|()| {
        let mut applier = Applier::new(&root);
        applier.apply_all(&spec.permissions, &plan)?;
        manifest.warnings.extend(applier.warnings);
        Ok(())
    });
    if let Err(err) = result {
        remove_installed(&root, &manifest);
        return Err(err);
    }
    Ok(manifest)
}

/// Where a logical absolute path lives under `dest_root` (for messages and policy checks; files
/// are only ever reached through [`Root`]).
pub(crate) fn host_path(dest_root: &Path, logical: &str) -> PathBuf {
    dest_root.join(logical.trim_start_matches('/'))
}

/// CodeDeploy's cleanup: remove files and links, then directories deepest first (a directory
/// that is not empty, because someone else put files in it, stays). A path that now leads out
/// of the install root is left alone: it is not ours to remove.
fn remove_previous(root: &Root, previous: &[PathBuf]) -> Result<(), InstallError> {
    let mut dirs = Vec::new();
    for path in previous {
        let Some(logical) = path
            .to_str()
            .and_then(crate::appspec::normalize_absolute_path)
        else {
            continue;
        };
        match root.kind(&logical) {
            Ok(Some(Kind::Dir)) => dirs.push(logical),
            Ok(Some(_)) => unlink(root, &logical, false)
                .map_err(|e| InstallError::io(&e.into(), &format!("removing {logical}")))?,
            Ok(None) | Err(_) => {}
        }
    }
    dirs.sort_by_key(|logical| std::cmp::Reverse(logical.matches('/').count()));
    for dir in dirs {
        let _ = unlink(root, &dir, true);
    }
    Ok(())
}

fn unlink(root: &Root, logical: &str, dir: bool) -> Result<(), Errno> {
    let (parent, name) = root.parent(logical)?;
    let flag = if dir {
        UnlinkatFlags::RemoveDir
    } else {
        UnlinkatFlags::NoRemoveDir
    };
    match unlinkat(parent.as_fd(), name.as_str(), flag) {
        Err(Errno::ENOENT) => Ok(()),
        other => other,
    }
}

fn execute(
    plan: &Plan,
    root: &Root,
    dest_root: &Path,
    manifest: &mut InstallManifest,
) -> Result<(), InstallError> {
    for op in &plan.ops {
        match op {
            Op::Mkdir(dir) => {
                let (parent, name) = root.parent(dir).map_err(|e| root.refusal(e, dir))?;
                match mkdirat(
                    parent.as_fd(),
                    name.as_str(),
                    Mode::from_bits_truncate(0o777),
                ) {
                    Ok(()) => manifest.dirs.push(PathBuf::from(dir)),
                    Err(Errno::EEXIST) if root.kind(dir)? == Some(Kind::Dir) => {}
                    // The real path: under an install root, `/opt` is not where it failed.
                    Err(e) => {
                        let host = host_path(dest_root, dir);
                        return Err(InstallError::io(
                            &e.into(),
                            &format!("mkdir {}", host.display()),
                        ));
                    }
                }
            }
            Op::Copy {
                source,
                dest,
                replace,
            } => {
                let (parent, name) = root.parent(dest).map_err(|e| root.refusal(e, dest))?;
                copy_one(source, &parent, &name, *replace).map_err(|e| {
                    let host = host_path(dest_root, dest);
                    InstallError::io(&e, &format!("installing {}", host.display()))
                })?;
                manifest.files.push(PathBuf::from(dest));
            }
        }
    }
    Ok(())
}

/// Copies a file (contents, mode, mtime) or re-creates a symlink as `name` in the open directory
/// `dir`. Replacement goes through a temporary name in the same directory and a rename, so the
/// old file is swapped atomically and an existing link at the destination is replaced, never
/// written through.
fn copy_one(source: &Path, dir: &impl AsFd, name: &str, replace: bool) -> io::Result<()> {
    let meta = fs::symlink_metadata(source)?;
    let tmp = replace.then(|| format!(".{name}.liftoff-{}", std::process::id()));
    let write_to = tmp.as_deref().unwrap_or(name);
    if tmp.is_some() {
        // A crashed earlier run may have left its temporary file behind.
        let _ = unlinkat(dir.as_fd(), write_to, UnlinkatFlags::NoRemoveDir);
    }
    if meta.file_type().is_symlink() {
        symlinkat(&fs::read_link(source)?, dir.as_fd(), write_to)?;
    } else {
        let result = copy_contents(source, dir, write_to, &meta);
        if result.is_err() {
            let _ = unlinkat(dir.as_fd(), write_to, UnlinkatFlags::NoRemoveDir);
        }
        result?;
    }
    if let Some(tmp) = tmp {
        renameat(dir.as_fd(), tmp.as_str(), dir.as_fd(), name).inspect_err(|_| {
            let _ = unlinkat(dir.as_fd(), tmp.as_str(), UnlinkatFlags::NoRemoveDir);
        })?;
    }
    Ok(())
}

fn copy_contents(
    source: &Path,
    dir: &impl AsFd,
    name: &str,
    meta: &fs::Metadata,
) -> io::Result<()> {
    let mut input = File::open(source)?;
    // O_EXCL|O_NOFOLLOW: never opens an existing file, never follows a link.
    let fd = nix::fcntl::openat(
        dir.as_fd(),
        name,
        OFlag::O_WRONLY | OFlag::O_CREAT | OFlag::O_EXCL | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
        Mode::from_bits_truncate(0o600),
    )?;
    let mut output = File::from(fd);
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
fn remove_installed(root: &Root, manifest: &InstallManifest) {
    for file in manifest.files.iter().rev() {
        let _ = unlink(root, &file.to_string_lossy(), false);
    }
    for dir in manifest.dirs.iter().rev() {
        let _ = unlink(root, &dir.to_string_lossy(), true);
    }
}
