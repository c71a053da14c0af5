//! Helpers shared by the host-registry end-to-end tests: a platform with fast heartbeats, an
//! application with one group, bundles whose hooks record what ran, and real agents.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use liftoff_platform::ServiceSettings;
use liftoff_testkit::{AgentProcess, TestPlatform, wait_for, write_bundle};
use liftoff_types::deployments::*;
use liftoff_types::registry::{CreateEnrollmentToken, Host, HostState};
use uuid::Uuid;

pub const BIN: &str = env!("CARGO_BIN_EXE_liftoff");

/// Registry settings for tests: heartbeats every second, lost after 3 s of silence.
pub fn fast_settings() -> ServiceSettings {
    let mut s = ServiceSettings::default();
    s.registry.heartbeat_interval = Duration::from_secs(1);
    s.registry.heartbeat_grace = Duration::from_secs(3);
    s
}

pub async fn start(settings: ServiceSettings) -> TestPlatform {
    TestPlatform::start_with(settings).await.expect("platform")
}

/// Application `shop` with group `web` selecting `role=web` (AllAtOnce).
pub async fn setup_app(p: &TestPlatform) {
    let api = p.api();
    api.create_application(&CreateApplication {
        name: "shop".into(),
        description: None,
    })
    .await
    .expect("create app");
    api.create_group(
        "shop",
        &CreateDeploymentGroup {
            traffic_hooks: None,
            name: "web".into(),
            selector: BTreeMap::from([("role".to_string(), vec!["web".to_string()])]),
            deployment_config: Some("AllAtOnce".into()),
            auto_rollback: None,
            concurrency_policy: None,
            stage: None,
            health_analysis: None,
        },
    )
    .await
    .expect("create group");
}

/// Every hook appends "<event> <revision label>" to `$LIFTOFF_ROOT/hooks.log`.
pub fn recording(label: &str) -> Vec<(&'static str, String)> {
    let line = |e: &str| format!("echo \"{e} {label}\" >> \"$LIFTOFF_ROOT/hooks.log\"");
    vec![
        ("ApplicationStop", line("ApplicationStop")),
        ("BeforeInstall", line("BeforeInstall")),
        ("AfterInstall", line("AfterInstall")),
        ("ApplicationStart", line("ApplicationStart")),
        ("ValidateService", line("ValidateService")),
    ]
}

pub async fn push(p: &TestPlatform, label: &str, scripts: &[(&str, String)]) -> Revision {
    let dir = p.dir.path().join(format!("bundle-{label}"));
    let scripts: Vec<(&str, &str)> = scripts.iter().map(|(e, b)| (*e, b.as_str())).collect();
    write_bundle(&dir, label, &scripts).expect("write bundle");
    let archive = p.dir.path().join(format!("{label}.tar.gz"));
    liftoff_testkit::pack(&dir, &archive).expect("pack");
    p.api()
        .push_revision("shop", &archive, Some(label), None, None)
        .await
        .expect("push revision")
}

pub async fn deploy(p: &TestPlatform, rev: &Revision) -> Deployment {
    p.api()
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
        .expect("create deployment")
}

pub async fn wait_deployment(p: &TestPlatform, id: Uuid) -> Deployment {
    let api = p.api();
    wait_for("the deployment to finish", Duration::from_secs(90), || {
        let api = api.clone();
        async move {
            api.get_deployment(id)
                .await
                .ok()
                .filter(|d| d.status.is_terminal())
        }
    })
    .await
}

pub async fn token(p: &TestPlatform) -> String {
    p.registry()
        .create_enrollment_token(&CreateEnrollmentToken::default())
        .await
        .expect("token")
        .token
        .expect("secret")
}

/// A real agent named `name` (also its `name` tag) with `tags`; returns it and its host id.
pub async fn agent(
    p: &TestPlatform,
    token: &str,
    name: &str,
    tags: &[(&str, &str)],
) -> (AgentProcess, Uuid) {
    let root = p.dir.path().join(name);
    spawn_at(p, token, name, tags, &root).await
}

/// Like [`agent`], rooted at `root` (which may already hold files the hooks look at).
pub async fn spawn_at(
    p: &TestPlatform,
    token: &str,
    name: &str,
    tags: &[(&str, &str)],
    root: &Path,
) -> (AgentProcess, Uuid) {
    let mut all = vec![("name", name)];
    all.extend_from_slice(tags);
    let a = AgentProcess::spawn(Path::new(BIN), &p.url, token, "zone-a", &all, root)
        .expect("spawn agent");
    let id = host_id_of(p, name).await;
    (a, id)
}

pub async fn host_id_of(p: &TestPlatform, name: &str) -> Uuid {
    let reg = p.registry();
    let name = name.to_string();
    wait_for(
        &format!("{name} to enroll"),
        Duration::from_secs(60),
        || {
            let (reg, name) = (reg.clone(), name.clone());
            async move {
                reg.list_hosts(&[("name".into(), name)], None)
                    .await
                    .ok()?
                    .hosts
                    .first()
                    .map(|h| h.host_id)
            }
        },
    )
    .await
}

pub async fn wait_state(p: &TestPlatform, id: Uuid, state: HostState) -> Host {
    let reg = p.registry();
    let mut last = None;
    let found = tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            if let Ok(h) = reg.get_host(id).await {
                if h.state == state {
                    return h;
                }
                last = Some(h);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    found.unwrap_or_else(|_| panic!("host {id} never became {state:?}; last seen: {last:#?}"))
}

pub fn root_of(p: &TestPlatform, name: &str) -> PathBuf {
    p.dir.path().join(name)
}

pub fn hooks_log(p: &TestPlatform, name: &str) -> String {
    std::fs::read_to_string(root_of(p, name).join("hooks.log")).unwrap_or_default()
}
