//! Retention removes what is older than the configured period, except a pinned revision's
//! record; the current revision of every host is never dropped.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod history_support;

use std::time::Duration;

use history_support::*;
use liftoff_client::{AuditQuery, EventQuery, HistoryClient, Page};
use liftoff_kit::auth::Role;
use liftoff_platform::ServiceSettings;
use liftoff_testkit::{TestPlatform, wait_for};
use uuid::Uuid;

async fn deployment_events(h: &HistoryClient, d: Uuid) -> usize {
    h.events(&EventQuery {
        deployment_id: Some(d),
        ..Default::default()
    })
    .await
    .unwrap()
    .events
    .len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_keeps_pinned_revisions_and_every_hosts_current_state() {
    let mut settings = ServiceSettings::default();
    settings.history.retention = Duration::from_secs(30 * 86400);
    settings.history.retention_interval = Duration::ZERO;
    let p = TestPlatform::start_with(settings).await.expect("platform");
    let svc = service_history(&p);
    let hist = p.history();
    let now = Clock::days_ago(0);
    let old = Clock::days_ago(100);
    let s = Script::new("default", "shop");
    let [h1, h2, h3] = [Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4()];
    let [r_pin, r_old, r_new] = [Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4()];
    let [d_pin, d_old, d_new, d_recent] = [
        Uuid::new_v4(),
        Uuid::new_v4(),
        Uuid::new_v4(),
        Uuid::new_v4(),
    ];

    // Pins: only a revision history knows, only a deployer, idempotent, per team.
    let err = hist.pin(r_pin, None).await.unwrap_err();
    assert_eq!(err.status(), Some(404), "{err}");
    ingest(&svc, &[s.registered(r_pin, "alice", now.at(0))], 1).await;
    let viewer = team_history(&p, p.team_token("default", Role::Viewer));
    assert_eq!(
        viewer.pin(r_pin, None).await.unwrap_err().status(),
        Some(403)
    );
    let pin = hist.pin(r_pin, Some("release 1.0, audited")).await.unwrap();
    assert_eq!(pin.revision_id, r_pin);
    assert_eq!(pin.pinned_by, "admin");
    assert_eq!(
        hist.pin(r_pin, None).await.unwrap().note.as_deref(),
        Some("release 1.0, audited")
    );
    let other = team_history(&p, p.team_token("other", Role::Admin));
    assert_eq!(other.unpin(r_pin).await.unwrap_err().status(), Some(404));
    assert!(other.pins().await.unwrap().pins.is_empty());
    assert_eq!(
        viewer.pins().await.unwrap().pins,
        std::slice::from_ref(&pin)
    );

    // 100 days ago r_pin went to h1; 95 days ago r_old to h2, replaced by r_new a day later;
    // 5 days ago r_new to h3.
    let mut events = vec![s.created(d_pin, r_pin, "web", "alice", old.at(0))];
    events.push(s.rollout("deployment.started", d_pin, r_pin, "web", old.at(1)));
    events.extend(s.host_run(d_pin, r_pin, "web", h1, old.at(2), true));
    events.push(s.rollout("deployment.succeeded", d_pin, r_pin, "web", old.at(4)));
    let day = 24 * 60;
    for (d, r, host, start) in [
        (d_old, r_old, h2, 5 * day),
        (d_new, r_new, h2, 6 * day),
        (d_recent, r_new, h3, 95 * day),
    ] {
        events.push(s.created(d, r, "web", "bob", old.at(start)));
        events.push(s.rollout("deployment.started", d, r, "web", old.at(start + 1)));
        events.extend(s.host_run(d, r, "web", host, old.at(start + 2), true));
        events.push(s.rollout("deployment.succeeded", d, r, "web", old.at(start + 4)));
    }
    let mut enrolled = s.event("host-registry", "host.enrolled", old.at(-1));
    enrolled.host_id = Some(h1);
    events.push(enrolled);
    ingest(&svc, &events, 50).await;

    wait_for(
        "retention to remove the unpinned old deployments",
        Duration::from_secs(30),
        || {
            let svc = svc.clone();
            async move {
                (deployment_events(&svc, d_old).await == 0
                    && deployment_events(&svc, d_new).await == 0)
                    .then_some(())
            }
        },
    )
    .await;
    // The pinned revision's record and recent history stay; old unrelated events go.
    assert_eq!(deployment_events(&svc, d_pin).await, 6);
    assert_eq!(deployment_events(&svc, d_recent).await, 6);
    let h1_events = svc
        .events(&EventQuery {
            host_id: Some(h1),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(
        h1_events
            .events
            .iter()
            .all(|e| e.event.event_type != "host.enrolled"),
        "an old event of no pinned revision survived"
    );
    // Every host's current revision survives, however old.
    let current = hist.host_revisions(Some("shop"), None).await.unwrap();
    let got: Vec<_> = current
        .hosts
        .iter()
        .map(|h| (h.host_id, h.revision_id, h.since))
        .collect();
    let mut want = vec![
        (h1, r_pin, old.at(3)),
        (h2, r_new, old.at(6 * day + 3)),
        (h3, r_new, old.at(95 * day + 3)),
    ];
    want.sort();
    assert_eq!(got, want);
    // Ten days ago (inside retention) the group's target was r_new, set 94 days ago: the
    // deployment that answers it is kept although it is old.
    let g = hist
        .group_at("shop", "web", &now.at(-10 * day), &Page::default())
        .await
        .unwrap();
    assert_eq!(g.target_revision_id, Some(r_new));
    assert_eq!(
        g.target_deployment.as_ref().map(|d| d.deployment_id),
        Some(d_new)
    );
    assert_eq!(g.last_successful_revision_id, Some(r_new));
    assert_eq!(
        g.hosts
            .iter()
            .map(|h| (h.host_id, h.revision_id))
            .collect::<Vec<_>>(),
        {
            let mut v = vec![(h1, r_pin), (h2, r_new)];
            v.sort();
            v
        }
    );
    // h2's closed span of r_old, older than retention and unpinned, is gone.
    let g = hist
        .group_at("shop", "web", &old.at(5 * day + 30), &Page::default())
        .await
        .unwrap();
    assert_eq!(
        g.hosts
            .iter()
            .map(|h| (h.host_id, h.revision_id))
            .collect::<Vec<_>>(),
        [(h1, r_pin)]
    );
    // The pin is in the audit log.
    let audit = hist
        .audit(&AuditQuery {
            action: Some("revision.*".into()),
            revision_id: Some(r_pin),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(audit.entries[0].action, "revision.pinned");
    assert_eq!(audit.entries[0].actor, "admin");

    // Unpinned, the record ages out like any other; h1's current revision still stands.
    let removed = hist.unpin(r_pin).await.unwrap();
    assert_eq!(removed.revision_id, r_pin);
    assert_eq!(hist.unpin(r_pin).await.unwrap_err().status(), Some(404));
    wait_for(
        "retention to remove the unpinned revision's old record",
        Duration::from_secs(30),
        || {
            let svc = svc.clone();
            async move { (deployment_events(&svc, d_pin).await == 0).then_some(()) }
        },
    )
    .await;
    let h1_now = hist
        .revision_hosts(r_pin, None, &Page::default())
        .await
        .unwrap();
    assert_eq!(
        h1_now
            .hosts
            .iter()
            .map(|h| (h.host_id, h.since))
            .collect::<Vec<_>>(),
        [(h1, old.at(3))]
    );
    assert_eq!(deployment_events(&svc, d_recent).await, 6);

    // Configurable from the command line too.
    let out = tokio::process::Command::new(BIN)
        .args(["up", "--help"])
        .output()
        .await
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("--history-retention"));
    p.stop().await;
}

/// Hook logs age out with retention too, unless their revision is pinned. (Logs are stamped
/// when uploaded, so this platform keeps history for two seconds; the events are dated an hour
/// ahead so that only the logs age.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hook_logs_age_out_unless_their_revision_is_pinned() {
    let mut settings = ServiceSettings::default();
    settings.history.retention = Duration::from_secs(2);
    settings.history.retention_interval = Duration::ZERO;
    let p = TestPlatform::start_with(settings).await.expect("platform");
    let svc = service_history(&p);
    let hist = p.history();
    let later = Clock::days_ago(0);
    let s = Script::new("default", "shop");
    let host = Uuid::new_v4();
    let (r_pin, r_free, d_pin, d_free) = (
        Uuid::new_v4(),
        Uuid::new_v4(),
        Uuid::new_v4(),
        Uuid::new_v4(),
    );
    let pinned_run = s.host_run(d_pin, r_pin, "web", host, later.at(60), true);
    let free_run = s.host_run(d_free, r_free, "web", host, later.at(70), true);
    let command = |run: &[liftoff_types::history::HistoryEvent]| -> Uuid {
        run[0].data["command_id"].as_str().unwrap().parse().unwrap()
    };
    let (c_pin, c_free) = (command(&pinned_run), command(&free_run));
    let mut events = vec![s.registered(r_pin, "alice", later.at(59))];
    events.extend(pinned_run);
    events.extend(free_run);
    ingest(&svc, &events, 50).await;
    hist.pin(r_pin, None).await.unwrap();
    let (token, _) = p
        .authority
        .mint(
            liftoff_kit::auth::TokenKind::Host,
            &host.to_string(),
            Some("default"),
            None,
            false,
            chrono::Duration::hours(1),
        )
        .unwrap();
    let agent = team_history(&p, token);
    for (d, r, c) in [(d_pin, r_pin, c_pin), (d_free, r_free, c_free)] {
        agent
            .upload_hook_log(
                host,
                c,
                "ValidateService",
                &liftoff_types::history::HookLogUpload {
                    deployment_id: d,
                    revision_id: r,
                    output: format!("output of {d}\n"),
                    truncated: false,
                    original_bytes: 0,
                    upload_grant: Some(
                        p.authority
                            .grant(
                                liftoff_types::scheduler::LOG_GRANT_PURPOSE,
                                &liftoff_types::scheduler::log_grant_subject(host, c),
                                chrono::Duration::hours(1),
                            )
                            .unwrap(),
                    ),
                },
            )
            .await
            .unwrap();
    }
    wait_for(
        "the unpinned revision's log to age out",
        Duration::from_secs(30),
        || {
            let hist = hist.clone();
            async move {
                let l = hist
                    .deployment_logs(d_free, None, None, &Page::default())
                    .await
                    .ok()?;
                l.logs.is_empty().then_some(())
            }
        },
    )
    .await;
    let kept = hist
        .deployment_logs(d_pin, None, None, &Page::default())
        .await
        .unwrap();
    assert_eq!(kept.logs.len(), 1);
    assert_eq!(kept.logs[0].output, format!("output of {d_pin}\n"));
    p.stop().await;
}
