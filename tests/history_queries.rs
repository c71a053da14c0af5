//! History's queries against a scripted sequence of deployments with known answers: the events
//! are delivered as the three services' outboxes would (each source in order, the sources
//! interleaved arbitrarily, every batch twice), with exact times.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod history_support;

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use history_support::scenario::script;
use history_support::*;
use liftoff_client::{AuditQuery, EventQuery, Page};
use liftoff_kit::auth::Role;
use liftoff_testkit::TestPlatform;
use liftoff_types::history::GroupAtTime;
use uuid::Uuid;

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
    // Another team's revision answers 404, exactly as one that does not exist.
    assert_eq!(
        other
            .revision_hosts(r1, None, &Page::default())
            .await
            .expect_err("another team's revision is hidden")
            .status(),
        Some(404)
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
