//! Scale-out installs with real agents: a host entering a deployment group is held out of
//! service until the group's last successful revision is installed on it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "registry_common/mod.rs"]
mod common;

use std::time::Duration;

use common::*;
use liftoff_client::EventQuery;
use liftoff_platform::ServiceSettings;
use liftoff_testkit::{TestPlatform, wait_for};
use liftoff_types::deployments::{DeploymentReason, DeploymentStatus};
use liftoff_types::registry::{HostState, InstallMode, InstallStatus, UpdateHost};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn host_entering_a_group_gets_its_last_successful_revision_before_service() {
    let p = start(fast_settings()).await;
    setup_app(&p).await;
    let t = token(&p).await;

    // No revision yet: a new host goes into service at once, with nothing installed.
    let (a, a_id) = agent(&p, &t, "a", &[("role", "web")]).await;
    let host_a = wait_state(&p, a_id, HostState::InService).await;
    assert!(host_a.installs.is_empty(), "{host_a:#?}");

    let v1 = push(&p, "v1", &recording("v1")).await;
    let d1 = wait_deployment(&p, deploy(&p, &v1).await.deployment_id).await;
    assert_eq!(d1.status, DeploymentStatus::Succeeded, "{d1:#?}");

    // A host enrolling into the group gets v1 installed, then goes into service.
    let (b, b_id) = agent(&p, &t, "b", &[("role", "web")]).await;
    let host_b = wait_state(&p, b_id, HostState::InService).await;
    assert_eq!(host_b.installs.len(), 1, "{host_b:#?}");
    let install = &host_b.installs[0];
    assert_eq!(install.mode, InstallMode::Install);
    assert_eq!(install.status, InstallStatus::Succeeded);
    assert_eq!(install.revision_id, v1.revision_id);
    assert_eq!(
        std::fs::read_to_string(root_of(&p, "b").join("opt/app/VERSION")).unwrap(),
        "v1\n"
    );
    assert!(hooks_log(&p, "b").contains("ValidateService v1"));
    // The install is a single-host deployment with reason scale_out; host a was not touched.
    let d = p
        .api()
        .get_deployment(install.deployment_id)
        .await
        .expect("scale-out deployment");
    assert_eq!(d.reason, DeploymentReason::ScaleOut);
    assert_eq!(d.revision_id, v1.revision_id);
    assert_eq!(
        d.hosts.iter().map(|h| h.host_id).collect::<Vec<_>>(),
        vec![b_id]
    );
    assert_eq!(hooks_log(&p, "a").matches("ValidateService").count(), 1);

    // History tells a load balancer when the host changed state.
    let hist = p.history();
    wait_for(
        "history of b going in service",
        Duration::from_secs(30),
        || {
            let hist = hist.clone();
            async move {
                let page = hist
                    .events(&EventQuery {
                        host_id: Some(b_id),
                        event_type: Some("host.state_changed".into()),
                        limit: Some(100),
                        ..Default::default()
                    })
                    .await
                    .ok()?;
                let to: Vec<String> = page
                    .events
                    .iter()
                    .filter_map(|e| e.event.data.get("to")?.as_str().map(str::to_string))
                    .collect();
                (to.contains(&"Installing".to_string()) && to.contains(&"InService".to_string()))
                    .then_some(())
            }
        },
    )
    .await;

    // A host outside every group is in service at once; moving it into the group by its tags
    // installs v1 on it first.
    let (c, c_id) = agent(&p, &t, "c", &[("role", "db")]).await;
    let host_c = wait_state(&p, c_id, HostState::InService).await;
    assert!(host_c.installs.is_empty());
    let mut tags = host_c.tags.clone();
    tags.insert("role".into(), "web".into());
    let patched = p
        .registry()
        .update_host(c_id, &UpdateHost { tags: Some(tags) })
        .await
        .expect("patch tags");
    assert_ne!(patched.state, HostState::InService, "{patched:#?}");
    let host_c = wait_state(&p, c_id, HostState::InService).await;
    assert_eq!(host_c.installs.len(), 1, "{host_c:#?}");
    assert_eq!(host_c.installs[0].revision_id, v1.revision_id);
    assert!(hooks_log(&p, "c").contains("ValidateService v1"));
    // A tag change that enters no new group keeps it in service and installs nothing.
    let mut tags = host_c.tags.clone();
    tags.insert("rack".into(), "r7".into());
    let patched = p
        .registry()
        .update_host(c_id, &UpdateHost { tags: Some(tags) })
        .await
        .expect("patch tags");
    assert_eq!(patched.state, HostState::InService, "{patched:#?}");
    assert!(patched.installs.is_empty(), "{patched:#?}");

    // Filters: by state and by the group's selector.
    let in_service = p
        .registry()
        .list_hosts_query(&[
            ("state".into(), "InService".into()),
            ("tag".into(), "role=web".into()),
        ])
        .await
        .unwrap();
    assert_eq!(in_service.hosts.len(), 3);

    for x in [a, b, c] {
        x.stop().await;
    }
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn host_whose_install_fails_is_failed_until_reinstalled() {
    let p = start(fast_settings()).await;
    setup_app(&p).await;
    let t = token(&p).await;
    let (a, _) = agent(&p, &t, "a", &[("role", "web")]).await;
    let mut scripts = recording("v1");
    scripts.push((
        "BeforeInstall",
        "test ! -e \"$LIFTOFF_ROOT/broken\" || { echo disk is broken >&2; exit 3; }".into(),
    ));
    let v1 = push(&p, "v1", &scripts).await;
    let d1 = wait_deployment(&p, deploy(&p, &v1).await.deployment_id).await;
    assert_eq!(d1.status, DeploymentStatus::Succeeded, "{d1:#?}");

    let root = root_of(&p, "b");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(root.join("broken"), "").unwrap();
    let (b, b_id) = spawn_at(&p, &t, "b", &[("role", "web")], &root).await;
    let failed = wait_state(&p, b_id, HostState::Failed).await;
    assert_eq!(
        failed.installs[0].status,
        InstallStatus::Failed,
        "{failed:#?}"
    );
    let reason = failed.state_reason.clone().unwrap_or_default();
    assert!(reason.contains("script-failed"), "{reason}");

    // Fixed: a reinstall puts it in service.
    std::fs::remove_file(root.join("broken")).unwrap();
    p.registry().reinstall_host(b_id).await.expect("reinstall");
    let ok = wait_state(&p, b_id, HostState::InService).await;
    assert_eq!(ok.installs[0].status, InstallStatus::Succeeded, "{ok:#?}");
    a.stop().await;
    b.stop().await;
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn host_enrolling_during_a_running_deployment_takes_part_in_it() {
    let p = start(fast_settings()).await;
    setup_app(&p).await;
    let t = token(&p).await;
    let (a, _) = agent(&p, &t, "a", &[("role", "web")]).await;
    let v1 = push(&p, "v1", &recording("v1")).await;
    let d1 = wait_deployment(&p, deploy(&p, &v1).await.deployment_id).await;
    assert_eq!(d1.status, DeploymentStatus::Succeeded);

    // v2 holds in ApplicationStart until the test opens the gate.
    let gate = p.dir.path().join("gate");
    let mut scripts = recording("v2");
    scripts.push((
        "ApplicationStart",
        format!("while [ ! -e '{}' ]; do sleep 0.1; done", gate.display()),
    ));
    let v2 = push(&p, "v2", &scripts).await;
    let d2 = deploy(&p, &v2).await;
    let api = p.api();
    wait_for("v2 to be running", Duration::from_secs(30), || {
        let api = api.clone();
        async move {
            let d = api.get_deployment(d2.deployment_id).await.ok()?;
            (d.status == DeploymentStatus::InProgress && d.overview.in_progress > 0).then_some(())
        }
    })
    .await;

    let (b, b_id) = agent(&p, &t, "b", &[("role", "web")]).await;
    let joining = wait_state(&p, b_id, HostState::Installing).await;
    assert_eq!(joining.installs.len(), 1, "{joining:#?}");
    assert_eq!(joining.installs[0].mode, InstallMode::Join);
    assert_eq!(joining.installs[0].deployment_id, d2.deployment_id);
    assert_eq!(joining.installs[0].revision_id, v2.revision_id);
    // Still out of service while the deployment runs.
    assert_eq!(
        p.registry().get_host(b_id).await.unwrap().state,
        HostState::Installing
    );

    std::fs::write(&gate, "").unwrap();
    let d2 = wait_deployment(&p, d2.deployment_id).await;
    assert_eq!(d2.status, DeploymentStatus::Succeeded, "{d2:#?}");
    // Whether the scheduler added it to v2's rollout or v2 ended without it (then it gets its
    // own install of v2), the host ends in service running v2.
    let host_b = wait_state(&p, b_id, HostState::InService).await;
    assert_eq!(
        host_b.installs[0].status,
        InstallStatus::Succeeded,
        "{host_b:#?}"
    );
    assert_eq!(host_b.installs[0].revision_id, v2.revision_id);
    assert_eq!(
        std::fs::read_to_string(root_of(&p, "b").join("opt/app/VERSION")).unwrap(),
        "v2\n"
    );
    a.stop().await;
    b.stop().await;
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_host_is_lost_within_the_grace_and_returns_where_it_was() {
    let p = start(fast_settings()).await;
    let t = token(&p).await;
    let root = root_of(&p, "a");
    let (a, a_id) = spawn_at(&p, &t, "a", &[("role", "web")], &root).await;
    wait_state(&p, a_id, HostState::InService).await;
    let pid = a.pid().unwrap();
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    // Grace 3 s after the last heartbeat (1 s apart), swept every 200 ms: Lost within 5 s.
    let reg = p.registry();
    let lost = wait_for("the silent host to be Lost", Duration::from_secs(5), || {
        let reg = reg.clone();
        async move {
            reg.get_host(a_id)
                .await
                .ok()
                .filter(|h| h.state == HostState::Lost)
        }
    })
    .await;
    assert!(lost.state_reason.unwrap_or_default().contains("heartbeat"));
    drop(a);

    // The same agent (same identity on disk) comes back: in service again, same host id.
    let back = liftoff_testkit::AgentProcess::spawn(
        std::path::Path::new(BIN),
        &p.url,
        "unused-enrollment-token",
        "zone-a",
        &[("name", "a"), ("role", "web")],
        &root,
    )
    .unwrap();
    let h = wait_state(&p, a_id, HostState::InService).await;
    assert_eq!(h.host_id, a_id);
    assert_eq!(
        p.registry()
            .list_hosts(&[], None)
            .await
            .unwrap()
            .hosts
            .len(),
        1
    );
    back.stop().await;
    p.stop().await;
}

type Bare = (uuid::Uuid, liftoff_client::RegistryClient);

/// `n` hosts enrolled through the API with no agent behind them: the test heartbeats for them.
async fn enroll_bare(p: &TestPlatform, n: usize) -> Vec<Bare> {
    use liftoff_client::RegistryClient;
    use liftoff_types::registry::EnrollRequest;
    let t = token(p).await;
    let mut hosts = Vec::new();
    for i in 0..n {
        let e = RegistryClient::new(p.client_with(None))
            .enroll(&EnrollRequest {
                enrollment_token: t.clone(),
                hostname: format!("h{i}"),
                zone: "zone-a".into(),
                tags: Default::default(),
                agent_version: None,
            })
            .await
            .unwrap();
        hosts.push((
            e.host_id,
            RegistryClient::new(p.client_with(Some(e.credential))),
        ));
    }
    hosts
}

async fn beat(host: &Bare) -> liftoff_types::registry::HeartbeatResponse {
    host.1
        .heartbeat(
            host.0,
            &liftoff_types::registry::Heartbeat {
                agent_version: Some("test".into()),
            },
        )
        .await
        .unwrap()
}

/// Every host but the last heartbeats every `every` for four rounds and stays in service,
/// each answer telling `interval`; the last one, silent, is `Lost`, and back when it is heard.
async fn all_but_the_silent_one_stay_in_service(
    p: &TestPlatform,
    hosts: &[Bare],
    every: Duration,
    interval: u64,
) {
    for (id, _) in hosts {
        wait_state(p, *id, HostState::InService).await;
    }
    let (silent, beating) = hosts.split_last().unwrap();
    let reg = p.registry();
    for round in 0..4 {
        for (i, h) in beating.iter().enumerate() {
            let answer = beat(h).await;
            assert_eq!(answer.heartbeat_interval_secs, interval, "round {round}");
            assert_eq!(
                answer.state,
                HostState::InService,
                "host {i}, round {round}"
            );
        }
        tokio::time::sleep(every).await;
    }
    for (id, _) in beating {
        let h = reg.get_host(*id).await.unwrap();
        assert_eq!(h.state, HostState::InService, "host {id}: {h:#?}");
    }
    let silent_id = silent.0;
    wait_for(
        "the silent host to be Lost",
        Duration::from_secs(20),
        || {
            let reg = reg.clone();
            async move {
                reg.get_host(silent_id)
                    .await
                    .ok()
                    .filter(|h| h.state == HostState::Lost)
            }
        },
    )
    .await;
    // It heartbeats again: back in service, as before.
    assert_eq!(beat(silent).await.state, HostState::InService);
}

/// A platform with `settings` and five bare hosts, once every heartbeat answer tells `interval`.
async fn five_hosts_told(settings: ServiceSettings, interval: u64) -> (TestPlatform, Vec<Bare>) {
    let p = start(settings).await;
    let hosts = enroll_bare(&p, 5).await;
    wait_for(
        "the fleet's interval to lengthen",
        Duration::from_secs(20),
        || async {
            let mut last = 0;
            for h in &hosts {
                last = beat(h).await.heartbeat_interval_secs;
            }
            (last == interval).then_some(())
        },
    )
    .await;
    (p, hosts)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_fleet_is_given_a_longer_interval_and_judged_by_a_grace_stretched_alike() {
    // Configured: every 1 s, Lost after 2 s of silence, at most 1 heartbeat a second: five
    // hosts are told every 5 s, and judged by a grace of 2 + (5 - 1) = 6 s.
    let mut s = fast_settings();
    s.registry.heartbeat_grace = Duration::from_secs(2);
    s.registry.max_heartbeats_per_second = 1;
    let (p, hosts) = five_hosts_told(s, 5).await;
    // Four hosts heartbeat every 3 s, longer than the configured grace: never Lost. The
    // fifth is silent: Lost.
    all_but_the_silent_one_stay_in_service(&p, &hosts, Duration::from_secs(3), 5).await;
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_fleet_heartbeats_less_within_the_grace_and_a_silent_host_is_lost_within_it() {
    // Configured: every 1 s, Lost after 6 s of silence, about 1 heartbeat a second in all:
    // five hosts are told every 3 s (5 s would be past half the grace), and the grace stays
    // 6 s (the unit tests in `cadence.rs` pin the grace itself).
    let mut s = fast_settings();
    s.registry.heartbeat_grace = Duration::from_secs(6);
    s.registry.fleet_heartbeats_per_second = 1;
    let (p, hosts) = five_hosts_told(s, 3).await;
    // Four hosts heartbeat every 2 s and stay in service; the fifth is silent: Lost.
    all_but_the_silent_one_stay_in_service(&p, &hosts, Duration::from_secs(2), 3).await;
    p.stop().await;
}
