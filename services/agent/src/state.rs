//! What the agent keeps on disk under `<root>/var/lib/liftoff-agent`: its identity, the
//! journal of the command in flight, and per deployment group the last revision that succeeded
//! (its ApplicationStop hooks run first on the next deployment, as CodeDeploy does).

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Identity {
    pub host_id: Uuid,
    pub credential: String,
    pub server: String,
    pub heartbeat_interval_secs: u64,
}

/// Written before a command runs, removed when its completion is acknowledged.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Journal {
    pub command_id: Uuid,
    pub deployment_id: Uuid,
    /// The lifecycle event running when the agent stopped, if any.
    pub event: Option<String>,
}

/// The last revision that succeeded in a deployment group on this host.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LastSuccess {
    pub deployment_id: Uuid,
    pub revision_id: Uuid,
    pub archive_dir: PathBuf,
    pub manifest: Vec<PathBuf>,
}

#[derive(Debug, Clone)]
pub struct StateDir {
    pub dir: PathBuf,
}

impl StateDir {
    pub fn new(root: &Path) -> Self {
        Self {
            dir: root.join("var/lib/liftoff-agent"),
        }
    }

    pub fn ensure(&self) -> std::io::Result<()> {
        std::fs::create_dir_all(self.dir.join("deployments"))?;
        std::fs::create_dir_all(self.dir.join("groups"))
    }

    pub fn deployments(&self) -> PathBuf {
        self.dir.join("deployments")
    }

    fn identity_path(&self) -> PathBuf {
        self.dir.join("identity.json")
    }

    fn journal_path(&self) -> PathBuf {
        self.dir.join("journal.json")
    }

    fn group_path(&self, group_id: Uuid) -> PathBuf {
        self.dir.join("groups").join(format!("{group_id}.json"))
    }

    pub fn identity(&self) -> anyhow::Result<Option<Identity>> {
        read_json(&self.identity_path())
    }

    pub fn save_identity(&self, id: &Identity) -> anyhow::Result<()> {
        write_json(&self.identity_path(), id)
    }

    pub fn journal(&self) -> anyhow::Result<Option<Journal>> {
        read_json(&self.journal_path())
    }

    pub fn save_journal(&self, j: &Journal) -> anyhow::Result<()> {
        write_json(&self.journal_path(), j)
    }

    pub fn clear_journal(&self) -> anyhow::Result<()> {
        match std::fs::remove_file(self.journal_path()) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    pub fn last_success(&self, group_id: Uuid) -> anyhow::Result<Option<LastSuccess>> {
        read_json(&self.group_path(group_id))
    }

    pub fn save_last_success(&self, group_id: Uuid, s: &LastSuccess) -> anyhow::Result<()> {
        write_json(&self.group_path(group_id), s)
    }
}

fn read_json<T: DeserializeOwned>(path: &Path) -> anyhow::Result<Option<T>> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(
            serde_json::from_slice(&bytes)
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?,
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(anyhow::anyhow!("{}: {e}", path.display())),
    }
}

/// Atomic and durable: write a private temp file, fsync, rename, fsync the directory.
fn write_json<T: Serialize>(path: &Path, value: &T) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| anyhow::anyhow!("{} has no parent", path.display()))?;
    let tmp = dir.join(format!(".{}.tmp", Uuid::new_v4()));
    {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(&serde_json::to_vec_pretty(value)?)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    std::fs::File::open(dir)?.sync_all()?;
    Ok(())
}
