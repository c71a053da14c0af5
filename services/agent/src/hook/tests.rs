//! Behaviour of `run_hook` against real scripts in temporary bundle directories.
#![allow(clippy::unwrap_used, clippy::expect_used)]

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

#[tokio::test]
async fn succeeds_with_invocation_env_and_bundle_cwd() {
    let bundle = Bundle::new();
    std::fs::write(bundle.path("hook.log"), "earlier hook\n").unwrap();
    let script = bundle.script(
        "after_install.sh",
        "#!/bin/sh\necho \"event=$LIFECYCLE_EVENT id=$DEPLOYMENT_ID\"\necho \"cwd=$(pwd -P)\"\necho warning >&2\n",
    );

    let outcome = run_hook(&bundle.invocation(script)).await;

    assert_eq!(outcome.status, HookStatus::Succeeded, "{outcome:?}");
    assert_eq!(outcome.exit_code, Some(0));
    assert_eq!(outcome.error_code, None);
    assert_eq!(outcome.message, None);
    let cwd = bundle.dir.path().canonicalize().unwrap();
    assert!(
        outcome
            .output_tail
            .contains("event=AfterInstall id=d-TEST123\n"),
        "{outcome:?}"
    );
    assert!(
        outcome
            .output_tail
            .contains(&format!("cwd={}\n", cwd.display())),
        "{outcome:?}"
    );
    assert!(outcome.output_tail.contains("warning\n"), "{outcome:?}");
    assert!(!outcome.output_truncated);
    assert_eq!(outcome.output_bytes, outcome.output_tail.len() as u64);
    assert!(outcome.ended_at >= outcome.started_at);
    let log = bundle.log();
    assert!(
        log.starts_with("earlier hook\n"),
        "the log must be appended to: {log:?}"
    );
    assert_eq!(
        log.len() as u64,
        "earlier hook\n".len() as u64 + outcome.output_bytes
    );
}

#[tokio::test]
async fn environment_is_clean() {
    let bundle = Bundle::new();
    let script = bundle.script("env.sh", "#!/bin/sh\nexec /usr/bin/env\n");

    let outcome = run_hook(&bundle.invocation(script)).await;

    assert_eq!(outcome.status, HookStatus::Succeeded, "{outcome:?}");
    let seen: Vec<(&str, &str)> = outcome
        .output_tail
        .lines()
        .filter_map(|line| line.split_once('='))
        .collect();
    let value = |name: &str| seen.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
    assert_eq!(value("PATH"), Some(DEFAULT_PATH));
    assert_eq!(value("LANG"), Some("C.UTF-8"));
    assert_eq!(value("LIFECYCLE_EVENT"), Some("AfterInstall"));
    let me = User::from_uid(geteuid()).unwrap().unwrap();
    assert_eq!(value("USER"), Some(me.name.as_str()));
    assert_eq!(value("LOGNAME"), Some(me.name.as_str()));
    assert_eq!(value("HOME"), me.dir.to_str());
    // The shell itself may add PWD, SHLVL and `_`; nothing may come from the agent's environment.
    let allowed = [
        "PATH",
        "HOME",
        "USER",
        "LOGNAME",
        "LANG",
        "LIFECYCLE_EVENT",
        "DEPLOYMENT_ID",
        "PWD",
        "SHLVL",
        "_",
        "OLDPWD",
    ];
    for (name, _) in &seen {
        assert!(
            allowed.contains(name),
            "unexpected variable {name} leaked into the hook"
        );
    }
    let leaked: Vec<String> = std::env::vars()
        .map(|(name, _)| name)
        .filter(|name| name.starts_with("CARGO"))
        .collect();
    for name in leaked {
        assert!(
            value(&name).is_none(),
            "{name} of the agent leaked into the hook"
        );
    }
}

#[tokio::test]
async fn invocation_env_overrides_default_path() {
    let bundle = Bundle::new();
    let script = bundle.script("path.sh", "#!/bin/sh\necho \"PATH=$PATH\"\n");
    let mut inv = bundle.invocation(script);
    inv.env
        .push(("PATH".to_owned(), "/opt/app/bin:/usr/bin:/bin".to_owned()));

    let outcome = run_hook(&inv).await;

    assert_eq!(
        outcome.output_tail, "PATH=/opt/app/bin:/usr/bin:/bin\n",
        "{outcome:?}"
    );
}

#[tokio::test]
async fn nonzero_exit_keeps_code_and_tail() {
    let bundle = Bundle::new();
    let script = bundle.script(
        "validate.sh",
        "#!/bin/sh\necho 'checking health'\necho 'health check failed' >&2\nexit 3\n",
    );

    let outcome = run_hook(&bundle.invocation(script)).await;

    assert_eq!(outcome.status, HookStatus::Failed);
    assert_eq!(outcome.exit_code, Some(3));
    assert_eq!(outcome.signal, None);
    assert_eq!(outcome.error_code, Some(error_code::SCRIPT_FAILED));
    assert_eq!(
        outcome.message.as_deref(),
        Some("script exited with code 3")
    );
    assert!(
        outcome.output_tail.contains("checking health\n"),
        "{outcome:?}"
    );
    assert!(
        outcome.output_tail.contains("health check failed\n"),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn script_killed_by_a_signal_fails_without_exit_code() {
    let bundle = Bundle::new();
    let script = bundle.script("suicide.sh", "#!/bin/sh\nkill -KILL $$\n");

    let outcome = run_hook(&bundle.invocation(script)).await;

    assert_eq!(outcome.status, HookStatus::Failed);
    assert_eq!(outcome.exit_code, None);
    assert_eq!(outcome.signal, Some(Signal::SIGKILL as i32));
    assert_eq!(outcome.error_code, Some(error_code::SCRIPT_FAILED));
    assert!(
        outcome
            .message
            .as_deref()
            .unwrap_or_default()
            .contains("SIGKILL"),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn timeout_terminates_the_whole_process_group() {
    let bundle = Bundle::new();
    let script = bundle.script(
        "hang.sh",
        "#!/bin/bash\necho $$ > pgid\nsleep 1000 &\necho $! >> children\nsleep 1000 &\necho $! >> children\necho started\nwait\n",
    );
    let mut inv = bundle.invocation(script);
    inv.timeout = Duration::from_secs(2);
    inv.kill_grace = Duration::from_secs(10);

    let began = Instant::now();
    let outcome = run_hook(&inv).await;

    assert_eq!(outcome.status, HookStatus::TimedOut, "{outcome:?}");
    assert_eq!(outcome.error_code, Some(error_code::SCRIPT_TIMED_OUT));
    assert_eq!(outcome.exit_code, None);
    assert_eq!(
        outcome.signal,
        Some(Signal::SIGTERM as i32),
        "bash dies of the SIGTERM"
    );
    assert!(began.elapsed() >= inv.timeout);
    assert!(
        began.elapsed() < inv.timeout + inv.kill_grace,
        "a group that obeys SIGTERM must not wait for the grace period"
    );
    assert!(outcome.output_tail.contains("started"), "{outcome:?}");
    let pgid = bundle.pids("pgid")[0];
    assert_group_gone(pgid);
    let children = bundle.pids("children");
    assert_eq!(children.len(), 2);
    for child in children {
        assert!(!is_running(child), "child {child} survived the timeout");
    }
}

#[tokio::test]
async fn group_ignoring_sigterm_is_killed_after_grace() {
    let bundle = Bundle::new();
    // The ignored disposition is inherited by the sleeps too.
    let script = bundle.script(
        "stubborn.sh",
        "#!/bin/bash\ntrap '' TERM\necho $$ > pgid\nsleep 1000 &\necho $! > children\nwait\n",
    );
    let mut inv = bundle.invocation(script);
    inv.timeout = Duration::from_secs(3);
    inv.kill_grace = Duration::from_secs(1);

    let began = Instant::now();
    let outcome = run_hook(&inv).await;

    assert_eq!(outcome.status, HookStatus::TimedOut, "{outcome:?}");
    assert_eq!(outcome.error_code, Some(error_code::SCRIPT_TIMED_OUT));
    assert_eq!(outcome.signal, Some(Signal::SIGKILL as i32), "{outcome:?}");
    assert!(
        outcome
            .message
            .as_deref()
            .unwrap_or_default()
            .contains("SIGKILL"),
        "{outcome:?}"
    );
    assert!(began.elapsed() >= inv.timeout + inv.kill_grace);
    assert_group_gone(bundle.pids("pgid")[0]);
    for child in bundle.pids("children") {
        assert!(!is_running(child), "child {child} survived SIGKILL");
    }
}

#[tokio::test]
async fn daemon_holding_stdout_does_not_hold_the_hook() {
    let bundle = Bundle::new();
    let script = bundle.script(
        "start_server.sh",
        "#!/bin/sh\nsleep 30 &\necho $! > daemon\necho started\nexit 0\n",
    );
    let mut inv = bundle.invocation(script);
    inv.drain_timeout = Duration::from_secs(1);

    let began = Instant::now();
    let outcome = run_hook(&inv).await;
    let took = began.elapsed();

    let daemon = bundle.pids("daemon")[0];
    let daemon_survived = is_running(daemon);
    let _ = kill(daemon, Signal::SIGKILL);
    assert_eq!(outcome.status, HookStatus::Succeeded, "{outcome:?}");
    assert!(took < Duration::from_secs(15), "hook took {took:?}");
    assert!(
        took >= inv.drain_timeout,
        "output must be drained for the drain timeout"
    );
    assert!(outcome.drain_timed_out);
    assert_eq!(outcome.output_tail, "started\n");
    assert!(
        daemon_survived,
        "the daemon a hook starts must keep running"
    );
    assert!(
        bundle.log().contains("[liftoff: stopped reading output"),
        "{}",
        bundle.log()
    );
}

#[tokio::test]
async fn huge_output_keeps_tail_and_log_bounded() {
    let bundle = Bundle::new();
    let total: u64 = 50 * 1024 * 1024;
    let script = bundle.script(
        "noisy.sh",
        &format!("#!/bin/sh\nhead -c {total} /dev/zero | tr '\\0' x\n"),
    );
    let inv = bundle.invocation(script);

    let outcome = run_hook(&inv).await;

    assert_eq!(
        outcome.status,
        HookStatus::Succeeded,
        "{:?}",
        outcome.message
    );
    assert_eq!(outcome.output_bytes, total);
    assert_eq!(outcome.output_tail.len(), inv.tail_bytes);
    assert!(outcome.output_tail.bytes().all(|b| b == b'x'));
    assert!(outcome.output_truncated);
    let log = std::fs::read(inv.log_path).unwrap();
    let marker = format!(
        "\n[liftoff: log truncated after {} bytes]\n",
        inv.log_cap_bytes
    );
    assert_eq!(log.len() as u64, inv.log_cap_bytes + marker.len() as u64);
    assert!(log.ends_with(marker.as_bytes()));
}

#[tokio::test]
async fn stdout_and_stderr_interleave_line_by_line_in_the_log() {
    let bundle = Bundle::new();
    let script = bundle.script(
        "chatty.sh",
        "#!/bin/bash\nfor i in $(seq 2000); do echo \"out-$i-aaaaaaaaaaaaaaaaaaaaaaaa\"; done &\nfor i in $(seq 2000); do echo \"err-$i-bbbbbbbbbbbbbbbbbbbbbbbb\" >&2; done &\nwait\n",
    );

    let outcome = run_hook(&bundle.invocation(script)).await;

    assert_eq!(outcome.status, HookStatus::Succeeded);
    let log = bundle.log();
    assert_eq!(log.lines().count(), 4000);
    for line in log.lines() {
        let whole = (line.starts_with("out-") && line.ends_with("-aaaaaaaaaaaaaaaaaaaaaaaa"))
            || (line.starts_with("err-") && line.ends_with("-bbbbbbbbbbbbbbbbbbbbbbbb"));
        assert!(whole, "a line was spliced: {line:?}");
    }
    assert_eq!(log.len() as u64, outcome.output_bytes);
}

#[tokio::test]
async fn missing_script_is_refused() {
    let bundle = Bundle::new();
    for script in [bundle.path("absent.sh"), bundle.dir.path().to_path_buf()] {
        let outcome = run_hook(&bundle.invocation(script.clone())).await;
        assert_eq!(outcome.status, HookStatus::Failed);
        assert_eq!(
            outcome.error_code,
            Some(error_code::SCRIPT_MISSING),
            "{script:?}: {outcome:?}"
        );
        assert!(outcome.message.is_some());
    }
    let relative = run_hook(&bundle.invocation(PathBuf::from("scripts/start.sh"))).await;
    assert_eq!(relative.error_code, Some(error_code::SCRIPT_MISSING));
}

#[tokio::test]
async fn script_that_cannot_be_executed_is_refused() {
    let bundle = Bundle::new();
    let no_bit = bundle.file("no_bit.sh", "#!/bin/sh\ntouch ran\n", 0o644);
    let no_shebang = bundle.script("no_shebang.sh", "touch ran\n");
    for script in [no_bit, no_shebang] {
        let outcome = run_hook(&bundle.invocation(script.clone())).await;
        assert_eq!(outcome.status, HookStatus::Failed);
        assert_eq!(
            outcome.error_code,
            Some(error_code::SCRIPT_NOT_EXECUTABLE),
            "{script:?}: {outcome:?}"
        );
    }
    assert!(!bundle.path("ran").exists());
}

#[tokio::test]
async fn missing_interpreter_fails_to_start() {
    let bundle = Bundle::new();
    let script = bundle.script("py.sh", "#!/nonexistent/python9\nprint('hi')\n");

    let outcome = run_hook(&bundle.invocation(script)).await;

    assert_eq!(
        outcome.error_code,
        Some(error_code::SCRIPT_START_FAILED),
        "{outcome:?}"
    );
    assert!(
        outcome
            .message
            .as_deref()
            .unwrap_or_default()
            .contains("/nonexistent/python9")
    );
}

#[tokio::test]
async fn invalid_env_name_fails_to_start() {
    let bundle = Bundle::new();
    let script = bundle.script("ok.sh", "#!/bin/sh\ntouch ran\n");
    let mut inv = bundle.invocation(script);
    inv.env.push(("BAD=NAME".to_owned(), "x".to_owned()));

    let outcome = run_hook(&inv).await;

    assert_eq!(
        outcome.error_code,
        Some(error_code::SCRIPT_START_FAILED),
        "{outcome:?}"
    );
    assert!(!bundle.path("ran").exists());
}

#[tokio::test]
async fn unknown_runas_user_is_refused_before_anything_runs() {
    let bundle = Bundle::new();
    let script = bundle.script("ok.sh", "#!/bin/sh\ntouch ran\n");
    for user in [
        "liftoff-no-such-user",
        "nobody; touch /tmp/pwned",
        "",
        "root\0",
    ] {
        let mut inv = bundle.invocation(script.clone());
        inv.runas = Some(user.to_owned());

        let outcome = run_hook(&inv).await;

        assert_eq!(outcome.status, HookStatus::Failed);
        assert_eq!(
            outcome.error_code,
            Some(error_code::RUNAS_INVALID),
            "{user:?}: {outcome:?}"
        );
        assert!(outcome.message.is_some());
    }
    assert!(
        !bundle.path("ran").exists(),
        "nothing may run for an invalid runas"
    );
    assert!(
        !bundle.path("hook.log").exists(),
        "nothing may be started for an invalid runas"
    );
}

#[test]
fn only_root_switches_to_another_user() {
    let root = Uid::from_raw(0);
    let app = Uid::from_raw(1000);
    let other = Uid::from_raw(1001);
    assert_eq!(user_switch(root, app), UserSwitch::Switch);
    assert_eq!(user_switch(root, root), UserSwitch::Stay);
    assert_eq!(user_switch(app, app), UserSwitch::Stay);
    assert_eq!(user_switch(app, other), UserSwitch::Forbidden);
    assert_eq!(user_switch(app, root), UserSwitch::Forbidden);
}

#[test]
fn non_root_agent_refuses_runas_of_another_user() {
    let refusal = resolve_identity_blocking(Some("root"), Uid::from_raw(4242))
        .expect_err("a non-root agent cannot become root");
    assert_eq!(refusal.code, error_code::RUNAS_INVALID);
    assert!(
        refusal.message.contains("only an agent running as root"),
        "{}",
        refusal.message
    );
}

#[tokio::test]
async fn runas_as_the_agents_own_user_runs_normally() {
    let bundle = Bundle::new();
    let script = bundle.script("whoami.sh", "#!/bin/sh\nid -u\n");
    let me = User::from_uid(geteuid()).unwrap().unwrap();
    let mut inv = bundle.invocation(script);
    inv.runas = Some(me.name.clone());

    let outcome = run_hook(&inv).await;

    assert_eq!(outcome.status, HookStatus::Succeeded, "{outcome:?}");
    assert_eq!(outcome.output_tail, format!("{}\n", me.uid));
}

#[tokio::test]
async fn runas_switches_user_and_drops_supplementary_groups() {
    let Ok(Some(nobody)) = User::from_name("nobody") else {
        eprintln!("skipped: no user named nobody");
        return;
    };
    if !geteuid().is_root() {
        eprintln!("skipped: switching users needs root");
        return;
    }
    let bundle = Bundle::new();
    let script = bundle.script(
        "whoami.sh",
        "#!/bin/sh\necho \"uid=$(id -u) gid=$(id -g) groups=$(id -G) home=$HOME user=$USER logname=$LOGNAME\"\n",
    );
    let mut inv = bundle.invocation(script);
    inv.runas = Some("nobody".to_owned());

    let outcome = run_hook(&inv).await;

    assert_eq!(outcome.status, HookStatus::Succeeded, "{outcome:?}");
    assert_eq!(
        outcome.output_tail,
        format!(
            "uid={uid} gid={gid} groups={gid} home={home} user=nobody logname=nobody\n",
            uid = nobody.uid,
            gid = nobody.gid,
            home = nobody.dir.display()
        )
    );
}

#[tokio::test]
async fn abort_lets_the_hook_finish_within_grace_then_terminates_it() {
    let bundle = Bundle::new();
    // A hook that finishes on its own before the abort fires succeeds normally.
    let quick = bundle.script("quick.sh", "#!/bin/sh\nsleep 0.3\necho done\n");
    let outcome = run_hook_with(
        &bundle.invocation(quick),
        tokio::time::sleep(Duration::from_secs(5)),
        |_| {},
    )
    .await;
    assert_eq!(outcome.status, HookStatus::Succeeded, "{outcome:?}");

    // One that overruns the abort gets SIGTERM to its whole group and says why.
    let slow = bundle.script(
        "slow.sh",
        "#!/bin/sh\nsleep 1000 &\necho $! > children\necho started\nwait\n",
    );
    let spawned = std::sync::Mutex::new(None);
    let began = Instant::now();
    let outcome = run_hook_with(
        &bundle.invocation(slow),
        tokio::time::sleep(Duration::from_millis(500)),
        |pid| *spawned.lock().unwrap() = Some(pid),
    )
    .await;
    assert_eq!(outcome.status, HookStatus::Failed, "{outcome:?}");
    assert_eq!(outcome.error_code, Some(error_code::AGENT_STOPPED));
    assert!(outcome.output_tail.contains("started"), "{outcome:?}");
    assert!(
        began.elapsed() < Duration::from_secs(10),
        "{:?}",
        began.elapsed()
    );
    let pgid = Pid::from_raw(spawned.lock().unwrap().expect("on_spawn got the pid") as i32);
    assert_group_gone(pgid);
    for child in bundle.pids("children") {
        assert!(!is_running(child), "child {child} outlived the abort");
    }
}

#[tokio::test]
async fn dropping_the_run_kills_the_hook_group() {
    let bundle = Bundle::new();
    let script = bundle.script(
        "forever.sh",
        "#!/bin/sh\nsleep 1000 &\necho $! > children\necho $$ > pgid\nwait\n",
    );
    let inv = bundle.invocation(script);
    let mut run = Box::pin(run_hook(&inv));

    tokio::select! {
        outcome = &mut run => panic!("the hook must still be running: {outcome:?}"),
        pgid = bundle.wait_for_line("pgid") => {
            drop(run);
            let pgid = Pid::from_raw(pgid.trim().parse().unwrap());
            wait_for("the group to die", Duration::from_secs(10), || !has_live_members(Some(pgid))).await;
        }
    }
    for child in bundle.pids("children") {
        assert!(
            !is_running(child),
            "child {child} outlived the cancelled hook"
        );
    }
}

#[test]
fn tail_keeps_only_the_last_bytes_and_never_grows_past_its_cap() {
    let mut tail = Tail::new(8);
    for _ in 0..1000 {
        tail.push(b"0123456789abc");
    }
    tail.push(b"xy");
    assert!(tail.capacity() < 64, "ring grew to {}", tail.capacity());
    assert_eq!(tail.finish(13 * 1000 + 2), ("789abcxy".to_owned(), true));
}

#[test]
fn truncated_tail_starts_at_a_char_boundary() {
    let mut tail = Tail::new(4);
    // "é" is two bytes: the ring keeps its second byte, which must be dropped, not shown as U+FFFD.
    tail.push("aéxyz".as_bytes());
    assert_eq!(tail.finish(6), ("xyz".to_owned(), true));

    let mut whole = Tail::new(16);
    whole.push("héllo".as_bytes());
    assert_eq!(whole.finish(6), ("héllo".to_owned(), false));
}

#[test]
fn line_assembler_releases_whole_lines_and_caps_held_bytes() {
    let mut lines = LineAssembler::default();
    assert_eq!(lines.push(b"par"), b"");
    assert_eq!(lines.push(b"tial\nnext"), b"partial\n");
    assert_eq!(lines.take_rest(), b"next");
    let endless = vec![b'z'; 200 * 1024];
    let released: usize = endless
        .chunks(1000)
        .map(|chunk| lines.push(chunk).len())
        .sum();
    assert!(released >= 200 * 1024 - 64 * 1024, "held back {released}");
}

#[test]
fn proc_stat_is_parsed_past_odd_command_names() {
    let stat = "1234 (my (odd) name) S 1 1230 1230 0 -1 4194560";
    assert_eq!(parse_state_and_group(stat), Some(('S', 1230)));
    assert_eq!(parse_state_and_group("garbage"), None);
}

#[test]
fn invocation_new_uses_documented_defaults() {
    let inv = HookInvocation::new(
        PathBuf::from("/b/s.sh"),
        PathBuf::from("/b"),
        PathBuf::from("/l"),
        Duration::from_secs(60),
    );
    assert_eq!(inv.log_cap_bytes, DEFAULT_LOG_CAP_BYTES);
    assert_eq!(inv.tail_bytes, DEFAULT_TAIL_BYTES);
    assert_eq!(inv.runas, None);
    assert_eq!(inv.kill_grace, DEFAULT_KILL_GRACE);
    assert_eq!(inv.drain_timeout, DEFAULT_DRAIN_TIMEOUT);
}
