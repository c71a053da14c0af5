//! Each service runs alone (`liftoff serve`), with its own database, and reaches its peers
//! only over HTTP; an agent deploys through them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::process::Stdio;
use std::time::Duration;

use liftoff_client::{Client, DeploymentApiClient, HistoryClient, RegistryClient};
use liftoff_kit::auth::{Role, TokenKind};
use liftoff_testkit::{wait_for, write_bundle};
use liftoff_types::deployments::*;

const BIN: &str = env!("CARGO_BIN_EXE_liftoff");
const SERVICES: [&str; 4] = ["deployment-api", "scheduler", "host-registry", "history"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn services_run_alone_and_call_each_other_over_http() {
    let dir = tempfile::tempdir().unwrap();
    let pg = liftoff_testkit::pg_database().await;
    let secret = dir.path().join("jwt.secret");
    let http = reqwest::Client::new();
    // Ports are picked free and then handed to the processes, so another process can take one
    // in between; a service that exits at start is retried with fresh ports.
    let mut attempt = 0;
    let (urls, _children) = loop {
        attempt += 1;
        let urls: BTreeMap<&str, String> = SERVICES
            .iter()
            .map(|s| {
                (
                    *s,
                    format!("http://127.0.0.1:{}", liftoff_testkit::free_port()),
                )
            })
            .collect();
        let mut children = Vec::new();
        for svc in SERVICES {
            let db = match &pg {
                Some(pg) => pg.url.clone(),
                None => format!(
                    "sqlite://{}",
                    dir.path().join(format!("{svc}.db")).display()
                ),
            };
            let log = std::fs::File::create(dir.path().join(format!("{svc}.log"))).unwrap();
            children.push(
                tokio::process::Command::new(BIN)
                    .args([
                        "serve",
                        svc,
                        "--listen",
                        urls[svc].trim_start_matches("http://"),
                        "--database-url",
                        &db,
                    ])
                    .arg("--secret-file")
                    .arg(&secret)
                    .args([
                        "--deployment-api-url",
                        &urls["deployment-api"],
                        "--scheduler-url",
                        &urls["scheduler"],
                    ])
                    .args([
                        "--registry-url",
                        &urls["host-registry"],
                        "--history-url",
                        &urls["history"],
                    ])
                    .stdout(log.try_clone().unwrap())
                    .stderr(log)
                    .kill_on_drop(true)
                    .spawn()
                    .unwrap(),
            );
        }
        let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
        let mut ready = [false; 4];
        let mut exited = None;
        while !ready.iter().all(|r| *r)
            && exited.is_none()
            && tokio::time::Instant::now() < deadline
        {
            for (i, svc) in SERVICES.iter().enumerate() {
                if let Ok(Some(status)) = children[i].try_wait() {
                    exited = Some((*svc, status));
                }
                if !ready[i] {
                    ready[i] = http
                        .get(format!("{}/readyz", urls[svc]))
                        .send()
                        .await
                        .is_ok_and(|r| r.status().is_success());
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        if ready.iter().all(|r| *r) {
            break (urls, children);
        }
        let logs: String = SERVICES
            .iter()
            .map(|s| {
                format!(
                    "--- {s}\n{}",
                    std::fs::read_to_string(dir.path().join(format!("{s}.log")))
                        .unwrap_or_default()
                )
            })
            .collect();
        assert!(
            attempt < 3 && exited.is_some(),
            "services did not become ready (exited: {exited:?}):\n{logs}"
        );
    };
    for svc in SERVICES {
        // Each serves its own contract.
        let doc = http
            .get(format!("{}/openapi/{svc}.json", urls[svc]))
            .send()
            .await
            .unwrap();
        assert!(
            doc.status().is_success(),
            "{svc} serves its OpenAPI document"
        );
    }
    // The services created the secret on first start; mint an admin with it.
    let admin = liftoff_testkit::mint_with_secret(
        &secret,
        TokenKind::Team,
        "tester",
        Some("default"),
        Some(Role::Admin),
    );
    let api = DeploymentApiClient::new(
        Client::new(&urls["deployment-api"], Some(admin.clone())).unwrap(),
    );
    let registry =
        RegistryClient::new(Client::new(&urls["host-registry"], Some(admin.clone())).unwrap());
    api.create_application(&CreateApplication {
        name: "shop".into(),
        description: None,
    })
    .await
    .unwrap();
    api.create_group(
        "shop",
        &CreateDeploymentGroup {
            traffic_hooks: None,
            name: "web".into(),
            selector: BTreeMap::from([("role".to_string(), vec!["web".to_string()])]),
            deployment_config: None,
            auto_rollback: None,
            concurrency_policy: None,
            stage: None,
            health_analysis: None,
        },
    )
    .await
    .unwrap();
    let token = registry
        .create_enrollment_token(&Default::default())
        .await
        .unwrap()
        .token
        .unwrap();
    let root = dir.path().join("host");
    std::fs::create_dir_all(&root).unwrap();
    let mut agent = tokio::process::Command::new(BIN)
        .args([
            "agent",
            "--server",
            &urls["host-registry"],
            "--scheduler-url",
            &urls["scheduler"],
            "--deployment-api-url",
            &urls["deployment-api"],
        ])
        .args([
            "--enroll-token",
            &token,
            "--zone",
            "zone-a",
            "--tag",
            "role=web",
            "--poll-wait",
            "5",
        ])
        .arg("--root")
        .arg(&root)
        // Install under the test's own directory, never the machine's real /opt.
        .arg("--install-root")
        .arg(&root)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.path().join("agent.log")).unwrap())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let bundle = dir.path().join("bundle");
    write_bundle(&bundle, "v1", &[("ApplicationStart", "echo started")]).unwrap();
    let archive = dir.path().join("v1.tar.gz");
    liftoff_testkit::pack(&bundle, &archive).unwrap();
    let rev = api
        .push_revision("shop", &archive, None, None, None)
        .await
        .unwrap();
    wait_for("the agent to enroll", Duration::from_secs(60), || {
        let registry = registry.clone();
        async move {
            registry
                .list_hosts(&[], None)
                .await
                .ok()
                .filter(|l| !l.hosts.is_empty())
                .map(|_| ())
        }
    })
    .await;
    let d = api
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
        .unwrap();
    let done = wait_for("the deployment to finish", Duration::from_secs(120), || {
        let api = api.clone();
        async move {
            api.get_deployment(d.deployment_id)
                .await
                .ok()
                .filter(|d| d.status.is_terminal())
        }
    })
    .await;
    let logs = || {
        SERVICES
            .iter()
            .map(|s| {
                format!(
                    "--- {s}\n{}",
                    std::fs::read_to_string(dir.path().join(format!("{s}.log")))
                        .unwrap_or_default()
                )
            })
            .collect::<String>()
    };
    assert_eq!(
        done.status,
        DeploymentStatus::Succeeded,
        "{done:#?}\n{}",
        logs()
    );
    let history = HistoryClient::new(Client::new(&urls["history"], Some(admin)).unwrap());
    wait_for(
        "history to learn the host's revision",
        Duration::from_secs(30),
        || {
            let history = history.clone();
            async move {
                history
                    .host_revisions(Some("shop"), Some(rev.revision_id))
                    .await
                    .ok()
                    .filter(|l| l.hosts.len() == 1)
                    .map(|_| ())
            }
        },
    )
    .await;
    let _ = agent.kill().await;
}
