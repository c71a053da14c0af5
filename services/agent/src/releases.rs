//! Release directories (`deployments/<deployment>/`, one per deployment this host ran): keep
//! the newest few, prune the rest. The last successful release of every deployment group is
//! never pruned, whatever its age: its ApplicationStop hooks run first on the group's next
//! deployment, and its install manifest says what to clean up.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use uuid::Uuid;

use crate::state::StateDir;

/// What a prune removed and kept.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Pruned {
    pub removed: Vec<PathBuf>,
    /// Older than the newest `keep`, kept because a group's last success lives there.
    pub protected: Vec<PathBuf>,
}

/// Keeps the newest `keep` release directories (by modification time) plus `current` and every
/// group's last successful release; removes the others. Errors removing one directory are
/// logged and skipped: pruning must never fail a deployment.
pub fn prune(state: &StateDir, keep: usize, current: Option<Uuid>) -> anyhow::Result<Pruned> {
    let root = state.deployments();
    let mut protected: BTreeSet<PathBuf> = state
        .all_last_successes()?
        .iter()
        .filter_map(|s| release_dir_of(&root, &s.archive_dir))
        .collect();
    if let Some(c) = current {
        protected.insert(root.join(c.to_string()));
    }
    if let Some(j) = state.journal()? {
        protected.insert(root.join(j.deployment_id.to_string()));
    }
    let mut releases: Vec<(SystemTime, PathBuf)> = Vec::new();
    for entry in std::fs::read_dir(&root)? {
        let entry = entry?;
        let meta = entry.metadata()?;
        if meta.is_dir() {
            releases.push((meta.modified()?, entry.path()));
        }
    }
    // Newest first; equal times in a stable order.
    releases.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let mut out = Pruned::default();
    for (_, dir) in releases.into_iter().skip(keep) {
        if protected.contains(&dir) {
            out.protected.push(dir);
            continue;
        }
        match std::fs::remove_dir_all(&dir) {
            Ok(()) => out.removed.push(dir),
            Err(e) => tracing::warn!(dir = %dir.display(), error = %e, "could not prune a release"),
        }
    }
    Ok(out)
}

/// `deployments/<deployment>` for a path anywhere inside it.
fn release_dir_of(root: &Path, inside: &Path) -> Option<PathBuf> {
    let first = inside.strip_prefix(root).ok()?.components().next()?;
    Some(root.join(first.as_os_str()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::time::{Duration, SystemTime};

    use super::*;
    use crate::state::LastSuccess;

    fn state() -> (tempdir::Dir, StateDir) {
        let dir = tempdir::Dir::new();
        let state = StateDir::new(dir.path());
        state.ensure().unwrap();
        (dir, state)
    }

    /// A release directory for `deployment`, last modified `age_secs` ago.
    fn release(state: &StateDir, age_secs: u64) -> (Uuid, PathBuf) {
        let id = Uuid::new_v4();
        let dir = state.deployments().join(id.to_string());
        let archive = dir.join(Uuid::new_v4().to_string()).join("archive");
        std::fs::create_dir_all(&archive).unwrap();
        std::fs::write(archive.join("appspec.yml"), "version: 0.0\nos: linux\n").unwrap();
        let when = SystemTime::now() - Duration::from_secs(age_secs);
        std::fs::File::open(&dir)
            .unwrap()
            .set_modified(when)
            .unwrap();
        (id, archive)
    }

    #[test]
    fn keeps_the_newest_and_every_groups_last_success() {
        let (_tmp, state) = state();
        // Ten releases, r[0] the oldest.
        let r: Vec<_> = (0..10).map(|i| release(&state, 1000 - i * 10)).collect();
        // Two groups whose last success is old, and one whose last success is recent.
        for (group, idx) in [
            (Uuid::new_v4(), 0usize),
            (Uuid::new_v4(), 2),
            (Uuid::new_v4(), 9),
        ] {
            state
                .save_last_success(
                    group,
                    &LastSuccess {
                        deployment_id: r[idx].0,
                        revision_id: Uuid::new_v4(),
                        application: None,
                        deployment_group: None,
                        archive_dir: r[idx].1.clone(),
                        manifest: vec![],
                    },
                )
                .unwrap();
        }
        let current = r[5].0;
        let pruned = prune(&state, 3, Some(current)).unwrap();
        let left: BTreeSet<Uuid> = std::fs::read_dir(state.deployments())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_str().unwrap().parse().unwrap())
            .collect();
        let want: BTreeSet<Uuid> = [7usize, 8, 9, 0, 2, 5].iter().map(|&i| r[i].0).collect();
        assert_eq!(left, want, "pruned: {pruned:?}");
        assert_eq!(pruned.removed.len(), 4);
        assert_eq!(pruned.protected.len(), 3);
        // A protected release keeps its files.
        assert!(r[0].1.join("appspec.yml").exists());
    }

    #[test]
    fn the_release_of_the_command_in_flight_is_kept() {
        let (_tmp, state) = state();
        let (old, _) = release(&state, 500);
        release(&state, 10);
        state
            .save_journal(&crate::state::Journal {
                command_id: Uuid::new_v4(),
                deployment_id: old,
                event: None,
                hook: None,
                unsent: Vec::new(),
            })
            .unwrap();
        let pruned = prune(&state, 1, None).unwrap();
        assert!(pruned.removed.is_empty(), "{pruned:?}");
        assert!(state.deployments().join(old.to_string()).exists());
    }

    #[test]
    fn keep_zero_still_keeps_protected_releases() {
        let (_tmp, state) = state();
        let (a, _) = release(&state, 30);
        let (b, _) = release(&state, 20);
        let pruned = prune(&state, 0, Some(b)).unwrap();
        assert_eq!(
            pruned.removed,
            vec![state.deployments().join(a.to_string())]
        );
        assert!(state.deployments().join(b.to_string()).exists());
    }

    /// A directory removed on drop (the agent crate has no `tempfile` dependency).
    mod tempdir {
        use std::path::{Path, PathBuf};
        use std::sync::atomic::{AtomicU32, Ordering};

        pub struct Dir(PathBuf);

        impl Dir {
            pub fn new() -> Self {
                static NEXT: AtomicU32 = AtomicU32::new(0);
                let path = std::env::temp_dir().join(format!(
                    "liftoff-releases-test-{}-{}",
                    std::process::id(),
                    NEXT.fetch_add(1, Ordering::Relaxed)
                ));
                let _ = std::fs::remove_dir_all(&path);
                std::fs::create_dir_all(&path).unwrap();
                Self(path)
            }
            pub fn path(&self) -> &Path {
                &self.0
            }
        }

        impl Drop for Dir {
            fn drop(&mut self) {
                let _ = std::fs::remove_dir_all(&self.0);
            }
        }
    }
}
