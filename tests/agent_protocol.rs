//! The agent's command protocol at the HTTP level: batched event reports are applied in order
//! and all or nothing, bad batches are refused with the field named and change nothing, and a
//! batch about another host's command is refused like a single report.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/fixtures.rs"]
mod fixtures;

use std::collections::BTreeMap;
use std::time::Duration;

use fixtures::*;
use liftoff_client::{Client, SchedulerClient};
use liftoff_testkit::TestPlatform;
use liftoff_types::registry::{EnrollRequest, EnrollResponse};
use liftoff_types::scheduler::{EventStatus, RolloutDetail};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

async fn enroll(p: &TestPlatform, name: &str) -> EnrollResponse {
    let token = p.enrollment_token().await.expect("token");
    p.registry()
        .enroll(&EnrollRequest {
            enrollment_token: token,
            hostname: name.into(),
            zone: "zone-a".into(),
            tags: BTreeMap::from([("role".to_string(), "web".to_string())]),
            agent_version: None,
        })
        .await
        .expect("enroll")
}

fn report(event: &str, status: &str) -> Value {
    let now = chrono::Utc::now();
    if status == "InProgress" {
        json!({"event": event, "status": status, "started_at": now})
    } else {
        json!({"event": event, "status": status, "started_at": now, "ended_at": now, "exit_code": 0})
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batched_reports_are_applied_in_order_all_or_nothing() {
    let p = TestPlatform::start().await.unwrap();
    app_group(&p, None, None).await;
    let host = enroll(&p, "h1").await;
    let other = enroll(&p, "h2").await;
    let rev = push(&p, "v1").await;
    let d = deploy(&p.api(), &rev, Some("OneAtATime")).await;

    // Take the host's command as its agent would.
    let agent = SchedulerClient::new(Client::new(&p.url, Some(host.credential.clone())).unwrap());
    let command = wait_command(&agent, host.host_id).await;
    agent.ack(host.host_id, command).await.unwrap();
    let url = format!("/v1/agents/{}/commands/{command}/event-batch", host.host_id);

    // Refused, naming the field, and nothing recorded.
    let many: Vec<Value> = (0..=liftoff_types::scheduler::MAX_EVENT_BATCH)
        .map(|_| report("BeforeInstall", "InProgress"))
        .collect();
    let bad_batches = [
        (
            "empty",
            json!({"reports": []}),
            StatusCode::BAD_REQUEST,
            "reports",
        ),
        (
            "too many",
            json!({"reports": many}),
            StatusCode::BAD_REQUEST,
            "reports",
        ),
        (
            "second report unknown",
            json!({"reports": [report("DownloadBundle", "Succeeded"), report("Nope", "InProgress")]}),
            StatusCode::BAD_REQUEST,
            "reports[1]",
        ),
        (
            "not a batch",
            report("DownloadBundle", "Succeeded"),
            StatusCode::BAD_REQUEST,
            "",
        ),
    ];
    for (name, body, status, field) in bad_batches {
        let (s, b) = send_as(&p, &host.credential, Method::POST, &url, Some(body)).await;
        assert_eq!(s, status, "{name}: {b}");
        assert!(
            b["error"]["message"].as_str().unwrap_or("").contains(field),
            "{name}: {b}"
        );
    }
    assert!(
        events_of(&p, d.deployment_id, host.host_id)
            .await
            .is_empty(),
        "a refused batch records nothing"
    );

    // Another host may not report on this command, batched or not.
    let other_url = format!(
        "/v1/agents/{}/commands/{command}/event-batch",
        other.host_id
    );
    for u in [&url, &other_url] {
        let (s, b) = send_as(
            &p,
            &other.credential,
            Method::POST,
            u,
            Some(json!({"reports": [report("DownloadBundle", "Succeeded")]})),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{u}: {b}");
    }

    // The end of one event with the start of the next, in one call.
    let (s, b) = send_as(
        &p,
        &host.credential,
        Method::POST,
        &url,
        Some(json!({"reports": [report("DownloadBundle", "Succeeded"), report("BeforeInstall", "InProgress")]})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let events = events_of(&p, d.deployment_id, host.host_id).await;
    assert_eq!(
        events,
        vec![
            ("DownloadBundle".to_string(), EventStatus::Succeeded),
            ("BeforeInstall".to_string(), EventStatus::InProgress),
        ]
    );
    // Sent again (a retry after a lost answer): the same answer, nothing changes.
    let (s, _) = send_as(
        &p,
        &host.credential,
        Method::POST,
        &url,
        Some(json!({"reports": [report("DownloadBundle", "Succeeded"), report("BeforeInstall", "InProgress")]})),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(events_of(&p, d.deployment_id, host.host_id).await, events);

    // A command that does not exist is 404.
    let (s, _) = send_as(
        &p,
        &host.credential,
        Method::POST,
        &format!(
            "/v1/agents/{}/commands/{}/event-batch",
            host.host_id,
            Uuid::new_v4()
        ),
        Some(json!({"reports": [report("DownloadBundle", "Succeeded")]})),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // The last reports ride on the completion, applied with it in one transaction; too many
    // or a bad one refuses the whole completion and changes nothing.
    let complete = format!("/v1/agents/{}/commands/{command}/complete", host.host_id);
    let finish = |reports: Vec<Value>| json!({"status": "Succeeded", "reports": reports});
    for (name, body) in [
        ("too many", finish(many.clone())),
        (
            "unknown event",
            finish(vec![
                report("BeforeInstall", "Succeeded"),
                report("Nope", "Succeeded"),
            ]),
        ),
    ] {
        let (s, b) = send_as(&p, &host.credential, Method::POST, &complete, Some(body)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{name}: {b}");
        assert!(
            b["error"]["message"]
                .as_str()
                .unwrap_or("")
                .contains("reports"),
            "{name}: {b}"
        );
    }
    assert_eq!(events_of(&p, d.deployment_id, host.host_id).await, events);
    let (s, b) = send_as(
        &p,
        &host.credential,
        Method::POST,
        &complete,
        // An event started earlier ends; one starts and ends within the completion; a retried
        // final report of an event already ended changes nothing.
        Some(finish(vec![
            report("BeforeInstall", "Succeeded"),
            report("Install", "InProgress"),
            report("Install", "Succeeded"),
            report("DownloadBundle", "Failed"),
        ])),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["status"], "Succeeded", "{b}");
    assert_eq!(
        events_of(&p, d.deployment_id, host.host_id).await,
        vec![
            ("DownloadBundle".to_string(), EventStatus::Succeeded),
            ("BeforeInstall".to_string(), EventStatus::Succeeded),
            ("Install".to_string(), EventStatus::Succeeded),
        ]
    );
    // History got the host's events in the order they happened, the outcome last.
    let path = format!(
        "/v1/events?deployment_id={}&host_id={}&limit=100",
        d.deployment_id, host.host_id
    );
    let want = [
        ("host.deployment_started", None),
        ("host.event_finished", Some("DownloadBundle")),
        ("host.event_started", Some("BeforeInstall")),
        ("host.event_finished", Some("BeforeInstall")),
        ("host.event_started", Some("Install")),
        ("host.event_finished", Some("Install")),
        ("host.deployment_succeeded", None),
    ];
    let mut seen = Vec::new();
    for _ in 0..100 {
        let (s, page) = send(&p, Method::GET, &path, None).await;
        assert_eq!(s, StatusCode::OK, "{page}");
        seen = page["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["event_type"].as_str().unwrap_or("").to_string(),
                    e["data"]["event"].as_str().map(str::to_string),
                )
            })
            .collect::<Vec<_>>();
        if seen.len() > want.len() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The retried batch above recorded BeforeInstall's start again (a start may be re-sent
    // while the event runs); that repeat aside, the order is the hooks'.
    seen.dedup();
    let want: Vec<_> = want
        .iter()
        .map(|(t, e)| (t.to_string(), e.map(str::to_string)))
        .collect();
    assert_eq!(seen, want);
    p.api().stop_deployment(d.deployment_id).await.unwrap();
    p.stop().await;
}

/// Completions of one rollout sent at once are applied together (group commit), and each
/// request still gets its own answer: every host's outcome is recorded once, a retry answers
/// the same, of two different outcomes for one command exactly one wins and the other is a
/// 409, a command not acknowledged is refused without failing the others, and the rollout
/// concludes from them all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completions_sent_at_once_are_each_answered_and_applied_once() {
    const HOSTS: usize = 8;
    let p = TestPlatform::start().await.unwrap();
    app_group(&p, Some("AllAtOnce"), None).await;
    let mut hosts = Vec::new();
    for i in 0..HOSTS {
        hosts.push(enroll(&p, &format!("h{i}")).await);
    }
    let rev = push(&p, "v1").await;
    let d = deploy(&p.api(), &rev, Some("AllAtOnce")).await;
    let mut commands = Vec::new();
    let mut agents = Vec::new();
    for h in &hosts {
        let agent = SchedulerClient::new(Client::new(&p.url, Some(h.credential.clone())).unwrap());
        commands.push(wait_command(&agent, h.host_id).await);
        agents.push(agent);
    }
    // Acknowledged all at once (host 0 twice, as a retry would); the last host does not
    // acknowledge before completing.
    let acks = (0..HOSTS - 1).chain([0]);
    let acked =
        futures_util::future::join_all(acks.map(|i| agents[i].ack(hosts[i].host_id, commands[i])))
            .await;
    for a in acked {
        let a = a.unwrap();
        assert!(a.proceed, "{a:?}");
        assert_eq!(
            a.status,
            liftoff_types::scheduler::CommandStatus::InProgress
        );
    }
    let url = |i: usize| {
        format!(
            "/v1/agents/{}/commands/{}/complete",
            hosts[i].host_id, commands[i]
        )
    };
    let body = |status: &str, event: &str| {
        json!({"status": status, "error_code": (status == "Failed").then_some("SCRIPT_FAILED"),
               "reports": [report(event, status)]})
    };
    // Host 0 fails, the others succeed; host 1's completion is sent twice, host 2's twice with
    // different outcomes.
    let mut sends: Vec<(usize, Value)> = (0..HOSTS)
        .map(|i| {
            let status = if i == 0 { "Failed" } else { "Succeeded" };
            (i, body(status, "Install"))
        })
        .collect();
    sends.push((1, body("Succeeded", "Install")));
    sends.push((2, body("Failed", "Install")));
    let answers = futures_util::future::join_all(sends.iter().map(|(i, b)| {
        let (p, url, credential) = (&p, url(*i), hosts[*i].credential.clone());
        async move { send_as(p, &credential, Method::POST, &url, Some(b.clone())).await }
    }))
    .await;
    let mut host2 = Vec::new();
    for ((i, b), (s, answer)) in sends.iter().zip(&answers) {
        match *i {
            0 | 3..=6 => assert_eq!(*s, StatusCode::OK, "host {i}: {answer}"),
            1 => {
                assert_eq!(*s, StatusCode::OK, "host 1: {answer}");
                assert_eq!(answer["status"], "Succeeded", "{answer}");
            }
            2 => host2.push((b["status"].clone(), *s, answer.clone())),
            _ => {
                assert_eq!(*s, StatusCode::CONFLICT, "host {i}: {answer}");
                assert_eq!(code(answer), "not_acknowledged", "{answer}");
            }
        }
    }
    let won: Vec<_> = host2
        .iter()
        .filter(|(_, s, _)| *s == StatusCode::OK)
        .collect();
    let lost: Vec<_> = host2
        .iter()
        .filter(|(_, s, _)| *s == StatusCode::CONFLICT)
        .collect();
    assert_eq!((won.len(), lost.len()), (1, 1), "host 2: {host2:?}");
    assert_eq!(code(&lost[0].2), "command_finished", "{host2:?}");
    let host2_won = won[0].0.as_str().unwrap().to_string();

    // The refused one completes once acknowledged.
    let last = HOSTS - 1;
    let agent =
        SchedulerClient::new(Client::new(&p.url, Some(hosts[last].credential.clone())).unwrap());
    agent
        .ack(hosts[last].host_id, commands[last])
        .await
        .unwrap();
    let (s, b) = send_as(
        &p,
        &hosts[last].credential,
        Method::POST,
        &url(last),
        Some(body("Succeeded", "Install")),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");

    let rollout = p
        .scheduler()
        .get_rollout_detail(d.deployment_id, RolloutDetail::Full)
        .await
        .unwrap();
    for (i, h) in hosts.iter().enumerate() {
        let target = rollout
            .hosts
            .iter()
            .find(|t| t.host_id == h.host_id)
            .expect("host in rollout");
        let want = match i {
            0 => "Failed",
            2 => host2_won.as_str(),
            _ => "Succeeded",
        };
        assert_eq!(
            serde_json::to_value(target.status).unwrap(),
            want,
            "host {i}: {target:?}"
        );
        // Each report recorded once, even for the completion sent twice.
        assert_eq!(target.events.len(), 1, "host {i}: {:?}", target.events);
    }
    // Every host has an outcome, so the rollout has concluded.
    assert!(rollout.status.is_terminal(), "{:?}", rollout.status);
    p.stop().await;
}

async fn wait_command(agent: &SchedulerClient, host: Uuid) -> Uuid {
    for _ in 0..30 {
        let batch = agent
            .poll_commands(host, Duration::from_secs(1))
            .await
            .unwrap();
        if let Some(c) = batch.commands.first() {
            return c.command_id;
        }
    }
    panic!("no command for host {host}");
}

async fn events_of(p: &TestPlatform, deployment: Uuid, host: Uuid) -> Vec<(String, EventStatus)> {
    let rollout = p
        .scheduler()
        .get_rollout_detail(deployment, RolloutDetail::Full)
        .await
        .unwrap();
    let h = rollout
        .hosts
        .iter()
        .find(|h| h.host_id == host)
        .expect("host in rollout");
    h.events
        .iter()
        .map(|e| (e.event.clone(), e.status))
        .collect()
}
