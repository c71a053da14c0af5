//! Every path the Install step touches is resolved beneath the install root, whatever symlinks
//! earlier deployments (or anyone else) left there: a link `<root>/l -> ..` must not let the next
//! install write `<root>/../esc`.
//!
//! A destination's parent directory is opened with `openat2(RESOLVE_BENEATH |
//! RESOLVE_NO_MAGICLINKS)` where the kernel has it (Linux 5.6+): links that stay beneath the root
//! are followed, one that leads out of it fails with `EXDEV`. Where `openat2` is missing, the
//! parent is walked one component at a time with `O_NOFOLLOW`, so any link on the way is refused.
//! The last component is then always handled relative to that open directory (`mkdirat`,
//! `openat(O_CREAT|O_EXCL|O_NOFOLLOW)`, `symlinkat`, `renameat`, `unlinkat`), never by path, so
//! nothing can be swapped for a link between the check and the write.

use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::fcntl::{AtFlags, OFlag, OpenHow, ResolveFlag, openat, openat2};
use nix::sys::stat::{FileStat, Mode, SFlag, fstatat};

use super::InstallError;

/// The install root, open.
pub(super) struct Root {
    fd: OwnedFd,
    path: PathBuf,
}

/// What is at a path, without following a link there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Dir,
    Link,
    Other,
}

impl Kind {
    pub fn of(stat: &FileStat) -> Kind {
        match SFlag::from_bits_truncate(stat.st_mode) & SFlag::S_IFMT {
            SFlag::S_IFDIR => Kind::Dir,
            SFlag::S_IFLNK => Kind::Link,
            _ => Kind::Other,
        }
    }
}

const DIR_FLAGS: OFlag = OFlag::O_RDONLY
    .union(OFlag::O_DIRECTORY)
    .union(OFlag::O_CLOEXEC);

impl Root {
    pub fn open(path: &Path) -> Result<Root, InstallError> {
        let fd = nix::fcntl::open(path, DIR_FLAGS, Mode::empty()).map_err(|e| {
            InstallError::io(
                &io::Error::from(e),
                &format!("install root {}", path.display()),
            )
        })?;
        Ok(Root {
            fd,
            path: path.to_path_buf(),
        })
    }

    /// Opens the directory at `logical` (an absolute appspec path) beneath the root.
    pub fn dir(&self, logical: &str) -> Result<OwnedFd, Errno> {
        let rel = logical.trim_matches('/');
        if rel.is_empty() {
            return openat(self.fd.as_fd(), ".", DIR_FLAGS, Mode::empty());
        }
        let how = OpenHow::new()
            .flags(DIR_FLAGS)
            .resolve(ResolveFlag::RESOLVE_BENEATH | ResolveFlag::RESOLVE_NO_MAGICLINKS);
        match openat2(self.fd.as_fd(), rel, how) {
            Err(Errno::ENOSYS) | Err(Errno::EPERM) => self.walk(rel),
            other => other,
        }
    }

    /// The fallback without `openat2`: one component at a time, never through a link.
    fn walk(&self, rel: &str) -> Result<OwnedFd, Errno> {
        let mut dir = openat(self.fd.as_fd(), ".", DIR_FLAGS, Mode::empty())?;
        for name in rel.split('/').filter(|c| !c.is_empty()) {
            if name == ".." {
                return Err(Errno::EXDEV);
            }
            dir = match openat(
                dir.as_fd(),
                name,
                DIR_FLAGS | OFlag::O_NOFOLLOW,
                Mode::empty(),
            ) {
                // O_DIRECTORY|O_NOFOLLOW on a link says ENOTDIR; it is a link on the way.
                Err(Errno::ENOTDIR)
                    if fstatat(dir.as_fd(), name, AtFlags::AT_SYMLINK_NOFOLLOW)
                        .is_ok_and(|st| Kind::of(&st) == Kind::Link) =>
                {
                    return Err(Errno::ELOOP);
                }
                other => other?,
            };
        }
        Ok(dir)
    }

    /// The open parent directory of `logical` and its last component.
    pub fn parent(&self, logical: &str) -> Result<(OwnedFd, String), Errno> {
        let trimmed = logical.trim_end_matches('/');
        let (parent, name) = trimmed.rsplit_once('/').unwrap_or(("", trimmed));
        if name.is_empty() || name == "." || name == ".." {
            return Err(Errno::EINVAL);
        }
        Ok((self.dir(parent)?, name.to_string()))
    }

    /// What is at `logical` (not following a link there); `None` if nothing is, or if its
    /// parent does not exist. A path leading out of the root is an error.
    pub fn kind(&self, logical: &str) -> Result<Option<Kind>, InstallError> {
        if logical.trim_matches('/').is_empty() {
            return Ok(Some(Kind::Dir));
        }
        let found = self.parent(logical).and_then(|(dir, name)| {
            fstatat(dir.as_fd(), name.as_str(), AtFlags::AT_SYMLINK_NOFOLLOW)
        });
        match found {
            Ok(stat) => Ok(Some(Kind::of(&stat))),
            Err(Errno::ENOENT) | Err(Errno::ENOTDIR) => Ok(None),
            Err(e) => Err(self.refusal(e, logical)),
        }
    }

    /// The error for a path that could not be resolved beneath the root.
    pub fn refusal(&self, e: Errno, logical: &str) -> InstallError {
        match e {
            Errno::EXDEV | Errno::ELOOP => InstallError::new(
                InstallError::PATH_ESCAPES_ROOT,
                format!(
                    "{logical}: the path goes through a symlink that leads outside the install root {}; nothing is written through it",
                    self.path.display()
                ),
            ),
            other => InstallError::io(&io::Error::from(other), logical),
        }
    }
}

/// `target`, a symlink's text, resolved lexically from `link` (its path relative to the tree it
/// is installed from): whether it stays inside that tree.
pub(super) fn link_stays_inside(link: &Path, target: &Path) -> bool {
    if target.is_absolute() {
        return false;
    }
    let mut depth: i64 = link.components().count() as i64 - 1;
    for c in target.components() {
        match c {
            std::path::Component::ParentDir => depth -= 1,
            std::path::Component::Normal(_) => depth += 1,
            std::path::Component::CurDir => {}
            _ => return false,
        }
        if depth < 0 {
            return false;
        }
    }
    true
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn links_are_judged_from_their_place_in_the_tree() {
        assert!(link_stays_inside(Path::new("a/l"), Path::new("b")));
        assert!(link_stays_inside(Path::new("a/l"), Path::new("../b")));
        assert!(!link_stays_inside(Path::new("a/l"), Path::new("../..")));
        assert!(!link_stays_inside(Path::new("l"), Path::new("..")));
        assert!(!link_stays_inside(Path::new("a/l"), Path::new("/etc")));
        assert!(!link_stays_inside(
            Path::new("a/l"),
            Path::new("x/../../../y")
        ));
    }

    #[test]
    fn a_link_out_of_the_root_is_refused_and_one_inside_is_followed() {
        let top = tempfile::tempdir().unwrap();
        let root = top.path().join("root");
        std::fs::create_dir_all(root.join("inside")).unwrap();
        std::os::unix::fs::symlink("..", root.join("l")).unwrap();
        std::os::unix::fs::symlink("inside", root.join("ok")).unwrap();
        let r = Root::open(&root).unwrap();
        let err = r.kind("/l/esc").unwrap_err();
        assert_eq!(err.code, InstallError::PATH_ESCAPES_ROOT, "{err}");
        assert!(r.kind("/inside/x").unwrap().is_none());
        assert_eq!(r.kind("/inside").unwrap(), Some(Kind::Dir));
        assert_eq!(r.kind("/").unwrap(), Some(Kind::Dir));
        assert_eq!(r.kind("/l").unwrap(), Some(Kind::Link));
        // The fallback walk refuses every link on the way.
        assert_eq!(r.walk("l").unwrap_err(), Errno::ELOOP);
        assert!(r.walk("inside").is_ok());
    }
}
