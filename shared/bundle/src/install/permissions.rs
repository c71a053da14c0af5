//! Applies `permissions` to what the Install step created, with CodeDeploy's selection rules: an
//! object that is an installed file gets the permission itself (pattern must be `**`); an
//! object that is a directory selects the installed files and created directories below it.
//! Selecting one path twice is an error, as in the agent.

use std::collections::BTreeSet;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use nix::unistd::{Gid, Group, Uid, User, getegid, geteuid};

use super::plan::Plan;
use super::{InstallError, host_path};
use crate::appspec::{Ace, parse_ace};
use crate::appspec::{ObjectType, Permission};

pub(super) struct Applier<'a> {
    dest_root: &'a Path,
    done: BTreeSet<String>,
    pub warnings: Vec<String>,
}

impl<'a> Applier<'a> {
    pub fn new(dest_root: &'a Path) -> Applier<'a> {
        Applier {
            dest_root,
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
            } else if plan.mkdir_targets.contains(object)
                || fs::metadata(host_path(self.dest_root, object)).is_ok_and(|m| m.is_dir())
            {
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
        let host = host_path(self.dest_root, logical);
        let meta = fs::symlink_metadata(&host).map_err(|e| InstallError::io(&e, logical))?;
        // Links are never followed: a link's own mode does not exist on Linux, and following it
        // would change a file the permission does not name.
        let is_link = meta.file_type().is_symlink();
        if let (Some(mode), false) = (&perm.mode, is_link) {
            fs::set_permissions(&host, fs::Permissions::from_mode(mode.bits))
                .map_err(|e| InstallError::io(&e, &format!("chmod {} {logical}", mode.text)))?;
        }
        if !perm.acls.is_empty() && !is_link {
            set_acl(&host, perm, field, logical)?;
        }
        if let (Some(context), false) = (&perm.context, is_link) {
            set_context(&host, context, field, logical)?;
        }
        if perm.owner.is_some() || perm.group.is_some() {
            return chown(&host, perm, field, logical);
        }
        Ok(0)
    }
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
    host: &Path,
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
    std::os::unix::fs::lchown(host, uid.map(Uid::as_raw), gid.map(Gid::as_raw))
        .map_err(|e| InstallError::io(&e, &format!("chown {logical}")))?;
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

fn set_acl(host: &Path, perm: &Permission, field: &str, logical: &str) -> Result<(), InstallError> {
    let aces: Vec<Ace> = perm
        .acls
        .iter()
        .filter_map(|a| parse_ace(a, false).ok())
        .collect();
    let mode = fs::metadata(host)
        .map_err(|e| InstallError::io(&e, logical))?
        .permissions()
        .mode();
    let acl = full_acl(&aces, mode).join(",");
    run(
        Command::new("setfacl").arg("--set").arg(&acl).arg(host),
        InstallError::ACL_FAILED,
        field,
        logical,
    )
}

fn set_context(
    host: &Path,
    context: &crate::appspec::SeLinuxContext,
    field: &str,
    logical: &str,
) -> Result<(), InstallError> {
    let real = fs::canonicalize(host).map_err(|e| InstallError::io(&e, logical))?;
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
