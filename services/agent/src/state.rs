//! What the agent keeps on disk under `<root>/var/lib/liftoff-agent`: its identity, the
//! journal of the command in flight, the ledger of recently finished commands (so a command
//! delivered twice never runs twice, and a completion the server never received is sent again),
//! and per deployment group the last revision that succeeded (its ApplicationStop hooks run first
//! on the next deployment, as CodeDeploy does). Every write is atomic and durable.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use liftoff_types::scheduler::CommandStatus;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Finished commands remembered in the ledger.
const LEDGER_LEN: usize = 100;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Identity {
    pub host_id: Uuid,
    pub credential: String,
    pub server: String,
    pub heartbeat_interval_secs: u64,
}

/// Written before a command is acknowledged, removed once its outcome is in the ledger.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Journal {
    pub command_id: Uuid,
    pub deployment_id: Uuid,
    /// The lifecycle event running when the agent stopped, if any.
    pub event: Option<String>,
    /// The hook script running when the agent stopped, if any.
    #[serde(default)]
    pub hook: Option<RunningHook>,
    /// Final event reports not yet known to be sent (they go with the next report): sent
    /// first after a restart. Sending one twice is harmless; the server keeps the first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unsent: Vec<liftoff_types::scheduler::EventReport>,
}

/// A hook process, identified beyond its pid (pids are reused).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunningHook {
    /// The script's pid, which is also its process group id.
    pub pid: i32,
    /// Its start time in clock ticks since boot (`/proc/<pid>/stat` field 22).
    pub start_ticks: u64,
}

/// The outcome of a command this host finished, kept until well after the server has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finished {
    pub command_id: Uuid,
    pub status: CommandStatus,
    pub error_code: Option<String>,
    pub message: Option<String>,
    pub finished_at: DateTime<Utc>,
    /// True once the server acknowledged the completion.
    pub reported: bool,
    /// Event reports not sent yet, sent with the completion (dropped once it is confirmed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reports: Vec<liftoff_types::scheduler::EventReport>,
}

/// The last revision that succeeded in a deployment group on this host.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LastSuccess {
    pub deployment_id: Uuid,
    pub revision_id: Uuid,
    /// The application and group names, for the hooks' environment at scale-in (absent in
    /// records written by agents before 0.1 kept them).
    #[serde(default)]
    pub application: Option<String>,
    #[serde(default)]
    pub deployment_group: Option<String>,
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

    /// Runs state writes (which fsync) off the async worker threads, so a slow disk never
    /// stalls the agent's network I/O (nor, with `--simulate`, every other virtual host's).
    pub async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&StateDir) -> anyhow::Result<T> + Send + 'static,
    ) -> anyhow::Result<T> {
        let me = self.clone();
        tokio::task::spawn_blocking(move || f(&me)).await?
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

    fn ledger_path(&self) -> PathBuf {
        self.dir.join("finished.json")
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

    /// Atomic but not fsynced: for what only matters while the machine stays up (the pid of a
    /// running hook: after a reboot there is no process left to stop).
    pub fn save_journal_volatile(&self, j: &Journal) -> anyhow::Result<()> {
        write_json_with(&self.journal_path(), j, false)
    }

    pub fn clear_journal(&self) -> anyhow::Result<()> {
        match std::fs::remove_file(self.journal_path()) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Recently finished commands, oldest first.
    pub fn ledger(&self) -> anyhow::Result<Vec<Finished>> {
        Ok(read_json(&self.ledger_path())?.unwrap_or_default())
    }

    pub fn finished(&self, command_id: Uuid) -> anyhow::Result<Option<Finished>> {
        Ok(self
            .ledger()?
            .into_iter()
            .find(|f| f.command_id == command_id))
    }

    /// Adds or replaces the entry of `f.command_id`, keeping the newest [`LEDGER_LEN`].
    pub fn record_finished(&self, f: &Finished) -> anyhow::Result<()> {
        let mut ledger = self.ledger()?;
        ledger.retain(|e| e.command_id != f.command_id);
        ledger.push(f.clone());
        let excess = ledger.len().saturating_sub(LEDGER_LEN);
        ledger.drain(..excess);
        write_json(&self.ledger_path(), &ledger)
    }

    /// Drops a command from the ledger (it never started, so it may run when offered again).
    pub fn forget_finished(&self, command_id: Uuid) -> anyhow::Result<()> {
        let mut ledger = self.ledger()?;
        ledger.retain(|e| e.command_id != command_id);
        write_json(&self.ledger_path(), &ledger)
    }

    /// Every group's last success on this host (their releases are never pruned).
    pub fn all_last_successes(&self) -> anyhow::Result<Vec<LastSuccess>> {
        let mut all = Vec::new();
        let entries = match std::fs::read_dir(self.dir.join("groups")) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(all),
            Err(e) => return Err(e.into()),
        };
        for entry in entries {
            let path = entry?.path();
            if path.extension().is_some_and(|x| x == "json")
                && let Some(s) = read_json(&path)?
            {
                all.push(s);
            }
        }
        Ok(all)
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
    write_json_with(path, value, true)
}

fn write_json_with<T: Serialize>(path: &Path, value: &T, durable: bool) -> anyhow::Result<()> {
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
        if durable {
            f.sync_all()?;
        }
    }
    std::fs::rename(&tmp, path)?;
    if durable {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}
