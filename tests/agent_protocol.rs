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
        Some(finish(vec![
            report("BeforeInstall", "Succeeded"),
            report("Install", "Succeeded"),
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
    p.api().stop_deployment(d.deployment_id).await.unwrap();
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
