//! The host inventory's current revision per application: host-registry's own record, told by
//! the scheduler whenever a deployment succeeds on a host (ordinary deployments, scale-out
//! installs, a second application), left alone by a failed one, shown by `GET /v1/hosts`,
//! `GET /v1/hosts/{id}` and `liftoff hosts`; reports applied once, in any order, only from
//! services; and none lost while host-registry is down (services running apart).

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "registry_common/mod.rs"]
mod common;
mod split_support;

use std::collections::BTreeMap;
use std::time::Duration;

use common::*;
use liftoff_client::RegistryClient;
use liftoff_kit::auth::TokenKind;
use liftoff_testkit::TestPlatform;
use liftoff_types::deployments::*;
use liftoff_types::registry::{
    EnrollRequest, Host, HostRevision, HostRevisionReport, HostRevisionReports, HostState,
};
use uuid::Uuid;

/// (application, revision, deployment) of each entry, by application.
fn current(h: &Host) -> Vec<(String, Uuid, Uuid)> {
    h.revisions
        .iter()
        .map(|r| (r.application.clone(), r.revision_id, r.deployment_id))
        .collect()
}

/// Waits until host `id` shows `want` as its current revisions.
async fn wait_revisions(p: &TestPlatform, id: Uuid, want: Vec<(&str, Uuid, Uuid)>) -> Host {
    let want: Vec<(String, Uuid, Uuid)> = want
        .into_iter()
        .map(|(a, r, d)| (a.to_string(), r, d))
        .collect();
    let reg = p.registry();
    let mut last = None;
    let found = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            if let Ok(h) = reg.get_host(id).await {
                if current(&h) == want {
                    return h;
                }
                last = Some(h);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    found.unwrap_or_else(|_| panic!("host {id} never showed {want:?}; last seen: {last:#?}"))
}

async fn push_to(p: &TestPlatform, app: &str, label: &str, scripts: &[(&str, String)]) -> Revision {
    let dir = p.dir.path().join(format!("bundle-{app}-{label}"));
    let scripts: Vec<(&str, &str)> = scripts.iter().map(|(e, b)| (*e, b.as_str())).collect();
    liftoff_testkit::write_bundle(&dir, label, &scripts).unwrap();
    // Each application installs its files in its own place.
    let spec = dir.join("appspec.yml");
    let text = std::fs::read_to_string(&spec).unwrap();
    std::fs::write(&spec, text.replace("/opt/app", &format!("/opt/{app}"))).unwrap();
    let archive = p.dir.path().join(format!("{app}-{label}.tar.gz"));
    liftoff_testkit::pack(&dir, &archive).unwrap();
    p.api()
        .push_revision(app, &archive, Some(label), None, None)
        .await
        .unwrap()
}

async fn deploy_to(p: &TestPlatform, app: &str, group: &str, rev: &Revision) -> Deployment {
    let d = p
        .api()
        .create_deployment(
            &CreateDeployment {
                file_exists_behavior: None,
                application: app.into(),
                deployment_group: group.into(),
                revision: rev.revision_id.to_string(),
                config: None,
                description: None,
            },
            None,
        )
        .await
        .unwrap();
    wait_deployment(p, d.deployment_id).await
}

async fn cli(p: &TestPlatform, args: &[&str]) -> String {
    let out = tokio::process::Command::new(BIN)
        .args(args)
        .env("LIFTOFF_URL", &p.url)
        .env("LIFTOFF_TOKEN", &p.admin_token)
        .env("LIFTOFF_DATA_DIR", p.dir.path().join("cli-data"))
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "liftoff {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_inventory_shows_each_hosts_current_revision_per_application() {
    let p = start(fast_settings()).await;
    setup_app(&p).await;
    let t = token(&p).await;
    let (a, a_id) = agent(&p, &t, "a", &[("role", "web")]).await;
    let (b, b_id) = agent(&p, &t, "b", &[("role", "web")]).await;
    let host_a = wait_state(&p, a_id, HostState::InService).await;
    assert!(
        host_a.revisions.is_empty(),
        "nothing deployed yet: {host_a:#?}"
    );

    // An ordinary deployment: both hosts run v1.
    let mut scripts = recording("v");
    scripts.push((
        "BeforeInstall",
        "test ! -e \"$LIFTOFF_ROOT/broken\" || { echo broken >&2; exit 3; }".into(),
    ));
    let v1 = push_to(&p, "shop", "v1", &scripts).await;
    let d1 = deploy_to(&p, "shop", "web", &v1).await;
    assert_eq!(d1.status, DeploymentStatus::Succeeded, "{d1:#?}");
    let host_a = wait_revisions(&p, a_id, vec![("shop", v1.revision_id, d1.deployment_id)]).await;
    wait_revisions(&p, b_id, vec![("shop", v1.revision_id, d1.deployment_id)]).await;
    let entry: &HostRevision = &host_a.revisions[0];
    assert_eq!(entry.deployment_group, "web");
    let a_done = d1
        .hosts
        .iter()
        .find(|h| h.host_id == a_id)
        .and_then(|h| h.completed_at)
        .expect("a's completion time");
    assert!(
        (entry.installed_at - a_done).num_milliseconds().abs() < 1000,
        "installed_at {} is when the deployment finished on the host ({a_done})",
        entry.installed_at
    );

    // v2 fails on b: a runs v2, b still runs v1.
    std::fs::write(root_of(&p, "b").join("broken"), "").unwrap();
    let v2 = push_to(&p, "shop", "v2", &scripts).await;
    let d2 = deploy_to(&p, "shop", "web", &v2).await;
    let b_target = d2.hosts.iter().find(|h| h.host_id == b_id).unwrap();
    assert_eq!(
        b_target.status,
        liftoff_types::scheduler::HostTargetStatus::Failed,
        "{d2:#?}"
    );
    wait_revisions(&p, a_id, vec![("shop", v2.revision_id, d2.deployment_id)]).await;
    let host_b = p.registry().get_host(b_id).await.unwrap();
    assert_eq!(
        current(&host_b),
        vec![("shop".into(), v1.revision_id, d1.deployment_id)],
        "a failed deployment leaves the host's current revision as it was"
    );
    std::fs::remove_file(root_of(&p, "b").join("broken")).unwrap();

    // A second application on the same hosts: each host lists both, by application.
    p.api()
        .create_application(&CreateApplication {
            name: "api".into(),
            description: None,
        })
        .await
        .unwrap();
    p.api()
        .create_group(
            "api",
            &CreateDeploymentGroup {
                traffic_hooks: None,
                name: "api-web".into(),
                selector: BTreeMap::from([("role".to_string(), vec!["web".to_string()])]),
                deployment_config: Some("AllAtOnce".into()),
                auto_rollback: None,
                concurrency_policy: None,
                stage: None,
                health_analysis: None,
            },
        )
        .await
        .unwrap();
    let r1 = push_to(&p, "api", "r1", &recording("r1")).await;
    let e1 = deploy_to(&p, "api", "api-web", &r1).await;
    assert_eq!(e1.status, DeploymentStatus::Succeeded, "{e1:#?}");
    wait_revisions(
        &p,
        a_id,
        vec![
            ("api", r1.revision_id, e1.deployment_id),
            ("shop", v2.revision_id, d2.deployment_id),
        ],
    )
    .await;
    wait_revisions(
        &p,
        b_id,
        vec![
            ("api", r1.revision_id, e1.deployment_id),
            ("shop", v1.revision_id, d1.deployment_id),
        ],
    )
    .await;

    // A scale-out install is a deployment too: a new host runs each group's last good revision.
    let (c, c_id) = agent(&p, &t, "c", &[("role", "web")]).await;
    let host_c = wait_state(&p, c_id, HostState::InService).await;
    let mut want = Vec::new();
    for (app, group) in [("api", "api-web"), ("shop", "web")] {
        let g = p.api().get_group(app, group).await.unwrap();
        let install = host_c
            .installs
            .iter()
            .find(|i| i.application == app)
            .unwrap_or_else(|| panic!("no {app} install: {host_c:#?}"));
        assert_eq!(Some(install.revision_id), g.last_successful_revision_id);
        want.push((app, install.revision_id, install.deployment_id));
    }
    wait_revisions(&p, c_id, want).await;

    // The list shows the same, and so does `liftoff hosts` (JSON and the table).
    let listed = p.registry().list_hosts(&[], None).await.unwrap();
    for h in &listed.hosts {
        let one = p.registry().get_host(h.host_id).await.unwrap();
        assert_eq!(
            h.revisions, one.revisions,
            "list and get agree for {}",
            h.name
        );
        assert_eq!(h.revisions.len(), 2, "{h:#?}");
    }
    let json: serde_json::Value =
        serde_json::from_str(&cli(&p, &["hosts", "--json"]).await).unwrap();
    let a_json = json["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["host_id"] == a_id.to_string())
        .unwrap();
    assert_eq!(a_json["revisions"][1]["application"], "shop", "{a_json}");
    assert_eq!(
        a_json["revisions"][1]["revision_id"],
        v2.revision_id.to_string()
    );
    assert_eq!(
        a_json["revisions"][1]["deployment_id"],
        d2.deployment_id.to_string()
    );
    let table = cli(&p, &["hosts"]).await;
    let short = |id: Uuid| id.simple().to_string()[..8].to_string();
    let a_line = table
        .lines()
        .find(|l| l.starts_with(&a_id.to_string()))
        .unwrap_or_else(|| panic!("no line for a: {table}"));
    assert!(
        a_line.contains(&format!("api@{}", short(r1.revision_id)))
            && a_line.contains(&format!("shop@{}", short(v2.revision_id))),
        "{table}"
    );
    assert!(
        table.lines().next().unwrap().contains("REVISIONS"),
        "{table}"
    );
    let shown = cli(&p, &["host", "show", &b_id.to_string()]).await;
    assert!(
        shown.contains(&format!("runs shop revision {}", v1.revision_id)),
        "{shown}"
    );
    for x in [a, b, c] {
        x.stop().await;
    }
    p.stop().await;
}

fn report(host: Uuid, team: &str, app: &str, minutes_ago: i64) -> HostRevisionReport {
    HostRevisionReport {
        host_id: host,
        team: team.into(),
        application: app.into(),
        deployment_group: "web".into(),
        deployment_group_id: Uuid::new_v4(),
        deployment_id: Uuid::new_v4(),
        revision_id: Uuid::new_v4(),
        succeeded_at: chrono::Utc::now() - chrono::Duration::minutes(minutes_ago),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revision_reports_apply_once_in_any_order_and_only_from_services() {
    let p = TestPlatform::start().await.unwrap();
    let t = token(&p).await;
    let host = RegistryClient::new(p.client_with(None))
        .enroll(&EnrollRequest {
            enrollment_token: t,
            hostname: "h".into(),
            zone: "zone-a".into(),
            tags: Default::default(),
            agent_version: None,
        })
        .await
        .unwrap()
        .host_id;
    let (service, _) = p
        .authority
        .mint(
            TokenKind::Service,
            "scheduler",
            None,
            None,
            false,
            chrono::Duration::hours(1),
        )
        .unwrap();
    let svc = RegistryClient::new(p.client_with(Some(service.clone())));
    let send = |reports: Vec<HostRevisionReport>| {
        let svc = svc.clone();
        async move {
            svc.report_revisions(&HostRevisionReports { reports })
                .await
                .unwrap()
        }
    };
    let shown = || async { current(&p.registry().get_host(host).await.unwrap()) };

    let newer = report(host, "default", "shop", 1);
    let older = report(host, "default", "shop", 5);
    let r = send(vec![newer.clone()]).await;
    assert_eq!((r.applied, r.ignored), (1, 0));
    let want = vec![("shop".to_string(), newer.revision_id, newer.deployment_id)];
    assert_eq!(shown().await, want);
    // Delivered late, or twice: nothing changes.
    let r = send(vec![older.clone(), newer.clone()]).await;
    assert_eq!((r.applied, r.ignored), (0, 2));
    assert_eq!(shown().await, want);
    // Oldest first in one batch: the newest wins.
    let (x1, x2) = (
        report(host, "default", "api", 3),
        report(host, "default", "api", 2),
    );
    send(vec![x2.clone(), x1.clone()]).await;
    assert_eq!(
        shown().await,
        vec![
            ("api".to_string(), x2.revision_id, x2.deployment_id),
            want[0].clone()
        ]
    );
    // A host this registry does not hold, or holds for another team: ignored.
    let r = send(vec![
        report(Uuid::new_v4(), "default", "shop", 0),
        report(host, "other", "shop", 0),
    ])
    .await;
    assert_eq!((r.applied, r.ignored), (0, 2));
    assert_eq!(shown().await.len(), 2);

    // Only services report; bad input is a 400.
    let url = format!("{}/v1/hosts/revisions", p.url);
    let body = serde_json::json!({"reports": [report(host, "default", "shop", 0)]});
    for (token, want) in [(p.admin_token.clone(), 401), (service.clone(), 200)] {
        let res = p
            .http()
            .post(&url)
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), want);
    }
    let mut bad = serde_json::to_value(report(host, "default", "Not A Name", 0)).unwrap();
    let res = p
        .http()
        .post(&url)
        .bearer_auth(&service)
        .json(&serde_json::json!({"reports": [bad.clone()]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 400);
    bad["application"] = "shop".into();
    bad["extra"] = 1.into();
    let res = p
        .http()
        .post(&url)
        .bearer_auth(&service)
        .json(&serde_json::json!({"reports": [bad]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 400);
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_success_while_host_registry_is_down_reaches_the_inventory_when_it_is_back() {
    let mut c = split_support::Cluster::start().await;
    let api = c.api();
    let t = c.shop_web().await;
    let reg = c.registry();
    let a = c.agent(&t, "a", &[("role", "web")]);
    let a_id = wait_for_host(&reg).await;
    // The hook waits for the test, so host-registry can be killed while it runs.
    let bundle = c.dir.path().join("bundle");
    liftoff_testkit::write_bundle(
        &bundle,
        "v1",
        &[(
            "ApplicationStart",
            "while [ ! -e \"$LIFTOFF_ROOT/go\" ]; do sleep 0.1; done",
        )],
    )
    .unwrap();
    let archive = c.dir.path().join("v1.tar.gz");
    liftoff_testkit::pack(&bundle, &archive).unwrap();
    let v1 = api
        .push_revision("shop", &archive, None, None, None)
        .await
        .unwrap();
    let d = api
        .create_deployment(
            &CreateDeployment {
                file_exists_behavior: None,
                application: "shop".into(),
                deployment_group: "web".into(),
                revision: v1.revision_id.to_string(),
                config: None,
                description: None,
            },
            None,
        )
        .await
        .unwrap();
    let dep = d.deployment_id;
    liftoff_testkit::wait_for("the host to run its hooks", Duration::from_secs(60), || {
        let api = api.clone();
        async move {
            let d = api.get_deployment(dep).await.ok()?;
            d.hosts
                .iter()
                .any(|h| h.status == liftoff_types::scheduler::HostTargetStatus::InProgress)
                .then_some(())
        }
    })
    .await;

    c.kill("host-registry").await;
    std::fs::write(c.root_of("a").join("go"), "").unwrap();
    let done =
        liftoff_testkit::wait_for("the deployment to finish", Duration::from_secs(60), || {
            let api = api.clone();
            async move {
                api.get_deployment(dep)
                    .await
                    .ok()
                    .filter(|d| d.status.is_terminal())
            }
        })
        .await;
    assert_eq!(
        done.status,
        DeploymentStatus::Succeeded,
        "{done:#?}\n{}",
        c.logs()
    );
    liftoff_testkit::wait_for(
        "the success to wait in the scheduler's outbox",
        Duration::from_secs(10),
        || {
            let c = &c;
            async move { (c.metric("scheduler", BACKLOG_TO_REGISTRY).await >= 1.0).then_some(()) }
        },
    )
    .await;

    c.restart("host-registry").await;
    let host =
        liftoff_testkit::wait_for("the inventory to catch up", Duration::from_secs(20), || {
            let reg = reg.clone();
            async move {
                let h = reg.get_host(a_id).await.ok()?;
                (!h.revisions.is_empty()).then_some(h)
            }
        })
        .await;
    assert_eq!(
        current(&host),
        vec![("shop".to_string(), v1.revision_id, dep)],
        "{host:#?}"
    );
    liftoff_testkit::wait_for("the outbox to drain", Duration::from_secs(10), || {
        let c = &c;
        async move { (c.metric("scheduler", BACKLOG_TO_REGISTRY).await == 0.0).then_some(()) }
    })
    .await;
    a.stop().await;
    c.stop().await;
}

/// The scheduler's outbox backlog towards host-registry.
const BACKLOG_TO_REGISTRY: &str =
    "liftoff_outbox_backlog{service=\"scheduler\",destination=\"host-registry\"}";

async fn wait_for_host(reg: &RegistryClient) -> Uuid {
    liftoff_testkit::wait_for("the agent to enroll", Duration::from_secs(60), || {
        let reg = reg.clone();
        async move { Some(reg.list_hosts(&[], None).await.ok()?.hosts.first()?.host_id) }
    })
    .await
}
