//! Webhooks end to end: a receiver in this process captures every request history sends;
//! signatures are checked with the Standard Webhooks scheme (its specification's test vector
//! first) and, when the Python tools are installed (`scripts/test` puts `standardwebhooks` and
//! `cloudevents` in its venv), with those libraries too. A real rollout over real agents is
//! delivered through a receiver that answers 500, then recovers: nothing lost, nothing out of
//! order per subject. Then the refusals, and dead-lettering with redelivery and rotation.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod receiver;
mod rules;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::Duration;

use liftoff_client::{EventQuery, HistoryClient};
use liftoff_platform::ServiceSettings;
use liftoff_testkit::agent::{
    TestBundle, TestHook, create_app_and_group, deploy, push_bundle, wait_enrolled,
};
use liftoff_testkit::{AgentOptions, AgentProcess, TestPlatform, wait_for};
use liftoff_types::deployments::DeploymentStatus;
use liftoff_types::webhooks::{CreateWebhook, DeliveryStatus};
use receiver::{Receiver, Request, python_verifies, verify};
use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_liftoff");
const WEB: (&str, &str) = ("role", "web");
const WAIT: Duration = Duration::from_secs(120);

/// Receivers on loopback are allowed (as `--url-allow 127.0.0.1` would), retries are quick.
pub fn settings() -> ServiceSettings {
    let mut s = ServiceSettings::default();
    s.history.webhooks.allow = vec!["127.0.0.1".parse().unwrap()];
    s.history.webhooks.retry_base = Duration::from_millis(200);
    s.history.webhooks.retry_max = Duration::from_secs(1);
    s.history.webhooks.timeout = Duration::from_secs(1);
    s.history.webhooks.connect_timeout = Duration::from_secs(1);
    s
}

pub async fn subscribe(h: &HistoryClient, url: &str, events: &[&str]) -> (uuid::Uuid, String) {
    let w = h
        .create_webhook(&CreateWebhook {
            url: url.to_string(),
            events: events.iter().map(|e| e.to_string()).collect(),
            application: None,
            deployment_group: None,
        })
        .await
        .unwrap();
    (w.webhook.id, w.secret)
}

/// The team's events in log order, except history's own (webhook changes, pins), which are
/// recorded by history itself and not fanned out.
async fn logged(h: &HistoryClient) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let page = h
            .events(&EventQuery {
                limit: Some(1000),
                cursor: cursor.clone(),
                ..Default::default()
            })
            .await
            .unwrap();
        for e in page.events {
            if e.event.source != "history" {
                out.push((e.event.event_id.to_string(), e.event.event_type));
            }
        }
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return out,
        }
    }
}

fn accepted(requests: &[Request]) -> Vec<&Request> {
    requests.iter().filter(|r| r.answered == 200).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_rollout_reaches_a_receiver_that_fails_then_recovers_signed_complete_and_in_order() {
    let p = TestPlatform::start_with(settings())
        .await
        .expect("platform");
    let good = Receiver::start(500).await;
    let stuck = receiver::Stuck::start().await;
    let history = p.history();
    let (_, secret) = subscribe(&history, &good.url, &["*"]).await;
    // A receiver that accepts connections and never answers must hold up nothing but itself.
    let (stuck_id, _) = subscribe(&history, &stuck.url, &["deployment.*"]).await;

    let token = p.enrollment_token().await.unwrap();
    let mut agents = Vec::new();
    for (name, zone) in [("host-a", "zone-a"), ("host-b", "zone-b")] {
        let mut opts =
            AgentOptions::new(&p.url, &token, zone, &p.dir.path().join(name)).tag(WEB.0, WEB.1);
        opts.poll_wait_secs = 1;
        agents.push(AgentProcess::start(Path::new(BIN), &opts).unwrap());
    }
    wait_enrolled(&p, WEB, 2, WAIT).await;
    create_app_and_group(&p, "shop", "web", WEB, "OneAtATime")
        .await
        .unwrap();
    let bundle = TestBundle::new("v1")
        .hook(TestHook::new("BeforeInstall", "echo before-install"))
        .hook(TestHook::new(
            "ValidateService",
            "test -f \"$LIFTOFF_INSTALL_ROOT/opt/app/VERSION\"",
        ));
    let revision = push_bundle(&p, "shop", &bundle).await.unwrap();
    let d = deploy(&p, "shop", "web", &revision, WAIT).await;
    assert_eq!(d.status, DeploymentStatus::Succeeded, "{d:?}");

    // The whole rollout happened while the receiver failed; history has it all.
    wait_for("deployment.succeeded in history", WAIT, || {
        let h = history.clone();
        async move {
            logged(&h)
                .await
                .iter()
                .any(|(_, t)| t == "deployment.succeeded")
                .then_some(())
        }
    })
    .await;
    let receiver = &good;
    wait_for("three refused deliveries", WAIT, || async move {
        (receiver
            .requests()
            .iter()
            .filter(|r| r.answered == 500)
            .count()
            >= 3)
            .then_some(())
    })
    .await;
    good.answer(200);
    let recovered = std::time::Instant::now();

    // Every event of the log reaches the receiver once it answers again.
    let expected = wait_for("every logged event to be accepted", WAIT, || {
        let h = history.clone();
        async move {
            let expected = logged(&h).await;
            let got: std::collections::HashSet<String> = accepted(&receiver.requests())
                .iter()
                .map(|r| r.id.clone())
                .collect();
            expected
                .iter()
                .all(|(id, _)| got.contains(id))
                .then_some(expected)
        }
    })
    .await;
    let drained = recovered.elapsed();
    let requests = good.requests();
    let ok = accepted(&requests);
    let mut times: HashMap<&str, usize> = HashMap::new();
    for r in &ok {
        *times.entry(r.id.as_str()).or_default() += 1;
    }
    assert!(
        times.values().all(|n| *n == 1),
        "an event was accepted twice: {times:?}"
    );
    // Events may still be arriving (the log grows): judge against the log as it is now.
    let log = logged(&history).await;
    assert!(log.len() >= expected.len());
    let position: HashMap<&str, usize> = log
        .iter()
        .enumerate()
        .map(|(i, (id, _))| (id.as_str(), i))
        .collect();
    for r in &requests {
        assert!(
            position.contains_key(r.id.as_str()),
            "the receiver got {} ({}), which is not in the log",
            r.id,
            r.event_type
        );
    }
    // Per subject, requests follow the log's order: an event is sent only once the one ahead
    // of it in its subject was accepted (a refused one is sent again, never skipped).
    let subject_of: HashMap<&str, &str> = requests
        .iter()
        .map(|r| (r.id.as_str(), r.subject.as_str()))
        .collect();
    let mut by_subject: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (id, _) in &log {
        if let Some(s) = subject_of.get(id.as_str()) {
            by_subject.entry(s).or_default().push(position[id.as_str()]);
        }
    }
    let mut done: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &requests {
        let order = &by_subject[r.subject.as_str()];
        let next = done.get(r.subject.as_str()).copied().unwrap_or(0);
        assert_eq!(
            order.get(next).copied(),
            Some(position[r.id.as_str()]),
            "subject {} got {} ({}) before the event ahead of it was accepted",
            r.subject,
            r.id,
            r.event_type
        );
        if r.answered == 200 {
            done.insert(r.subject.as_str(), next + 1);
        }
    }
    let deployment_subject = format!("deployments/{}", d.deployment_id);
    let types: Vec<&str> = ok
        .iter()
        .filter(|r| r.subject == deployment_subject)
        .map(|r| r.event_type.as_str())
        .collect();
    for t in [
        "deployment.created",
        "deployment.started",
        "deployment.succeeded",
    ] {
        assert!(types.contains(&t), "{t} missing from {types:?}");
    }
    assert!(
        types.iter().position(|t| *t == "deployment.created")
            < types.iter().position(|t| *t == "deployment.succeeded")
    );

    // Signed and shaped as promised: every request, the refused ones too.
    for r in &requests {
        verify(r, &[&secret]);
    }
    python_verifies(&p.dir.path().join("requests.json"), &requests, &secret);

    // The stuck receiver's deliveries wait (timed out, retried) while the other got all. An
    // attempt is logged when it times out (1 s here), which a fast rollout may not yet have
    // reached: wait for the first, up to a few timeouts.
    let page = {
        let history = history.clone();
        let first_attempt = wait_for(
            "a timed-out attempt at the stuck receiver",
            Duration::from_secs(15),
            || {
                let history = history.clone();
                async move {
                    let page = history
                        .webhook_deliveries(stuck_id, None, &Default::default())
                        .await
                        .ok()?;
                    page.deliveries
                        .iter()
                        .any(|d| !d.attempt_log.is_empty())
                        .then_some(page)
                }
            },
        );
        first_attempt.await
    };
    let tried: Vec<_> = page
        .deliveries
        .iter()
        .flat_map(|d| d.attempt_log.iter())
        .collect();
    assert!(!tried.is_empty(), "the stuck receiver was never tried");
    assert!(
        tried
            .iter()
            .all(|a| a.status_code.is_none() && a.error.is_some()),
        "{tried:?}"
    );
    assert!(
        page.deliveries
            .iter()
            .all(|d| d.status == DeliveryStatus::Pending),
        "nothing reached the stuck receiver"
    );

    let metrics = reqwest::get(format!("{}/metrics", p.url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for m in [
        "liftoff_webhook_deliveries_total{outcome=\"delivered\"}",
        "liftoff_webhook_deliveries_total{outcome=\"retry\"}",
        "liftoff_webhook_backlog",
        "liftoff_webhook_oldest_age_seconds",
    ] {
        assert!(metrics.contains(m), "{m} missing from /metrics");
    }
    println!(
        "webhooks: {} events accepted over {} requests ({} refused) on {}; the backlog drained {:?} after the receiver recovered",
        ok.len(),
        requests.len(),
        requests.iter().filter(|r| r.answered == 500).count(),
        p.backend(),
        drained
    );
    for a in agents {
        a.stop().await;
    }
    p.stop().await;
}

/// `(status, body)` of a raw request with `token`.
pub async fn call(
    p: &TestPlatform,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut rb = p
        .http()
        .request(method, format!("{}{path}", p.url))
        .bearer_auth(token);
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    let res = rb.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// The queue is in the database: deliveries still failing when the control plane stops are
/// sent once it is back, each accepted once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pending_deliveries_survive_a_control_plane_restart() {
    let mut s = settings();
    let mut p = TestPlatform::start_with(s.clone()).await.expect("platform");
    let receiver = Receiver::start(500).await;
    let (_, secret) = subscribe(&p.history(), &receiver.url, &["application.*"]).await;
    for app in ["shop", "cart"] {
        p.api()
            .create_application(&liftoff_types::deployments::CreateApplication {
                name: app.into(),
                description: None,
            })
            .await
            .unwrap();
    }
    let r = &receiver;
    wait_for("both events refused once", WAIT, || async move {
        let ids: std::collections::HashSet<String> =
            r.requests().into_iter().map(|q| q.id).collect();
        (ids.len() == 2).then_some(())
    })
    .await;

    p.running.take().unwrap().stop().await;
    receiver.answer(200);
    s.tick_interval = Some(Duration::from_millis(200));
    s.deployment_api.spool_dir = p.dir.path().to_path_buf();
    p.running = Some(
        liftoff_platform::up(liftoff_platform::UpConfig {
            listen: p.addr,
            data_dir: p.data_dir(),
            database_url: p.database_url.clone(),
            settings: s,
        })
        .await
        .unwrap(),
    );
    let accepted_ids = wait_for(
        "both events accepted after the restart",
        WAIT,
        || async move {
            let ok: Vec<String> = accepted(&r.requests())
                .iter()
                .map(|q| q.id.clone())
                .collect();
            (ok.len() >= 2).then_some(ok)
        },
    )
    .await;
    let unique: std::collections::HashSet<&String> = accepted_ids.iter().collect();
    assert_eq!(unique.len(), 2, "{accepted_ids:?}");
    // Nothing more arrives: each event was accepted once.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(accepted(&receiver.requests()).len(), 2);
    for q in receiver.requests() {
        verify(&q, &[&secret]);
    }
    p.stop().await;
}
