//! Applies `permissions` to what the Install step created, with CodeDeploy's selection rules: an
//! object that is an installed file gets the permission itself (pattern must be `**`); an
//! object that is a directory selects the installed files and created directories below it.
//! Selecting one path twice is an error, as in the agent.

use std::collections::BTreeSet;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::path::PathBuf;
use std::process::Command;

use nix::fcntl::{AtFlags, OFlag};
use nix::sys::stat::{Mode, fchmod, fstat, fstatat};
use nix::unistd::{FchownatFlags, Gid, Group, Uid, User, fchown, fchownat, getegid, geteuid};

use super::InstallError;
use super::beneath::{Kind, Root};
use super::plan::Plan;
use crate::appspec::{Ace, parse_ace};
use crate::appspec::{ObjectType, Permission};

pub(super) struct Applier<'a> {
    root: &'a Root,
    done: BTreeSet<String>,
    pub warnings: Vec<String>,
}

impl<'a> Applier<'a> {
    pub fn new(root: &'a Root) -> Applier<'a> {
        Applier {
            root,
            done: BTreeSet::new(),
            warnings: Vec::new(),
        }
    }

    pub fn apply_all(
        &mut self,
        permissions: &[Permission],
        plan: &Plan,
    ) -> Result<(), InstallError> {
        for (i, perm) in permissions.iter().enumerate() {
            let field = format!("permissions[{i}]");
            let object = perm.object.as_str();
            let mut skipped_chown = 0usize;
            if plan.copy_targets.contains_key(object) {
                if perm.applies_to(ObjectType::File) {
                    if perm.pattern != "**" || !perm.except.is_empty() {
                        return Err(InstallError::new(
                            InstallError::PERMISSION_INVALID,
                            format!(
                                "{field}: {object} is a file, so it takes no pattern or except (pattern `{}`)",
                                perm.pattern
                            ),
                        ));
                    }
                    check_no_default_acl(perm, &field, object)?;
                    skipped_chown += self.set(perm, &field, object)?;
                }
            } else if plan.mkdir_targets.contains(object) || self.root.dir(object).is_ok() {
                let mut matches: Vec<&str> = Vec::new();
                if perm.applies_to(ObjectType::File) {
                    for path in plan.copy_targets.keys().filter(|p| perm.selects(p)) {
                        check_no_default_acl(perm, &field, path)?;
                        matches.push(path);
                    }
                }
                if perm.applies_to(ObjectType::Directory) {
                    matches.extend(
                        plan.mkdir_targets
                            .iter()
                            .filter(|p| perm.selects(p))
                            .map(String::as_str),
                    );
                }
                for path in matches {
                    skipped_chown += self.set(perm, &field, path)?;
                }
            }
            if skipped_chown > 0 {
                self.warnings.push(format!(
                    "{field}: owner/group not applied to {skipped_chown} object(s) under {object}: the agent is not running as root"
                ));
            }
        }
        Ok(())
    }

    /// Applies one permission to one path. Returns 1 when a chown had to be skipped.
    fn set(
        &mut self,
        perm: &Permission,
        field: &str,
        logical: &str,
    ) -> Result<usize, InstallError> {
        if !self.done.insert(logical.to_string()) {
            return Err(InstallError::new(
                InstallError::PERMISSION_INVALID,
                format!(
                    "{field}: the permissions setting for {logical} is specified more than once in the appspec"
                ),
            ));
        }
        let refused = |e| self.root.refusal(e, logical);
        let (parent, name) = self.root.parent(logical).map_err(refused)?;
        let stat = fstatat(parent.as_fd(), name.as_str(), AtFlags::AT_SYMLINK_NOFOLLOW)
            .map_err(refused)?;
        // Links are never followed: a link's own mode does not exist on Linux, and following it
        // would change a file the permission does not name. Everything else is changed through
        // a descriptor opened without following links, never by path.
        if Kind::of(&stat) == Kind::Link {
            if perm.owner.is_some() || perm.group.is_some() {
                return chown(&Target::Link(&parent, &name), perm, field, logical);
            }
            return Ok(0);
        }
        let fd = nix::fcntl::openat(
            parent.as_fd(),
            name.as_str(),
            OFlag::O_RDONLY | OFlag::O_NOFOLLOW | OFlag::O_NONBLOCK | OFlag::O_CLOEXEC,
            Mode::empty(),
        )
        .map_err(refused)?;
        if let Some(mode) = &perm.mode {
            fchmod(fd.as_fd(), Mode::from_bits_truncate(mode.bits)).map_err(|e| {
                InstallError::io(&e.into(), &format!("chmod {} {logical}", mode.text))
            })?;
        }
        if !perm.acls.is_empty() {
            set_acl(&fd, perm, field, logical)?;
        }
        if let Some(context) = &perm.context {
            set_context(&fd, context, field, logical)?;
        }
        if perm.owner.is_some() || perm.group.is_some() {
            return chown(&Target::File(&fd), perm, field, logical);
        }
        Ok(0)
    }
}

/// What a chown applies to: an open file or directory, or a link by name in its directory.
enum Target<'a> {
    File(&'a OwnedFd),
    Link(&'a OwnedFd, &'a str),
}

/// A path other programs (setfacl, restorecon) can open that is exactly the file we opened.
fn fd_path(fd: &OwnedFd) -> PathBuf {
    PathBuf::from(format!(
        "/proc/{}/fd/{}",
        std::process::id(),
        fd.as_raw_fd()
    ))
}

fn check_no_default_acl(perm: &Permission, field: &str, object: &str) -> Result<(), InstallError> {
    let has_default = perm
        .acls
        .iter()
        .filter_map(|a| parse_ace(a, false).ok())
        .any(|a| a.default);
    if has_default {
        return Err(InstallError::new(
            InstallError::PERMISSION_INVALID,
            format!(
                "{field}: default (d:) acl entries apply to directories only, and {object} is a file"
            ),
        ));
    }
    Ok(())
}

fn chown(
    target: &Target<'_>,
    perm: &Permission,
    field: &str,
    logical: &str,
) -> Result<usize, InstallError> {
    let root = geteuid().is_root();
    let unknown = |what: &str, name: &str| {
        InstallError::new(
            InstallError::OWNER_UNKNOWN,
            format!("{field}.{what}: no {what} named `{name}` on this host (for {logical})"),
        )
    };
    let uid: Option<Uid> = match &perm.owner {
        None => None,
        Some(name) => match User::from_name(name) {
            Ok(Some(user)) => Some(user.uid),
            _ if root => return Err(unknown("owner", name)),
            _ => return Ok(1),
        },
    };
    let gid: Option<Gid> = match &perm.group {
        None => None,
        Some(name) => match Group::from_name(name) {
            Ok(Some(group)) => Some(group.gid),
            _ if root => return Err(unknown("group", name)),
            _ => return Ok(1),
        },
    };
    if !root {
        let differs = uid.is_some_and(|u| u != geteuid()) || gid.is_some_and(|g| g != getegid());
        return Ok(usize::from(differs));
    }
    match target {
        Target::File(fd) => fchown(fd.as_fd(), uid, gid),
        Target::Link(dir, name) => fchownat(
            dir.as_fd(),
            *name,
            uid,
            gid,
            FchownatFlags::AT_SYMLINK_NOFOLLOW,
        ),
    }
    .map_err(|e| InstallError::io(&e.into(), &format!("chown {logical}")))?;
    Ok(0)
}

/// The full ACL `setfacl --set` needs: the appspec's entries plus base entries from the file's
/// mode, and masks/defaults where the named entries need them (CodeDeploy's `get_full_acl`).
pub(super) fn full_acl(aces: &[Ace], mode: u32) -> Vec<String> {
    let digit = |shift: u32| {
        let d = (mode >> shift) & 7;
        [d & 4 != 0, d & 2 != 0, d & 1 != 0]
    };
    let (user, group, other) = (digit(6), digit(3), digit(0));
    let base = |default: bool, kind: &'static str, perms: [bool; 3]| Ace {
        default,
        kind,
        name: String::new(),
        perms,
    };
    let mut all: Vec<Ace> = aces.to_vec();
    all.push(base(false, "user", user));
    all.push(base(false, "group", group));
    all.push(base(false, "other", other));
    let has = |all: &[Ace], f: &dyn Fn(&Ace) -> bool| all.iter().any(f);
    if has(&all, &|a| !a.default && !a.name.is_empty())
        && !has(&all, &|a| !a.default && a.kind == "mask")
    {
        all.push(base(false, "mask", group));
    }
    if has(&all, &|a| a.default) {
        if !has(&all, &|a| {
            a.default && a.kind == "user" && a.name.is_empty()
        }) {
            all.push(base(true, "user", user));
        }
        let default_group = all
            .iter()
            .find(|a| a.default && a.kind == "group" && a.name.is_empty())
            .map(|a| a.perms);
        if default_group.is_none() {
            all.push(base(true, "group", group));
        }
        if !has(&all, &|a| a.default && a.kind == "other") {
            all.push(base(true, "other", other));
        }
        if has(&all, &|a| a.default && !a.name.is_empty())
            && !has(&all, &|a| a.default && a.kind == "mask")
        {
            all.push(base(true, "mask", default_group.unwrap_or(group)));
        }
    }
    all.iter().map(Ace::render).collect()
}

fn set_acl(
    fd: &OwnedFd,
    perm: &Permission,
    field: &str,
    logical: &str,
) -> Result<(), InstallError> {
    let aces: Vec<Ace> = perm
        .acls
        .iter()
        .filter_map(|a| parse_ace(a, false).ok())
        .collect();
    let mode = fstat(fd.as_fd())
        .map_err(|e| InstallError::io(&e.into(), logical))?
        .st_mode;
    let acl = full_acl(&aces, mode).join(",");
    run(
        Command::new("setfacl")
            .arg("--set")
            .arg(&acl)
            .arg(fd_path(fd)),
        InstallError::ACL_FAILED,
        field,
        logical,
    )
}

fn set_context(
    fd: &OwnedFd,
    context: &crate::appspec::SeLinuxContext,
    field: &str,
    logical: &str,
) -> Result<(), InstallError> {
    let real = std::fs::read_link(fd_path(fd)).map_err(|e| InstallError::io(&e, logical))?;
    let mut semanage = Command::new("semanage");
    semanage.args(["fcontext", "-a"]);
    if let Some(user) = &context.name {
        semanage.arg("-s").arg(user);
    }
    semanage.arg("-t").arg(&context.context_type);
    if let Some(range) = &context.range {
        semanage.arg("-r").arg(range);
    }
    semanage.arg(&real);
    run(&mut semanage, InstallError::CONTEXT_FAILED, field, logical)?;
    run(
        Command::new("restorecon").arg("-v").arg(&real),
        InstallError::CONTEXT_FAILED,
        field,
        logical,
    )
}

/// Runs a helper with arguments (never through a shell).
fn run(
    cmd: &mut Command,
    code: &'static str,
    field: &str,
    logical: &str,
) -> Result<(), InstallError> {
    let program = cmd.get_program().to_string_lossy().into_owned();
    let output = cmd.output().map_err(|e| {
        InstallError::new(
            code,
            format!("{field}: cannot run {program} for {logical}: {e}"),
        )
    })?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    Err(InstallError::new(
        code,
        format!(
            "{field}: {program} failed for {logical} ({}): {}",
            output.status,
            stderr.trim()
        ),
    ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn aces(list: &[&str]) -> Vec<Ace> {
        list.iter().map(|a| parse_ace(a, false).unwrap()).collect()
    }

    #[test]
    fn full_acl_adds_base_entries_from_the_mode() {
        let acl = full_acl(&aces(&["u:alice:rw-"]), 0o640);
        assert_eq!(
            acl,
            [
                "user:alice:rw-",
                "user::rw-",
                "group::r--",
                "other::---",
                "mask::r--"
            ]
        );
    }

    #[test]
    fn full_acl_completes_default_entries() {
        let acl = full_acl(&aces(&["d:u:alice:rwx"]), 0o750);
        assert!(acl.contains(&"default:user::rwx".to_string()), "{acl:?}");
        assert!(acl.contains(&"default:group::r-x".to_string()));
        assert!(acl.contains(&"default:other::---".to_string()));
        assert!(acl.contains(&"default:mask::r-x".to_string()));
    }

    #[test]
    fn ace_forms_follow_the_agent() {
        assert_eq!(
            parse_ace("alice:6", false).unwrap().render(),
            "user:alice:rw-"
        );
        assert_eq!(
            parse_ace("g:ops:r-x", false).unwrap().render(),
            "group:ops:r-x"
        );
        assert_eq!(
            parse_ace("default:user:bob:7", false).unwrap().render(),
            "default:user:bob:rwx"
        );
        assert!(parse_ace("d:d:u:x:r", false).is_err());
        assert!(parse_ace("o:name:r", false).is_err());
        assert!(
            parse_ace("other::r", false)
                .unwrap_err()
                .contains("use mode")
        );
        assert!(parse_ace("other::r", true).is_ok());
        assert!(parse_ace("x", false).is_err());
    }
}
