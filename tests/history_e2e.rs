//! History through real deployments: real agents run hooks, the services' outboxes feed
//! history, the agents upload each event's whole output, and the command line answers.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod history_support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use history_support::*;
use liftoff_client::{Client, EventQuery, HistoryClient, Page};
use liftoff_testkit::{AgentProcess, TestPlatform, wait_for, write_bundle};
use liftoff_types::deployments::*;
use liftoff_types::history::HookLogUpload;
use serde_json::Value;
use uuid::Uuid;

async fn push(p: &TestPlatform, name: &str, scripts: &[(&str, &str)]) -> Revision {
    let dir = p.dir.path().join(format!("bundle-{name}"));
    write_bundle(&dir, name, scripts).unwrap();
    let archive = p.dir.path().join(format!("{name}.tar.gz"));
    liftoff_testkit::pack(&dir, &archive).unwrap();
    p.api()
        .push_revision("shop", &archive, Some(name), None, None)
        .await
        .unwrap()
}

async fn deploy(p: &TestPlatform, rev: &Revision) -> Deployment {
    let api = p.api();
    let d = api
        .create_deployment(
            &CreateDeployment {
                file_exists_behavior: None,
                application: "shop".into(),
                deployment_group: "web".into(),
                revision: rev.revision_id.to_string(),
                config: None,
                description: None,
            },
            None,
        )
        .await
        .unwrap();
    wait_for("the deployment to finish", Duration::from_secs(120), || {
        let api = api.clone();
        async move {
            api.get_deployment(d.deployment_id)
                .await
                .ok()
                .filter(|d| d.status.is_terminal())
        }
    })
    .await
}

/// Waits until history holds `n` hook logs of deployment `d`.
async fn wait_logs(h: &HistoryClient, d: Uuid, n: usize) {
    wait_for(
        &format!("{n} hook logs of {d}"),
        Duration::from_secs(60),
        || {
            let h = h.clone();
            async move {
                let l = h
                    .deployment_logs(d, None, None, &Page::default())
                    .await
                    .ok()?;
                (l.logs.len() >= n).then_some(())
            }
        },
    )
    .await;
}

fn host_event<'a>(timeline: &'a Value, host: &str, event: &str) -> &'a Value {
    timeline["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["host_id"] == host)
        .and_then(|h| {
            h["events"]
                .as_array()
                .unwrap()
                .iter()
                .find(|e| e["event"] == event)
        })
        .unwrap_or_else(|| panic!("no {event} of host {host} in {timeline}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_answers_from_real_deployments_with_full_hook_output() {
    let p = TestPlatform::start().await.expect("platform");
    let api = p.api();
    api.create_application(&CreateApplication {
        name: "shop".into(),
        description: None,
    })
    .await
    .unwrap();
    api.create_group(
        "shop",
        &CreateDeploymentGroup {
            traffic_hooks: None,
            name: "web".into(),
            selector: BTreeMap::from([("role".to_string(), vec!["web".to_string()])]),
            deployment_config: None,
            auto_rollback: None,
            concurrency_policy: None,
            stage: None,
            health_analysis: None,
        },
    )
    .await
    .unwrap();
    let token = p.enrollment_token().await.unwrap();
    let mut agents = Vec::new();
    for (i, zone) in ["zone-a", "zone-b"].iter().enumerate() {
        let root = p.dir.path().join(format!("host-{i}"));
        agents.push(
            AgentProcess::spawn(
                Path::new(BIN),
                &p.url,
                &token,
                zone,
                &[("role", "web")],
                &root,
            )
            .unwrap(),
        );
    }
    let reg = p.registry();
    let hosts: Vec<Uuid> = wait_for("agents to enroll", Duration::from_secs(60), || {
        let reg = reg.clone();
        async move {
            let l = reg.list_hosts(&[], None).await.ok()?;
            (l.hosts.len() == 2).then(|| l.hosts.iter().map(|h| h.host_id).collect())
        }
    })
    .await;

    // v1 prints 40,000 lines (229 kB) in BeforeInstall: far more than the 64 KiB tail.
    let v1 = push(
        &p,
        "v1",
        &[
            ("BeforeInstall", "seq 1 40000"),
            ("ValidateService", "echo validated v1"),
        ],
    )
    .await;
    let v2 = push(&p, "v2", &[("ValidateService", "echo validated v2")]).await;
    let v3 = push(
        &p,
        "v3",
        &[(
            "ValidateService",
            "echo checking; echo 'validation failed: missing key db.url' >&2; exit 3",
        )],
    )
    .await;
    let d1 = deploy(&p, &v1).await;
    assert_eq!(d1.status, DeploymentStatus::Succeeded, "{d1:#?}");
    let hist = p.history();
    wait_for(
        "history to see v1 on both hosts",
        Duration::from_secs(30),
        || {
            let hist = hist.clone();
            async move {
                let l = hist
                    .host_revisions(Some("shop"), Some(v1.revision_id))
                    .await
                    .ok()?;
                (l.hosts.len() == 2).then_some(())
            }
        },
    )
    .await;
    let between = chrono::Utc::now();
    let d2 = deploy(&p, &v2).await;
    assert_eq!(d2.status, DeploymentStatus::Succeeded, "{d2:#?}");
    wait_for(
        "history to see v2 on both hosts",
        Duration::from_secs(30),
        || {
            let hist = hist.clone();
            async move {
                let l = hist
                    .host_revisions(Some("shop"), Some(v2.revision_id))
                    .await
                    .ok()?;
                (l.hosts.len() == 2).then_some(())
            }
        },
    )
    .await;
    let d3 = deploy(&p, &v3).await;
    assert_eq!(d3.status, DeploymentStatus::Failed, "{d3:#?}");
    let admin = p.admin_token.clone();

    // Which hosts run v2 now, since when (v3 failed, so they still do).
    let v2s = v2.revision_id.to_string();
    let json = cli_ok(
        &p,
        &admin,
        &["history", "hosts", "--app", "shop", "--revision", &v2s],
    )
    .await;
    let entries = json["hosts"].as_array().unwrap();
    assert_eq!(
        entries
            .iter()
            .map(|h| h["host_id"].as_str().unwrap().parse::<Uuid>().unwrap())
            .collect::<BTreeSet<_>>(),
        hosts.iter().copied().collect::<BTreeSet<_>>()
    );
    for h in entries {
        let since: chrono::DateTime<chrono::Utc> = h["since"].as_str().unwrap().parse().unwrap();
        assert!(since > between, "{h}");
    }

    // What the group ran between v1 and v2, and its target then.
    let at = between.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let json = cli_ok(
        &p,
        &admin,
        &["history", "group", "--app", "shop", "web", "--at", &at],
    )
    .await;
    assert_eq!(
        json["target_revision_id"],
        v1.revision_id.to_string(),
        "{json}"
    );
    let revs: BTreeSet<_> = json["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["revision_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(revs, BTreeSet::from([v1.revision_id.to_string()]), "{json}");
    assert_eq!(json["hosts"].as_array().unwrap().len(), 2);

    // The full output of every host × event, not only the tail.
    wait_logs(&hist, d1.deployment_id, 4).await;
    let json = cli_ok(
        &p,
        &admin,
        &["history", "deployment", &d1.deployment_id.to_string()],
    )
    .await;
    let full: String = (1..=40000).map(|i| format!("{i}\n")).collect();
    for h in &hosts {
        let ev = host_event(&json, &h.to_string(), "BeforeInstall");
        assert_eq!(ev["status"], "Succeeded");
        let out = ev["log"]["output"].as_str().unwrap();
        assert_eq!(out.len(), full.len());
        assert_eq!(out, full);
        assert_eq!(ev["log"]["truncated"], false);
        let tail = ev["output_tail"].as_str().unwrap();
        assert!(tail.len() <= 64 * 1024 && tail.ends_with("40000\n"));
        assert!(
            !tail.starts_with("1\n2\n"),
            "the tail alone is not the whole output"
        );
        let ev = host_event(&json, &h.to_string(), "ValidateService");
        assert_eq!(ev["log"]["output"], "validated v1\n");
    }

    // The failure's cause, without SSH.
    wait_logs(&hist, d3.deployment_id, 2).await;
    let d3s = d3.deployment_id.to_string();
    let json = cli_ok(&p, &admin, &["history", "deployment", &d3s]).await;
    for h in &hosts {
        let ev = host_event(&json, &h.to_string(), "ValidateService");
        assert_eq!(ev["status"], "Failed");
        assert_eq!(ev["exit_code"], 3);
        let out = ev["log"]["output"].as_str().unwrap();
        assert!(
            out.contains("checking") && out.contains("validation failed: missing key db.url"),
            "{out}"
        );
    }
    let text = tokio::process::Command::new(BIN)
        .args(["history", "deployment", &d3s])
        .env("LIFTOFF_URL", &p.url)
        .env("LIFTOFF_TOKEN", &admin)
        .output()
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("validation failed: missing key db.url"),
        "{text}"
    );
    assert!(text.contains("ValidateService Failed exit 3"), "{text}");

    // A host's timeline, newest first: the failed v3, then v2, then v1.
    let json = cli_ok(&p, &admin, &["history", "host", &hosts[0].to_string()]).await;
    let events = json["events"].as_array().unwrap();
    assert_eq!(events[0]["event_type"], "host.deployment_failed", "{json}");
    let deployments: Vec<String> = events
        .iter()
        .filter(|e| e["event_type"] == "host.deployment_started")
        .map(|e| e["deployment_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        deployments,
        [d3.deployment_id, d2.deployment_id, d1.deployment_id].map(|d| d.to_string())
    );
    assert_eq!(json["current"][0]["revision_id"], v2s);

    // Who did what: the admin token's subject and team, per object.
    let json = cli_ok(&p, &admin, &["audit", "--action", "deployment.created"]).await;
    let got: Vec<(String, String, String)> = json["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["actor"].as_str().unwrap().to_string(),
                e["team"].as_str().unwrap().to_string(),
                e["object_id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [d3.deployment_id, d2.deployment_id, d1.deployment_id].map(|d| (
            "admin".to_string(),
            "default".to_string(),
            d.to_string()
        ))
    );

    // One agent's credential cannot put output on the other host's command.
    let started = hist
        .events(&EventQuery {
            deployment_id: Some(d1.deployment_id),
            host_id: Some(hosts[0]),
            event_type: Some("host.deployment_started".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let command: Uuid = started.events[0].event.data["command_id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let mut intruder = None;
    for a in &agents {
        let id = liftoff_agent::state::StateDir::new(&a.root)
            .identity()
            .unwrap()
            .unwrap();
        if id.host_id == hosts[1] {
            intruder = Some(id);
        }
    }
    let intruder = intruder.unwrap();
    let theirs = HistoryClient::new(Client::new(&p.url, Some(intruder.credential)).unwrap());
    let err = theirs
        .upload_hook_log(
            hosts[1],
            command,
            "BeforeInstall",
            &HookLogUpload {
                deployment_id: d1.deployment_id,
                revision_id: v1.revision_id,
                output: "forged".into(),
                truncated: false,
                original_bytes: 6,
                upload_grant: None,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(403), "{err}");
    let logs = hist
        .deployment_logs(
            d1.deployment_id,
            Some(hosts[0]),
            Some("BeforeInstall"),
            &Page::default(),
        )
        .await
        .unwrap();
    assert_eq!(logs.logs.len(), 1);
    assert_eq!(logs.logs[0].output, full);

    for a in agents {
        a.stop().await;
    }
    p.stop().await;
}

/// Squatting a command's log slots: a host of another team uploads "its" log for a command
/// before history has heard of the command (ids are time-ordered, so guessable), or for a real
/// command while it runs, hoping the real host's upload is then refused. Only the host the
/// scheduler handed the command to holds the grant history asks for.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_other_host_can_take_a_commands_log_slots() {
    use liftoff_testkit::agent::{
        TestBundle, TestHook, create_app_and_group, push_bundle, start_deployment, wait_deployment,
        wait_enrolled,
    };
    let p = TestPlatform::start().await.unwrap();
    // The rogue: an enrolled host of another team, with its own real credential.
    let rogue_admin = liftoff_client::RegistryClient::new(p.client_with(Some(
        p.team_token("rogue-team", liftoff_kit::auth::Role::Admin),
    )));
    let token = rogue_admin
        .create_enrollment_token(&Default::default())
        .await
        .unwrap()
        .token
        .unwrap();
    let rogue = liftoff_client::RegistryClient::new(p.client_with(None))
        .enroll(&liftoff_types::registry::EnrollRequest {
            enrollment_token: token,
            hostname: "rogue".into(),
            zone: "zone-a".into(),
            tags: Default::default(),
            agent_version: None,
        })
        .await
        .unwrap();
    let squatter = HistoryClient::new(Client::new(&p.url, Some(rogue.credential)).unwrap());
    let squat = |deployment_id: Uuid, revision_id: Uuid| HookLogUpload {
        deployment_id,
        revision_id,
        output: "squatted".into(),
        truncated: false,
        original_bytes: 8,
        upload_grant: None,
    };

    // A command history has never heard of.
    let future = Uuid::now_v7();
    let err = squatter
        .upload_hook_log(
            rogue.host_id,
            future,
            "BeforeInstall",
            &squat(Uuid::now_v7(), Uuid::now_v7()),
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(403), "{err}");

    // A real command, while its hook waits.
    let token = p.enrollment_token().await.unwrap();
    let mut opts =
        liftoff_testkit::AgentOptions::new(&p.url, &token, "zone-a", &p.dir.path().join("host-0"))
            .tag("role", "web");
    opts.poll_wait_secs = 1;
    let agent = AgentProcess::start(Path::new(BIN), &opts).unwrap();
    wait_enrolled(&p, ("role", "web"), 1, Duration::from_secs(60)).await;
    create_app_and_group(&p, "shop", "web", ("role", "web"), "AllAtOnce")
        .await
        .unwrap();
    let rev = push_bundle(
        &p,
        "shop",
        &TestBundle::new("v1").hook(TestHook::new(
            "BeforeInstall",
            "echo the real output\nwhile [ ! -f \"$LIFTOFF_INSTALL_ROOT/go\" ]; do sleep 0.1; done",
        )),
    )
    .await
    .unwrap();
    let d = start_deployment(&p, "shop", "web", &rev).await.unwrap();
    let hist = p.history();
    let (host, command) = wait_for("the command to start", Duration::from_secs(60), || {
        let hist = hist.clone();
        async move {
            let page = hist
                .events(&EventQuery {
                    deployment_id: Some(d.deployment_id),
                    event_type: Some("host.deployment_started".into()),
                    ..Default::default()
                })
                .await
                .ok()?;
            let e = page.events.first()?;
            let command: Uuid = e.event.data["command_id"].as_str()?.parse().ok()?;
            Some((e.event.host_id?, command))
        }
    })
    .await;
    for as_host in [rogue.host_id, host] {
        let err = squatter
            .upload_hook_log(
                as_host,
                command,
                "BeforeInstall",
                &squat(d.deployment_id, rev.revision_id),
            )
            .await
            .unwrap_err();
        assert_eq!(err.status().map(|s| s / 100), Some(4), "{err}");
    }
    std::fs::write(agent.install_root.join("go"), "").unwrap();
    let done = wait_deployment(&p, d.deployment_id, Duration::from_secs(60)).await;
    assert_eq!(done.status, DeploymentStatus::Succeeded, "{done:#?}");
    wait_logs(&hist, d.deployment_id, 1).await;
    let logs = hist
        .deployment_logs(
            d.deployment_id,
            None,
            Some("BeforeInstall"),
            &Page::default(),
        )
        .await
        .unwrap();
    assert_eq!(logs.logs.len(), 1, "{logs:#?}");
    assert_eq!(logs.logs[0].host_id, host);
    assert!(logs.logs[0].output.contains("the real output"), "{logs:#?}");
    agent.stop().await;
    p.stop().await;
}
