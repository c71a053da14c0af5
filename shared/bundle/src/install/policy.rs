//! The host's policy over what a bundle's Install step may do. The Install step runs as the
//! agent (root on a real host), so a host that does not let a deployer run code as root must also
//! keep `files` and `permissions` from doing it for them: no setuid/setgid file, nothing given to
//! root, and files written only under the directories the host allows. Everything here is
//! checked on the appspec alone, before anything on the host is removed or written.

use std::path::{Component, Path, PathBuf};

use nix::unistd::{Group, User};

use super::{InstallError, host_path};
use crate::appspec::{AppSpec, ObjectType};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InstallPolicy {
    /// Refuse `permissions` that set the setuid or setgid bit, or make root (uid or gid 0) a
    /// file's owner or group.
    pub no_root_files: bool,
    /// Host directories (absolute) under which `files` may be installed; empty: anywhere under
    /// the install root.
    pub allow: Vec<PathBuf>,
}

impl InstallPolicy {
    pub fn check(&self, spec: &AppSpec, dest_root: &Path) -> Result<(), InstallError> {
        if !self.allow.is_empty() {
            for (i, mapping) in spec.files.iter().enumerate() {
                let host = host_path(dest_root, &mapping.destination);
                if !self.allow.iter().any(|dir| beneath(&host, dir)) {
                    return Err(InstallError::new(
                        InstallError::DESTINATION_FORBIDDEN,
                        format!(
                            "files[{i}].destination: {} ({}) is outside the directories this host lets Install write: {} (the agent's --install-allow)",
                            mapping.destination,
                            host.display(),
                            self.allow
                                .iter()
                                .map(|d| d.display().to_string())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ));
                }
            }
        }
        if self.no_root_files {
            for (i, perm) in spec.permissions.iter().enumerate() {
                let field = format!("permissions[{i}]");
                let refuse = |what: String| {
                    Err(InstallError::new(
                        InstallError::PERMISSION_FORBIDDEN,
                        format!(
                            "{field}: {what} for {}; this host forbids root-owned and setuid/setgid files from bundles (--no-root-hooks)",
                            perm.object
                        ),
                    ))
                };
                // setgid on a directory only makes new files inherit its group: allowed when the
                // entry applies to directories alone.
                if let Some(mode) = &perm.mode
                    && (mode.bits & 0o4000 != 0
                        || (mode.bits & 0o2000 != 0 && perm.applies_to(ObjectType::File)))
                {
                    return refuse(format!("mode {} sets setuid or setgid on files", mode.text));
                }
                if let Some(owner) = &perm.owner
                    && is_root_user(owner)
                {
                    return refuse(format!("owner `{owner}` is root"));
                }
                if let Some(group) = &perm.group
                    && is_root_group(group)
                {
                    return refuse(format!("group `{group}` is root's"));
                }
            }
        }
        Ok(())
    }
}

/// `path` is `dir` or below it, compared component by component with no `..` anywhere.
fn beneath(path: &Path, dir: &Path) -> bool {
    let plain = |p: &Path| p.components().all(|c| !matches!(c, Component::ParentDir));
    plain(path) && plain(dir) && path.starts_with(dir)
}

fn is_root_user(name: &str) -> bool {
    name == "root" || name == "0" || matches!(User::from_name(name), Ok(Some(u)) if u.uid.is_root())
}

fn is_root_group(name: &str) -> bool {
    name == "root"
        || name == "0"
        || matches!(Group::from_name(name), Ok(Some(g)) if g.gid.as_raw() == 0)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn spec(text: &str) -> AppSpec {
        crate::appspec::AppSpec::parse(text).unwrap()
    }

    #[test]
    fn setuid_and_root_ownership_are_refused_only_when_the_host_says_so() {
        let s = spec(
            "version: 0.0\nos: linux\nfiles:\n  - source: tools\n    destination: /opt/tools\npermissions:\n  - object: /opt/tools/sh\n    mode: 4755\n",
        );
        let strict = InstallPolicy {
            no_root_files: true,
            ..InstallPolicy::default()
        };
        let err = strict.check(&s, Path::new("/")).unwrap_err();
        assert_eq!(err.code, InstallError::PERMISSION_FORBIDDEN, "{err}");
        assert!(InstallPolicy::default().check(&s, Path::new("/")).is_ok());
        let shared_dirs = spec(
            "version: 0.0\nos: linux\nfiles:\n  - source: a\n    destination: /srv/a\npermissions:\n  - object: /srv/a\n    mode: 2775\n    type:\n      - directory\n",
        );
        assert!(strict.check(&shared_dirs, Path::new("/")).is_ok());
        let setgid_files = spec(
            "version: 0.0\nos: linux\nfiles:\n  - source: a\n    destination: /srv/a\npermissions:\n  - object: /srv/a\n    mode: 2755\n",
        );
        assert!(strict.check(&setgid_files, Path::new("/")).is_err());
        let owned = spec(
            "version: 0.0\nos: linux\nfiles:\n  - source: tools\n    destination: /opt/tools\npermissions:\n  - object: /opt/tools\n    owner: root\n    group: nogroup\n",
        );
        assert_eq!(
            strict.check(&owned, Path::new("/")).unwrap_err().code,
            InstallError::PERMISSION_FORBIDDEN
        );
    }

    #[test]
    fn destinations_must_be_under_an_allowed_directory() {
        let s = spec(
            "version: 0.0\nos: linux\nfiles:\n  - source: cron\n    destination: /etc/cron.d\n",
        );
        let policy = InstallPolicy {
            allow: vec![PathBuf::from("/srv/root/opt")],
            ..InstallPolicy::default()
        };
        let err = policy.check(&s, Path::new("/srv/root")).unwrap_err();
        assert_eq!(err.code, InstallError::DESTINATION_FORBIDDEN, "{err}");
        let ok =
            spec("version: 0.0\nos: linux\nfiles:\n  - source: a\n    destination: /opt/app\n");
        assert!(policy.check(&ok, Path::new("/srv/root")).is_ok());
        let sideways =
            spec("version: 0.0\nos: linux\nfiles:\n  - source: a\n    destination: /optional\n");
        assert!(policy.check(&sideways, Path::new("/srv/root")).is_err());
    }
}
