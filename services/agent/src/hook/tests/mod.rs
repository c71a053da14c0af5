//! Behaviour of `run_hook` against real scripts in temporary bundle directories, by concern:
//! running a hook, bounding it (time, output, process group), running it as another user, and
//! the small parts underneath. The shared fixtures are here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bounds;
mod parts;
mod running;
mod users;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use nix::sys::signal::{Signal, kill};
use nix::unistd::{Pid, Uid, User, geteuid};
use tokio::time::Instant;

use super::output::{LineAssembler, Tail};
use super::preflight::{UserSwitch, resolve_identity_blocking, user_switch};
use super::process_group::{has_live_members, parse_state_and_group};
use super::*;

/// A fresh directory removed on drop. The agent crate has no `tempfile` dev-dependency, and this
/// is all the tests need.
struct TestDir(PathBuf);

impl TestDir {
    fn new() -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let path = std::env::temp_dir().join(format!(
            "liftoff-hook-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        // A leftover from an earlier run whose pid was recycled.
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir(&path).expect("create test dir");
        Self(path)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TestDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A fresh bundle directory holding the scripts of one test.
struct Bundle {
    dir: TestDir,
}

impl Bundle {
    fn new() -> Self {
        let dir = TestDir::new();
        // World-readable so that a hook run as another user can enter it.
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        Self { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn script(&self, name: &str, body: &str) -> PathBuf {
        self.file(name, body, 0o755)
    }

    fn file(&self, name: &str, body: &str, mode: u32) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, body).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        path
    }

    fn invocation(&self, script: PathBuf) -> HookInvocation {
        HookInvocation {
            script,
            cwd: self.dir.path().to_path_buf(),
            env: vec![
                ("LIFECYCLE_EVENT".to_owned(), "AfterInstall".to_owned()),
                ("DEPLOYMENT_ID".to_owned(), "d-TEST123".to_owned()),
            ],
            timeout: Duration::from_secs(30),
            runas: None,
            log_path: self.path("hook.log"),
            log_cap_bytes: 1024 * 1024,
            tail_bytes: 64 * 1024,
            kill_grace: Duration::from_secs(2),
            drain_timeout: Duration::from_secs(2),
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.path("hook.log")).unwrap_or_default()
    }

    /// Waits for a line the script wrote to `name` (a pid, usually).
    async fn wait_for_line(&self, name: &str) -> String {
        let path = self.path(name);
        wait_for(
            &format!("script to write {name}"),
            Duration::from_secs(10),
            || std::fs::read_to_string(&path).is_ok_and(|text| text.ends_with('\n')),
        )
        .await;
        std::fs::read_to_string(&path).unwrap()
    }

    fn pids(&self, name: &str) -> Vec<Pid> {
        std::fs::read_to_string(self.path(name))
            .unwrap_or_default()
            .split_whitespace()
            .map(|pid| Pid::from_raw(pid.parse().unwrap()))
            .collect()
    }
}

/// Polls `condition` until it holds; fails the test if it does not within `within`.
async fn wait_for(what: &str, within: Duration, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !condition() {
        assert!(
            Instant::now() < deadline,
            "timed out after {within:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// True if the process exists and is not a zombie (this sandbox's PID 1 never reaps orphans).
fn is_running(pid: Pid) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| parse_state_and_group(&stat))
        .is_some_and(|(state, _)| state != 'Z' && state != 'X')
}

fn assert_group_gone(pgid: Pid) {
    assert!(
        !has_live_members(Some(pgid)),
        "process group {pgid} still has running members after the outcome"
    );
}
