//! History's API at its edges: hook logs owned by the host that ran the command, bad input
//! answered with clear errors, and pagination that stays stable while events arrive.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod history_support;

use std::collections::BTreeSet;

use chrono::Utc;
use history_support::scenario::script;
use history_support::*;
use liftoff_client::{AuditQuery, EventQuery, Page};
use liftoff_kit::auth::{Role, TokenKind};
use liftoff_testkit::TestPlatform;
use liftoff_types::history::{HistoryEvent, HookLogBatch, HookLogEntry, HookLogUpload};
use serde_json::Value;
use uuid::Uuid;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hook_logs_belong_to_the_host_that_ran_the_command() {
    let p = TestPlatform::start().await.expect("platform");
    let w = script(&p).await;
    let [h1, h2, _, _] = w.hosts;
    let [_, r2, _] = w.revs;
    let [_, d2, _, _] = w.deps;
    let host_client = |host: Uuid, team: &str| {
        let (token, _) = p
            .authority
            .mint(
                TokenKind::Host,
                &host.to_string(),
                Some(team),
                None,
                false,
                chrono::Duration::hours(1),
            )
            .unwrap();
        team_history(&p, token)
    };
    // What the scheduler hands a host with each command: leave to upload that command's logs.
    let grant = |host: Uuid, command: Uuid| {
        Some(
            p.authority
                .grant(
                    liftoff_types::scheduler::LOG_GRANT_PURPOSE,
                    &liftoff_types::scheduler::log_grant_subject(host, command),
                    chrono::Duration::hours(1),
                )
                .unwrap(),
        )
    };
    let output = format!("{}\nthe last line\n", "a line of output\n".repeat(10_000));
    let upload = HookLogUpload {
        deployment_id: d2,
        revision_id: r2,
        output: output.clone(),
        truncated: false,
        original_bytes: output.len() as u64,
        upload_grant: grant(h1, w.h1_d2_command),
    };
    let h1c = host_client(h1, "default");
    h1c.upload_hook_log(h1, w.h1_d2_command, "ValidateService", &upload)
        .await
        .unwrap();
    // Again (a retried request): replaced, not doubled.
    h1c.upload_hook_log(h1, w.h1_d2_command, "ValidateService", &upload)
        .await
        .unwrap();
    // Host 2 may not upload for host 1's command, nor speak for host 1.
    let h2c = host_client(h2, "default");
    let err = h2c
        .upload_hook_log(h2, w.h1_d2_command, "ValidateService", &upload)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(403), "{err}");
    let err = h2c
        .upload_hook_log(h1, w.h1_d2_command, "ValidateService", &upload)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(403), "{err}");
    // A team token is not a host credential; over the cap is 413; a bad event name is 400.
    let err = p
        .history()
        .upload_hook_log(h1, w.h1_d2_command, "ValidateService", &upload)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(401));
    let mut huge = upload.clone();
    huge.output = "x".repeat(liftoff_types::history::HOOK_LOG_CAP_BYTES + 1);
    let err = h1c
        .upload_hook_log(h1, w.h1_d2_command, "ValidateService", &huge)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(413));
    let err = h1c
        .upload_hook_log(h1, w.h1_d2_command, "Validate Service", &upload)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400));
    // A command history has not heard of (yet) is kept, but not shown as this deployment's.
    let stray = Uuid::new_v4();
    let stray_upload = HookLogUpload {
        upload_grant: grant(h1, stray),
        ..upload.clone()
    };
    h1c.upload_hook_log(h1, stray, "ValidateService", &stray_upload)
        .await
        .unwrap();
    let h2_out = HookLogUpload {
        output: "boom: exit 3\n".into(),
        original_bytes: 13,
        upload_grant: grant(h2, w.h2_d2_command),
        ..upload.clone()
    };
    h2c.upload_hook_log(h2, w.h2_d2_command, "ValidateService", &h2_out)
        .await
        .unwrap();

    let logs = p
        .history()
        .deployment_logs(d2, None, None, &Page::default())
        .await
        .unwrap();
    let got: Vec<_> = logs
        .logs
        .iter()
        .map(|l| (l.host_id, l.command_id, l.bytes, l.truncated))
        .collect();
    assert_eq!(
        got,
        [
            (h1, w.h1_d2_command, output.len() as u64, false),
            (h2, w.h2_d2_command, 13, false)
        ]
    );
    assert_eq!(logs.logs[0].output, output);

    // `liftoff history deployment` shows each host × event with its whole output.
    let json = cli_ok(
        &p,
        &p.admin_token,
        &["history", "deployment", &d2.to_string()],
    )
    .await;
    let host = |h: Uuid| -> Value {
        json["hosts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["host_id"] == h.to_string())
            .cloned()
            .unwrap()
    };
    let ev = &host(h1)["events"][0];
    assert_eq!(ev["event"], "ValidateService");
    assert_eq!(ev["log"]["output"].as_str().unwrap(), output);
    assert_eq!(ev["log"]["truncated"], false);
    let ev = &host(h2)["events"][0];
    assert_eq!(ev["status"], "Failed");
    assert_eq!(ev["exit_code"], 3);
    assert_eq!(ev["log"]["output"], "boom: exit 3\n");
    // Several events' logs in one upload (what an agent sends), stored all at once; a batch
    // that is empty, too long, names an event twice, is over the cap together, or is for
    // another host's command changes nothing.
    let entry = |event: &str, output: &str| HookLogEntry {
        event: event.into(),
        output: output.into(),
        truncated: false,
        original_bytes: output.len() as u64,
    };
    let batch = |logs: Vec<HookLogEntry>| HookLogBatch {
        deployment_id: d2,
        revision_id: r2,
        upload_grant: grant(h1, w.h1_d2_command),
        logs,
    };
    let half = "y".repeat(liftoff_types::history::HOOK_LOG_CAP_BYTES / 2 + 1);
    for (bad, status) in [
        (batch(Vec::new()), 400),
        (batch(vec![entry("BeforeInstall", "a"); 17]), 400),
        (
            batch(vec![
                entry("BeforeInstall", "a"),
                entry("BeforeInstall", "b"),
            ]),
            400,
        ),
        (
            batch(vec![
                entry("BeforeInstall", &half),
                entry("AfterInstall", &half),
            ]),
            413,
        ),
        (batch(vec![entry("Before Install", "a")]), 400),
    ] {
        let err = h1c
            .upload_hook_logs(h1, w.h1_d2_command, &bad)
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(status), "{err}");
    }
    let err = h2c
        .upload_hook_logs(
            h2,
            w.h1_d2_command,
            &batch(vec![entry("BeforeInstall", "a")]),
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(403), "{err}");
    let count = |logs: &liftoff_types::history::HookLogPage| {
        logs.logs.iter().filter(|l| l.host_id == h1).count()
    };
    let before = p
        .history()
        .deployment_logs(d2, Some(h1), None, &Page::default())
        .await
        .unwrap();
    assert_eq!(count(&before), 1, "the refused batches stored nothing");
    let good = batch(vec![
        entry("BeforeInstall", "installing\n"),
        entry("AfterInstall", "configured\n"),
    ]);
    h1c.upload_hook_logs(h1, w.h1_d2_command, &good)
        .await
        .unwrap();
    // Again (a retried request): replaced, not doubled.
    h1c.upload_hook_logs(h1, w.h1_d2_command, &good)
        .await
        .unwrap();
    let after = p
        .history()
        .deployment_logs(d2, Some(h1), None, &Page::default())
        .await
        .unwrap();
    let mut events: Vec<_> = after
        .logs
        .iter()
        .map(|l| (l.event.as_str(), l.output.as_str()))
        .filter(|(e, _)| *e != "ValidateService")
        .collect();
    events.sort();
    assert_eq!(
        events,
        [
            ("AfterInstall", "configured\n"),
            ("BeforeInstall", "installing\n")
        ]
    );
    // Another team cannot read them.
    let err = team_history(&p, p.team_token("other", Role::Admin))
        .deployment_logs(d2, None, None, &Page::default())
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(404));
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_queries_get_clear_errors() {
    let p = TestPlatform::start().await.expect("platform");
    let http = p.http();
    let get = |path: &str| {
        let url = format!("{}{path}", p.url);
        let rb = http.get(url).bearer_auth(&p.admin_token);
        async move {
            let res = rb.send().await.unwrap();
            let status = res.status().as_u16();
            let body: Value = res.json().await.unwrap_or(Value::Null);
            (status, body)
        }
    };
    let rev = Uuid::new_v4();
    for (path, status, code) in [
        ("/v1/events?limit=0", 400, "invalid_field"),
        ("/v1/events?limit=5000", 400, "invalid_field"),
        ("/v1/events?cursor=abc", 400, "invalid_field"),
        ("/v1/events?order=sideways", 400, "invalid_field"),
        ("/v1/events?team=other", 400, "invalid_query"),
        ("/v1/events?event_type=DROP%20TABLE", 400, "invalid_field"),
        ("/v1/events?since=yesterday", 400, "invalid_field"),
        (
            "/v1/events?since=1969-12-31T23:59:59Z",
            400,
            "invalid_field",
        ),
        ("/v1/audit?limit=-1", 400, "invalid_field"),
        ("/v1/audit?team_id=x", 400, "invalid_query"),
        ("/v1/history/hosts?cursor=nope", 400, "invalid_field"),
        (
            "/v1/history/hosts?application=Bad_Name",
            400,
            "invalid_field",
        ),
        (
            "/v1/history/revisions/not-a-uuid/hosts",
            400,
            "invalid_path",
        ),
        (
            "/v1/history/deployment-groups/web/at?application=shop",
            400,
            "invalid_query",
        ),
        (
            "/v1/history/deployment-groups/web/at?application=shop&at=noon",
            400,
            "invalid_field",
        ),
        (
            "/v1/history/deployment-groups/Web!/at?application=shop&at=2026-11-19T14:00:00Z",
            400,
            "invalid_field",
        ),
        (
            "/v1/history/deployment-groups/web/at?application=shop&at=2026-11-19T14:00:00Z",
            404,
            "not_found",
        ),
        (
            "/v1/history/deployments/00000000-0000-0000-0000-000000000000/logs",
            404,
            "not_found",
        ),
    ] {
        let (got, body) = get(path).await;
        assert_eq!(got, status, "{path}: {body}");
        assert_eq!(body["error"]["code"], code, "{path}: {body}");
    }
    // A revision history has no record of for this team is 404, exactly as another team's is.
    let (status, body) = get(&format!("/v1/history/revisions/{rev}/hosts")).await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["error"]["code"], "not_found", "{body}");
    // No token: 401; a team token may not ingest.
    let res = http
        .get(format!("{}/v1/audit", p.url))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 401);
    let res = http
        .post(format!("{}/v1/events", p.url))
        .bearer_auth(&p.admin_token)
        .json(&serde_json::json!({"events": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 401);
    // Ingest: malformed JSON is 400, a wrong content type 415, and both change nothing.
    let svc = service_history(&p);
    let res = svc
        .0
        .request(reqwest::Method::POST, "/v1/events")
        .header("content-type", "application/json")
        .body("{\"events\": [")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 400);
    let res = svc
        .0
        .request(reqwest::Method::POST, "/v1/events")
        .header("content-type", "text/plain")
        .body("{\"events\": []}")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 415);
    let page = svc.events(&EventQuery::default()).await.unwrap();
    assert!(page.events.is_empty(), "{page:?}");
    // An event with odd text is kept (cleaned), not refused: it must not stall its outbox.
    let s = Script::new("default", "shop");
    let mut odd = s.event("scheduler", "host.event_finished", Utc::now());
    odd.actor = Some("evil\u{202e}name".into());
    odd.deployment_group = Some("x".repeat(300));
    let (accepted, _) = ingest(&svc, &[odd], 1).await;
    assert_eq!(accepted, 1);
    p.stop().await;
}

/// Pages of the log read while three writers append stay in order, never repeat an event and
/// never skip one: every event written is eventually read exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pagination_is_stable_while_new_events_arrive() {
    let p = TestPlatform::start().await.expect("platform");
    let svc = service_history(&p);
    let s = Script::new("default", "paging");
    // Some events exist before the readers start.
    let initial: Vec<_> = (0..25)
        .map(|i| {
            s.event(
                "scheduler",
                "host.event_started",
                Utc::now() + chrono::Duration::seconds(i),
            )
        })
        .collect();
    ingest(&svc, &initial, 10).await;
    let reader = p.history();
    // Newest first, from a snapshot: later appends never shift the pages already cut.
    let first = reader
        .events(&EventQuery {
            application: Some("paging".into()),
            newest_first: true,
            limit: Some(4),
            ..Default::default()
        })
        .await
        .unwrap();

    let mut writers = Vec::new();
    let mut written = Vec::new();
    for w in 0..3 {
        let batch: Vec<Vec<HistoryEvent>> = (0..20)
            .map(|i| {
                (0..3)
                    .map(|j| {
                        s.event(
                            ["scheduler", "deployment-api", "host-registry"][w],
                            "host.event_finished",
                            Utc::now() + chrono::Duration::milliseconds(i * 10 + j),
                        )
                    })
                    .collect()
            })
            .collect();
        written.extend(batch.iter().flatten().map(|e| e.event_id));
        let svc = svc.clone();
        writers.push(tokio::spawn(async move {
            for b in batch {
                ingest(&svc, &b, 3).await;
            }
        }));
    }

    // Oldest first, following the log as it grows.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let total = initial.len() + written.len();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
    while seen.len() < total {
        assert!(
            tokio::time::Instant::now() < deadline,
            "read {} of {total}",
            seen.len()
        );
        let page = reader
            .events(&EventQuery {
                application: Some("paging".into()),
                limit: Some(7),
                cursor: cursor.clone(),
                ..Default::default()
            })
            .await
            .unwrap();
        for e in &page.events {
            seen.push((e.seq, e.event.event_id));
        }
        cursor = match (page.next_cursor, seen.last()) {
            (Some(c), _) => Some(c),
            (None, Some((seq, _))) => {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                Some(seq.to_string())
            }
            (None, None) => None,
        };
    }
    for w in writers {
        w.await.unwrap();
    }
    assert!(
        seen.windows(2).all(|w| w[0].0 < w[1].0),
        "pages out of order"
    );
    let ids: BTreeSet<_> = seen.iter().map(|(_, id)| *id).collect();
    assert_eq!(ids.len(), total, "an event was read twice");
    let want: BTreeSet<_> = initial
        .iter()
        .map(|e| e.event_id)
        .chain(written.iter().copied())
        .collect();
    assert_eq!(ids, want, "an event was skipped");

    // The newest-first walk started before the writers: it sees exactly the initial events.
    let mut desc: Vec<_> = first.events.iter().map(|e| e.seq).collect();
    let mut cursor = first.next_cursor;
    while let Some(c) = cursor {
        let page = reader
            .events(&EventQuery {
                application: Some("paging".into()),
                newest_first: true,
                limit: Some(4),
                cursor: Some(c),
                ..Default::default()
            })
            .await
            .unwrap();
        desc.extend(page.events.iter().map(|e| e.seq));
        cursor = page.next_cursor;
    }
    assert_eq!(desc.len(), initial.len());
    assert!(desc.windows(2).all(|w| w[0] > w[1]));
    p.stop().await;
}

/// Measures ingest throughput as a relay drives it (batches of 200) and the latency of a few
/// queries over the result. Not a pass/fail test: run it on purpose with
/// `cargo test -p liftoff --test history_api measure -- --ignored --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark; prints numbers"]
async fn measure_ingest_and_query_speed() {
    let p = TestPlatform::start().await.expect("platform");
    let svc = service_history(&p);
    let s = Script::new("default", "bench");
    let clock = Clock::days_ago(1);
    let (hosts, deployments) = (200usize, 20usize);
    let host_ids: Vec<Uuid> = (0..hosts).map(|_| Uuid::new_v4()).collect();
    let mut events = Vec::new();
    for d in 0..deployments {
        let (dep, rev) = (Uuid::new_v4(), Uuid::new_v4());
        events.push(s.created(dep, rev, "web", "bench", clock.at(d as i64 * 10)));
        events.push(s.rollout(
            "deployment.started",
            dep,
            rev,
            "web",
            clock.at(d as i64 * 10),
        ));
        for h in &host_ids {
            let mut run = s.host_run(dep, rev, "web", *h, clock.at(d as i64 * 10 + 1), true);
            run[1].data["output_tail"] = Value::String("x".repeat(2048));
            events.extend(run);
        }
        events.push(s.rollout(
            "deployment.succeeded",
            dep,
            rev,
            "web",
            clock.at(d as i64 * 10 + 5),
        ));
    }
    let started = std::time::Instant::now();
    ingest(&svc, &events, 200).await;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "[{}] ingested {} events in {secs:.2}s: {:.0} events/s",
        p.backend(),
        events.len(),
        events.len() as f64 / secs
    );
    let hist = p.history();
    let t = std::time::Instant::now();
    let g = hist
        .group_at("bench", "web", &clock.at(95), &Page::default())
        .await
        .unwrap();
    println!(
        "[{}] group at T ({} hosts): {:?}",
        p.backend(),
        g.hosts.len(),
        t.elapsed()
    );
    let t = std::time::Instant::now();
    let h = hist
        .events(&EventQuery {
            host_id: Some(host_ids[7]),
            newest_first: true,
            ..Default::default()
        })
        .await
        .unwrap();
    println!(
        "[{}] host timeline ({} events): {:?}",
        p.backend(),
        h.events.len(),
        t.elapsed()
    );
    let t = std::time::Instant::now();
    let a = hist.audit(&AuditQuery::default()).await.unwrap();
    println!(
        "[{}] audit page ({} entries): {:?}",
        p.backend(),
        a.entries.len(),
        t.elapsed()
    );
    p.stop().await;
}
