//! Bounding a hook: timeouts, the grace before SIGKILL, daemons, output caps, aborting and dropping a run.

use super::*;

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
async fn timeout_kills_a_child_that_left_the_group_when_cgroups_are_available() {
    let bundle = Bundle::new();
    let script = bundle.script(
        "escape.sh",
        "#!/bin/bash\nsetsid sleep 1000 &\necho $! > children\necho started\nsleep 1000\n",
    );
    let mut inv = bundle.invocation(script);
    inv.timeout = Duration::from_secs(1);
    inv.kill_grace = Duration::from_secs(1);
    let contained = super::super::cgroup::HookCgroup::create().is_some();

    let outcome = run_hook(&inv).await;

    assert_eq!(outcome.status, HookStatus::TimedOut, "{outcome:?}");
    let escaped = bundle.pids("children")[0];
    if contained {
        wait_for("the setsid child to die", Duration::from_secs(5), || {
            !is_running(escaped)
        })
        .await;
    } else {
        eprintln!("no writable cgroup v2 here: the setsid child is out of reach");
        let _ = nix::sys::signal::kill(escaped, Signal::SIGKILL);
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
