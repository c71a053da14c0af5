//! The scripted sequence of deployments the query tests share: events as the three services'
//! outboxes would deliver them (each source in order, the sources interleaved, every batch twice).

use liftoff_testkit::TestPlatform;
use liftoff_types::history::HistoryEvent;
use uuid::Uuid;

use super::{Clock, Script, ingest, service_history};

pub struct World {
    pub clock: Clock,
    pub hosts: [Uuid; 4],
    pub revs: [Uuid; 3],
    pub deps: [Uuid; 4],
    /// The command of h1 in d2 and of h2 in d2.
    pub h1_d2_command: Uuid,
    pub h2_d2_command: Uuid,
    pub other_host: Uuid,
    pub other_rev: Uuid,
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
pub async fn script(p: &TestPlatform) -> World {
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
