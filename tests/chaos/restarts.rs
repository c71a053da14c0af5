//! The control plane restarting while hosts run hooks: no host is failed for its downtime,
//! no acknowledgement is stranded, lost hosts are concluded, agents reconnect within seconds.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_control_plane_down_longer_than_the_grace_fails_no_host() {
    let dir = tempfile::tempdir().unwrap();
    let settings = grace_of(dir.path(), 3, 5);
    let mut p = TestPlatform::start_with(settings.clone()).await.unwrap();
    let api = p.api();
    let token = p.enrollment_token().await.unwrap();
    let sim = Sim::spawn(
        &p.url,
        &[],
        &token,
        "zone-a",
        &[("role", "web")],
        &p.dir.path().join("a"),
        "a",
        4,
    );
    wait_hosts(&p.registry(), "role", "web", 4).await;
    setup(
        &api,
        "shop",
        ("role", "web"),
        "AllAtOnce",
        false,
        ConcurrencyPolicy::Reject,
    )
    .await;
    let v1 = push(
        &api,
        p.dir.path(),
        "shop",
        "v1",
        &[("ApplicationStart", &format!("{RECORD}\nsleep 16"))],
    )
    .await;
    let d = deploy(&api, "shop", &v1).await;
    wait_until(
        &api,
        d.deployment_id,
        "every host to run its hook",
        60,
        |d| {
            d.hosts
                .iter()
                .all(|h| h.events.iter().any(|e| e.event == "ApplicationStart"))
        },
    )
    .await;
    // Down for more than two graces while every host is mid-hook; the hosts are back two
    // seconds after the control plane (their agents frozen meanwhile, their hooks running on):
    // the first sweep after the restart comes before any of them could be heard.
    sim.signal(Signal::SIGSTOP);
    let back = restart(&mut p, &settings, Duration::from_secs(12)).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    sim.signal(Signal::SIGCONT);
    let reg = p.registry();
    let heard_in = wait_for(
        "every host to heartbeat again",
        Duration::from_secs(30),
        || {
            let reg = reg.clone();
            async move {
                let hosts = reg.list_hosts(&[], None).await.ok()?.hosts;
                let since = chrono::Utc::now() - chrono::Duration::from_std(back.elapsed()).ok()?;
                hosts
                    .iter()
                    .all(|h| h.last_heartbeat_at.is_some_and(|t| t >= since))
                    .then(|| back.elapsed())
            }
        },
    )
    .await;
    let fin = wait_done(&api, d.deployment_id, 90).await;
    assert_eq!(fin.status, DeploymentStatus::Succeeded, "{fin:#?}");
    assert!(all_events_concluded(&fin), "{fin:#?}");
    for i in 0..4 {
        assert_eq!(
            runs(&sim.root_of(i), d.deployment_id).len(),
            1,
            "host {i} ran its hook once"
        );
    }
    // Idle agents (in poll backoff) after a second outage: how soon a new deployment starts.
    let v2 = push(
        &api,
        p.dir.path(),
        "shop",
        "v2",
        &[("ApplicationStart", RECORD)],
    )
    .await;
    let back = restart(&mut p, &settings, Duration::from_secs(8)).await;
    let api = p.api();
    let d2 = deploy(&api, "shop", &v2).await;
    let fin2 = wait_done(&api, d2.deployment_id, 60).await;
    assert_eq!(fin2.status, DeploymentStatus::Succeeded, "{fin2:#?}");
    let ack = fin2
        .hosts
        .iter()
        .filter_map(|h| Some((h.started_at? - h.dispatched_at?).num_milliseconds()))
        .max()
        .unwrap();
    println!(
        "CHAOS restart: every agent heartbeating {:.1} s after the restart (agents held 2 s); \
         dispatch-to-ack after a restart {:.1} s (slowest of 4 hosts); deployment done {:.1} s after the restart",
        heard_in.as_secs_f64(),
        ack as f64 / 1000.0,
        back.elapsed().as_secs_f64()
    );
    assert!(ack < 5_000, "dispatch-to-ack after a restart took {ack} ms");
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_acknowledgement_answer_strands_no_host() {
    let p = TestPlatform::start().await.unwrap();
    let api = p.api();
    let token = p.enrollment_token().await.unwrap();
    let proxy = FaultProxy::start(&p.url).unwrap();
    let sim = Sim::spawn(
        &p.url,
        &["--scheduler-url", &proxy.url],
        &token,
        "zone-a",
        &[("role", "web")],
        &p.dir.path().join("a"),
        "a",
        1,
    );
    wait_hosts(&p.registry(), "role", "web", 1).await;
    setup(
        &api,
        "shop",
        ("role", "web"),
        "AllAtOnce",
        false,
        ConcurrencyPolicy::Reject,
    )
    .await;
    let v1 = push(
        &api,
        p.dir.path(),
        "shop",
        "v1",
        &[("ApplicationStart", RECORD)],
    )
    .await;
    // Every answer to an acknowledgement is lost (the requests arrive): the acknowledgement
    // commits, the agent never hears so, past its 60 s retry budget.
    proxy.faults.lose_answers("/ack", 1_000_000);
    let d = deploy(&api, "shop", &v1).await;
    wait_until(
        &api,
        d.deployment_id,
        "the host to be acknowledged",
        30,
        |d| d.hosts[0].status == HostTargetStatus::InProgress,
    )
    .await;
    tokio::time::sleep(Duration::from_secs(65)).await;
    assert!(runs(&sim.root_of(0), d.deployment_id).is_empty());
    proxy.faults.lose_answers.lock().unwrap().clear();
    let healed = Instant::now();
    let fin = wait_done(&api, d.deployment_id, 60).await;
    assert_eq!(
        fin.status,
        DeploymentStatus::Succeeded,
        "{fin:#?}\n{}",
        sim.log()
    );
    assert_eq!(runs(&sim.root_of(0), d.deployment_id).len(), 1);
    println!(
        "CHAOS lost ack answer: host finished {:.1} s after the scheduler answered again",
        healed.elapsed().as_secs_f64()
    );
    proxy.stop().await;
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_declared_lost_has_every_event_concluded_and_its_restart_report_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let p = TestPlatform::start_with(short_grace(dir.path()))
        .await
        .unwrap();
    let api = p.api();
    let token = p.enrollment_token().await.unwrap();
    let root = p.dir.path().join("a");
    let spawn = || {
        Sim::spawn(
            &p.url,
            &[],
            &token,
            "zone-a",
            &[("role", "web")],
            &root,
            "a",
            1,
        )
    };
    let mut sim = spawn();
    wait_hosts(&p.registry(), "role", "web", 1).await;
    setup(
        &api,
        "shop",
        ("role", "web"),
        "AllAtOnce",
        false,
        ConcurrencyPolicy::Reject,
    )
    .await;
    let v1 = push(
        &api,
        p.dir.path(),
        "shop",
        "v1",
        &[("ApplicationStart", &format!("{RECORD}\nsleep 30"))],
    )
    .await;
    let d = deploy(&api, "shop", &v1).await;
    wait_until(&api, d.deployment_id, "the hook to run", 30, |d| {
        d.hosts[0]
            .events
            .iter()
            .any(|e| e.event == "ApplicationStart")
    })
    .await;
    sim.child.start_kill().unwrap();
    let _ = sim.child.wait().await;
    let fin = wait_done(&api, d.deployment_id, 60).await;
    assert_eq!(fin.hosts[0].error_code.as_deref(), Some("agent-lost"));
    let start = fin.hosts[0]
        .events
        .iter()
        .find(|e| e.event == "ApplicationStart")
        .unwrap();
    assert_eq!(
        (start.status, start.error_code.as_deref()),
        (EventStatus::Failed, Some("AGENT_LOST")),
        "{fin:#?}"
    );
    assert!(all_events_concluded(&fin), "{fin:#?}");
    // History has the event concluded too.
    let history = p.history();
    wait_for(
        "history to hold the concluded event",
        Duration::from_secs(30),
        || {
            let history = history.clone();
            async move {
                let page = history
                    .events(&liftoff_client::EventQuery {
                        deployment_id: Some(d.deployment_id),
                        event_type: Some("host.event_finished".into()),
                        limit: Some(100),
                        ..Default::default()
                    })
                    .await
                    .ok()?;
                page.events
                    .iter()
                    .any(|e| {
                        e.event.data["event"] == "ApplicationStart"
                            && e.event.data["error_code"] == "AGENT_LOST"
                    })
                    .then_some(())
            }
        },
    )
    .await;
    // The agent comes back: its FAILED_AFTER_RESTART report is taken, not refused.
    let sim = spawn();
    wait_for(
        "the restarted agent to report the interrupted event",
        Duration::from_secs(30),
        || {
            let log = sim.log();
            async move {
                log.contains("agent restarted during a command")
                    .then_some(())
            }
        },
    )
    .await;
    // Its report and completion go at once (a refusal is not retried): give them a moment.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let log = sim.log();
    assert!(
        !log.contains("could not report the interrupted event"),
        "{log}"
    );
    let after = api.get_deployment(d.deployment_id).await.unwrap();
    assert!(all_events_concluded(&after), "{after:#?}");
    assert_eq!(runs(&root.join("sim-0"), d.deployment_id).len(), 1);
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agents_reconnect_within_seconds_of_the_control_plane_returning() {
    // Agents whose polls failed for 20 s (backoff grown) poll again within a couple of
    // seconds of the control plane's return: a deployment made right then starts at once.
    let dir = tempfile::tempdir().unwrap();
    let settings = short_grace(dir.path());
    let mut p = TestPlatform::start_with(settings.clone()).await.unwrap();
    let token = p.enrollment_token().await.unwrap();
    let sim = Sim::spawn(
        &p.url,
        &[],
        &token,
        "zone-a",
        &[("role", "web")],
        &p.dir.path().join("a"),
        "a",
        3,
    );
    wait_hosts(&p.registry(), "role", "web", 3).await;
    let api = p.api();
    setup(
        &api,
        "shop",
        ("role", "web"),
        "AllAtOnce",
        false,
        ConcurrencyPolicy::Reject,
    )
    .await;
    let v1 = push(
        &api,
        p.dir.path(),
        "shop",
        "v1",
        &[("ApplicationStart", RECORD)],
    )
    .await;
    let back = restart(&mut p, &settings, Duration::from_secs(20)).await;
    let api = p.api();
    let d = deploy(&api, "shop", &v1).await;
    let fin = wait_done(&api, d.deployment_id, 60).await;
    assert_eq!(fin.status, DeploymentStatus::Succeeded, "{fin:#?}");
    let took = back.elapsed();
    println!(
        "CHAOS reconnect after a 20 s outage: a deployment of 3 hosts made at the restart done {:.1} s after it",
        took.as_secs_f64()
    );
    assert!(
        took < Duration::from_secs(8),
        "took {took:?}\n{}",
        sim.log()
    );
    sim.signal(Signal::SIGTERM);
    p.stop().await;
}
