//! History's queries against a scripted sequence of deployments with known answers: the events
//! are delivered as the three services' outboxes would (each source in order, the sources
//! interleaved arbitrarily, every batch twice), with exact times.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod history_support;

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use history_support::*;
use liftoff_client::{AuditQuery, EventQuery, Page};
use liftoff_kit::auth::{Role, TokenKind};
use liftoff_testkit::TestPlatform;
use liftoff_types::history::{GroupAtTime, HistoryEvent, HookLogUpload};
use serde_json::Value;
use uuid::Uuid;

struct World {
    clock: Clock,
    hosts: [Uuid; 4],
    revs: [Uuid; 3],
    deps: [Uuid; 4],
    /// The command of h1 in d2 and of h2 in d2.
    h1_d2_command: Uuid,
    h2_d2_command: Uuid,
    other_host: Uuid,
    other_rev: Uuid,
}

fn command_of(events: &[HistoryEvent]) -> Uuid {
    events[0].data["command_id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap()
}

/// d1 puts r1 on h1..h3 (group web); d2 moves h1 to r2 and fails on h2; d3 rolls back to r1;
/// h3 is deregistered; d4 puts r3 on h4 (group api). Another team runs its own app "shop".
async fn script(p: &TestPlatform) -> World {
    let clock = Clock::days_ago(10);
    let t = |m| clock.at(m);
    let s = Script::new("default", "shop");
    let hosts = [
        Uuid::new_v4(),
        Uuid::new_v4(),
        Uuid::new_v4(),
        Uuid::new_v4(),
    ];
    let [h1, h2, h3, h4] = hosts;
    let revs = [Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4()];
    let [r1, r2, r3] = revs;
    let deps = [
        Uuid::new_v4(),
        Uuid::new_v4(),
        Uuid::new_v4(),
        Uuid::new_v4(),
    ];
    let [d1, d2, d3, d4] = deps;

    let mut app_created = s.event("deployment-api", "application.created", t(-10));
    app_created.actor = Some("alice".into());
    let api = vec![
        app_created,
        s.registered(r1, "alice", t(-9)),
        s.created(d1, r1, "web", "alice", t(0)),
        s.registered(r2, "bob", t(50)),
        s.created(d2, r2, "web", "bob", t(60)),
        s.created(d3, r1, "web", "bob", t(66)),
        s.registered(r3, "alice", t(125)),
        s.created(d4, r3, "api", "alice", t(130)),
    ];
    let h1_d2 = s.host_run(d2, r2, "web", h1, t(62), true);
    let h2_d2 = s.host_run(d2, r2, "web", h2, t(63), false);
    let (h1_d2_command, h2_d2_command) = (command_of(&h1_d2), command_of(&h2_d2));
    let mut scheduler = vec![s.rollout("deployment.started", d1, r1, "web", t(1))];
    scheduler.extend(s.host_run(d1, r1, "web", h1, t(2), true));
    scheduler.extend(s.host_run(d1, r1, "web", h2, t(3), true));
    scheduler.extend(s.host_run(d1, r1, "web", h3, t(4), true));
    scheduler.push(s.rollout("deployment.succeeded", d1, r1, "web", t(6)));
    scheduler.push(s.rollout("deployment.started", d2, r2, "web", t(61)));
    scheduler.extend(h1_d2);
    scheduler.extend(h2_d2);
    scheduler.push(s.rollout("deployment.failed", d2, r2, "web", t(65)));
    scheduler.push(s.rollout("deployment.started", d3, r1, "web", t(67)));
    scheduler.extend(s.host_run(d3, r1, "web", h2, t(67), true));
    scheduler.extend(s.host_run(d3, r1, "web", h1, t(68), true));
    scheduler.push(s.rollout("deployment.succeeded", d3, r1, "web", t(70)));
    scheduler.push(s.rollout("deployment.started", d4, r3, "api", t(131)));
    scheduler.extend(s.host_run(d4, r3, "api", h4, t(131), true));
    scheduler.push(s.rollout("deployment.succeeded", d4, r3, "api", t(133)));
    let registry = vec![s.deregistered(h3, "carol", t(120))];

    let o = Script::new("other", "shop");
    let (other_host, other_rev, other_dep) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    let mut other = vec![
        o.created(other_dep, other_rev, "web", "dave", t(10)),
        o.rollout("deployment.started", other_dep, other_rev, "web", t(11)),
    ];
    other.extend(o.host_run(other_dep, other_rev, "web", other_host, t(11), true));

    // The registry's outbox drains first (a deregistration before the installs it ends), then
    // the scheduler's, then deployment-api's (deployments created after they finished).
    let h = service_history(p);
    let mut all = Vec::new();
    for stream in [&registry, &scheduler, &api, &other] {
        let (accepted, dup) = ingest(&h, stream, 7).await;
        assert_eq!((accepted, dup), (stream.len() as u64, 0));
        all.extend(stream.iter().cloned());
    }
    // A relay that retried after a lost acknowledgement: everything again, nothing new.
    let (accepted, dup) = ingest(&h, &all, 11).await;
    assert_eq!((accepted, dup), (0, all.len() as u64));
    World {
        clock,
        hosts,
        revs,
        deps,
        h1_d2_command,
        h2_d2_command,
        other_host,
        other_rev,
    }
}

/// (host, revision, since, until)
type Span = (Uuid, Uuid, DateTime<Utc>, Option<DateTime<Utc>>);

fn hosts_at(g: &GroupAtTime) -> Vec<Span> {
    g.hosts
        .iter()
        .map(|h| (h.host_id, h.revision_id, h.since, h.until))
        .collect()
}

fn sorted<T: Ord + Clone>(v: &[T]) -> Vec<T> {
    let mut v = v.to_vec();
    v.sort();
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queries_answer_a_scripted_sequence_of_deployments() {
    let p = TestPlatform::start().await.expect("platform");
    let w = script(&p).await;
    let t = |m| w.clock.at(m);
    let [h1, h2, h3, h4] = w.hosts;
    let [r1, r2, r3] = w.revs;
    let [d1, d2, d3, d4] = w.deps;
    let hist = p.history();

    // Which hosts run r1 right now, and since when: h2 since d1 (the rollback kept it on r1),
    // h1 since the rollback brought it back; h3 left the fleet.
    let r1_hosts = hist
        .revision_hosts(r1, Some("shop"), &Page::default())
        .await
        .unwrap();
    let got: Vec<_> = r1_hosts
        .hosts
        .iter()
        .map(|h| (h.host_id, h.since))
        .collect();
    assert_eq!(got, sorted(&[(h1, t(69)), (h2, t(4))]));
    assert!(r1_hosts.hosts.iter().all(|h| h.revision_id == r1));
    assert!(
        hist.revision_hosts(r2, None, &Page::default())
            .await
            .unwrap()
            .hosts
            .is_empty()
    );
    let r3_hosts = hist
        .revision_hosts(r3, None, &Page::default())
        .await
        .unwrap();
    assert_eq!(r3_hosts.hosts.len(), 1);
    assert_eq!(
        (
            r3_hosts.hosts[0].host_id,
            r3_hosts.hosts[0].since,
            r3_hosts.hosts[0].deployment_id
        ),
        (h4, t(132), d4)
    );
    let now = hist.host_revisions(Some("shop"), None).await.unwrap();
    assert_eq!(
        now.hosts
            .iter()
            .map(|h| (h.host_id, h.revision_id))
            .collect::<BTreeSet<_>>(),
        BTreeSet::from([(h1, r1), (h2, r1), (h4, r3)])
    );

    // The group at several times, with its target revision.
    let at = |m: i64, s: i64| {
        let hist = hist.clone();
        let when = w.clock.at_s(m, s);
        async move {
            hist.group_at("shop", "web", &when, &Page::default())
                .await
                .unwrap()
        }
    };
    let before = at(-5, 0).await;
    assert!(before.hosts.is_empty() && before.target_revision_id.is_none());
    assert_eq!(before.last_successful_revision_id, None);

    let g = at(30, 0).await;
    assert_eq!(g.target_revision_id, Some(r1));
    let target = g.target_deployment.as_ref().unwrap();
    assert_eq!(
        (target.deployment_id, target.status.as_str()),
        (d1, "Succeeded")
    );
    assert_eq!(g.last_successful_revision_id, Some(r1));
    assert_eq!(
        hosts_at(&g),
        sorted(&[
            (h1, r1, t(3), Some(t(63))),
            (h2, r1, t(4), None),
            (h3, r1, t(5), Some(t(120))),
        ])
    );

    let g = at(62, 0).await;
    assert_eq!(g.target_revision_id, Some(r2));
    assert_eq!(g.target_deployment.as_ref().unwrap().status, "InProgress");
    assert_eq!(g.last_successful_revision_id, Some(r1));
    assert!(g.hosts.iter().all(|h| h.revision_id == r1) && g.hosts.len() == 3);

    let g = at(63, 30).await;
    let revs: BTreeSet<_> = g.hosts.iter().map(|h| (h.host_id, h.revision_id)).collect();
    assert_eq!(revs, BTreeSet::from([(h1, r2), (h2, r1), (h3, r1)]));

    let g = at(65, 30).await;
    assert_eq!(
        (
            g.target_revision_id,
            g.target_deployment.as_ref().unwrap().status.as_str()
        ),
        (Some(r2), "Failed")
    );
    assert_eq!(g.last_successful_revision_id, Some(r1));

    let g = at(68, 30).await;
    let target = g.target_deployment.as_ref().unwrap();
    assert_eq!(
        (target.deployment_id, target.status.as_str()),
        (d3, "InProgress")
    );
    let revs: BTreeSet<_> = g.hosts.iter().map(|h| (h.host_id, h.revision_id)).collect();
    assert_eq!(revs, BTreeSet::from([(h1, r2), (h2, r1), (h3, r1)]));

    let g = at(100, 0).await;
    assert_eq!(g.target_deployment.as_ref().unwrap().deployment_id, d3);
    assert_eq!(g.target_deployment.as_ref().unwrap().status, "Succeeded");
    assert_eq!(
        hosts_at(&g),
        sorted(&[
            (h1, r1, t(69), None),
            (h2, r1, t(4), None),
            (h3, r1, t(5), Some(t(120))),
        ])
    );
    let g = at(125, 0).await;
    assert_eq!(
        g.hosts.iter().map(|h| h.host_id).collect::<BTreeSet<_>>(),
        BTreeSet::from([h1, h2])
    );
    let api = hist
        .group_at("shop", "api", &t(140), &Page::default())
        .await
        .unwrap();
    assert_eq!(api.target_revision_id, Some(r3));
    assert_eq!(hosts_at(&api), [(h4, r3, t(132), None)]);

    // Paging a group: one host per page, same hosts, stable order.
    let mut cursor = None;
    let mut paged = Vec::new();
    loop {
        let page = hist
            .group_at(
                "shop",
                "web",
                &t(100),
                &Page {
                    limit: Some(1),
                    cursor: cursor.clone(),
                },
            )
            .await
            .unwrap();
        paged.extend(page.hosts.iter().map(|h| h.host_id));
        cursor = page.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(paged, sorted(&[h1, h2, h3]));

    // A host's timeline, newest first: the rollback, the failed deployment, the first one.
    let timeline = hist
        .events(&EventQuery {
            host_id: Some(h1),
            newest_first: true,
            ..Default::default()
        })
        .await
        .unwrap();
    let got: Vec<_> = timeline
        .events
        .iter()
        .map(|e| (e.event.deployment_id.unwrap(), e.event.event_type.as_str()))
        .collect();
    let mut want = Vec::new();
    for d in [d3, d2, d1] {
        want.extend([
            (d, "host.deployment_succeeded"),
            (d, "host.event_finished"),
            (d, "host.deployment_started"),
        ]);
    }
    assert_eq!(got, want);

    // Filters on the log: a deployment's events of one type; a time window; a prefix.
    let finished = hist
        .events(&EventQuery {
            deployment_id: Some(d2),
            event_type: Some("host.*".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(finished.events.len(), 6);
    let window = hist
        .events(&EventQuery {
            application: Some("shop".into()),
            event_type: Some("deployment.started".into()),
            since: Some(t(60)),
            until: Some(t(100)),
            ..Default::default()
        })
        .await
        .unwrap();
    let ids: Vec<_> = window
        .events
        .iter()
        .map(|e| e.event.deployment_id.unwrap())
        .collect();
    assert_eq!(ids, [d2, d3]);

    // The command line, with the interface's names.
    let admin = p.admin_token.clone();
    let r1s = r1.to_string();
    let json = cli_ok(
        &p,
        &admin,
        &["history", "hosts", "--app", "shop", "--revision", &r1s],
    )
    .await;
    let entries: Vec<(String, String)> = json["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["host_id"].as_str().unwrap().to_string(),
                h["since"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let parse = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
    assert_eq!(
        entries
            .iter()
            .map(|(h, s)| (h.parse::<Uuid>().unwrap(), parse(s)))
            .collect::<Vec<_>>(),
        sorted(&[(h1, t(69)), (h2, t(4))])
    );
    let at63 = rfc3339(w.clock.at_s(63, 30));
    let json = cli_ok(
        &p,
        &admin,
        &["history", "group", "--app", "shop", "web", "--at", &at63],
    )
    .await;
    assert_eq!(json["target_revision_id"], r2.to_string());
    let got: BTreeSet<(String, String)> = json["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["host_id"].as_str().unwrap().to_string(),
                h["revision_id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        BTreeSet::from([
            (h1.to_string(), r2.to_string()),
            (h2.to_string(), r1.to_string()),
            (h3.to_string(), r1.to_string())
        ])
    );
    let json = cli_ok(&p, &admin, &["history", "host", &h1.to_string()]).await;
    assert_eq!(json["events"].as_array().unwrap().len(), 9);
    assert_eq!(json["current"][0]["revision_id"], r1.to_string());
    let (code, json) = cli(
        &p,
        &admin,
        &["history", "group", "--app", "shop", "nope", "--at", &at63],
    )
    .await;
    assert_ne!(code, 0);
    assert_eq!(json["error"]["code"], "not_found");

    // The deployment timeline with each host's outcome (no hook logs uploaded here).
    let json = cli_ok(&p, &admin, &["history", "deployment", &d2.to_string()]).await;
    let hosts = json["hosts"].as_array().unwrap();
    let outcome = |h: Uuid| {
        hosts
            .iter()
            .find(|x| x["host_id"] == h.to_string())
            .map(|x| x["outcome"].clone())
            .unwrap()
    };
    assert_eq!(outcome(h1), "Succeeded");
    assert_eq!(outcome(h2), "Failed");
    p.stop().await;
    let _ = w.other_rev;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_says_who_did_what_to_which_object_and_pages_stably() {
    let p = TestPlatform::start().await.expect("platform");
    let w = script(&p).await;
    let t = |m| w.clock.at(m);
    let [_, _, h3, _] = w.hosts;
    let [r1, r2, r3] = w.revs;
    let [d1, d2, d3, d4] = w.deps;
    let hist = p.history();
    let all = hist.audit(&AuditQuery::default()).await.unwrap();
    let got: Vec<_> = all
        .entries
        .iter()
        .map(|e| {
            (
                e.actor.as_str(),
                e.action.as_str(),
                e.object_type.as_str(),
                e.object_id.clone().unwrap(),
            )
        })
        .collect();
    // Newest first in log order: deployment-api's outbox arrived after the registry's.
    assert_eq!(
        got,
        [
            ("alice", "deployment.created", "deployment", d4.to_string()),
            ("alice", "revision.registered", "revision", r3.to_string()),
            ("bob", "deployment.created", "deployment", d3.to_string()),
            ("bob", "deployment.created", "deployment", d2.to_string()),
            ("bob", "revision.registered", "revision", r2.to_string()),
            ("alice", "deployment.created", "deployment", d1.to_string()),
            ("alice", "revision.registered", "revision", r1.to_string()),
            (
                "alice",
                "application.created",
                "application",
                "shop".to_string()
            ),
            ("carol", "host.deregistered", "host", h3.to_string()),
        ]
    );
    assert!(
        all.entries
            .iter()
            .all(|e| e.team.as_deref() == Some("default"))
    );

    let bob = hist
        .audit(&AuditQuery {
            actor: Some("bob".into()),
            action: Some("deployment.*".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let ids: Vec<_> = bob
        .entries
        .iter()
        .map(|e| e.deployment_id.unwrap())
        .collect();
    assert_eq!(ids, [d3, d2]);
    let window = hist
        .audit(&AuditQuery {
            since: Some(t(50)),
            until: Some(t(66)),
            oldest_first: true,
            ..Default::default()
        })
        .await
        .unwrap();
    let got: Vec<_> = window.entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(got, ["revision.registered", "deployment.created"]);

    // Two at a time: the same entries, in the same order, each once.
    let mut cursor = None;
    let mut paged = Vec::new();
    loop {
        let page = hist
            .audit(&AuditQuery {
                limit: Some(2),
                cursor: cursor.clone(),
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(page.entries.len() <= 2);
        paged.extend(page.entries.into_iter().map(|e| e.seq));
        cursor = page.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(paged, all.entries.iter().map(|e| e.seq).collect::<Vec<_>>());

    // Another team sees its own entries only, and none of these objects.
    let other = team_history(&p, p.team_token("other", Role::Viewer));
    let theirs = other.audit(&AuditQuery::default()).await.unwrap();
    assert_eq!(theirs.entries.len(), 1);
    assert_eq!(theirs.entries[0].actor, "dave");
    assert!(
        other
            .events(&EventQuery {
                deployment_id: Some(d1),
                ..Default::default()
            })
            .await
            .unwrap()
            .events
            .is_empty()
    );
    assert!(
        other
            .revision_hosts(r1, None, &Page::default())
            .await
            .unwrap()
            .hosts
            .is_empty()
    );
    let g = other
        .group_at("shop", "web", &t(100), &Page::default())
        .await
        .unwrap();
    assert_eq!(
        g.hosts
            .iter()
            .map(|h| (h.host_id, h.revision_id))
            .collect::<Vec<_>>(),
        [(w.other_host, w.other_rev)]
    );
    assert_eq!(g.target_revision_id, Some(w.other_rev));
    let stranger = team_history(&p, p.team_token("stranger", Role::Admin));
    let err = stranger
        .group_at("shop", "web", &t(100), &Page::default())
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(404));
    let err = stranger
        .deployment_logs(d1, None, None, &Page::default())
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(404));

    // From the command line.
    let json = cli_ok(&p, &p.admin_token, &["audit", "--actor", "carol"]).await;
    let entries = json["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["action"], "host.deregistered");
    assert_eq!(entries[0]["team"], "default");
    assert_eq!(entries[0]["object_id"], h3.to_string());
    assert!(entries[0]["occurred_at"].as_str().is_some());
    p.stop().await;
}

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
    let output = format!("{}\nthe last line\n", "a line of output\n".repeat(10_000));
    let upload = HookLogUpload {
        deployment_id: d2,
        revision_id: r2,
        output: output.clone(),
        truncated: false,
        original_bytes: output.len() as u64,
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
    h1c.upload_hook_log(h1, stray, "ValidateService", &upload)
        .await
        .unwrap();
    let h2_out = HookLogUpload {
        output: "boom: exit 3\n".into(),
        original_bytes: 13,
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
    let (status, body) = get(&format!("/v1/history/revisions/{rev}/hosts")).await;
    assert_eq!(status, 200, "{body}");
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
/// `cargo test -p liftoff --test history_queries measure -- --ignored --nocapture`.
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
