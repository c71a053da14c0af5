//! `Idempotency-Key` on `POST /v1/deployments` and on promotion: the same key and body give
//! the same answer and one deployment; the same key with another body is 422; the same key
//! while the first request is still being answered is 409.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use liftoff_client::{Client, DeploymentApiClient};
use liftoff_kit::auth::{Role, TokenKind};
use liftoff_kit::{Authority, DbUrl, PeerUrls};
use liftoff_platform::ServiceSettings;
use liftoff_testkit::wait_for;
use liftoff_types::deployments::*;
use reqwest::StatusCode;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A peer that accepts connections and answers nothing until released; then it answers 503
/// to everything (held connections included). It counts the requests that create a rollout
/// (`PUT /v1/rollouts/…`), not the outbox's pushes (a group's selector goes to the scheduler
/// when the group is created).
#[derive(Clone, Default)]
struct StalledPeer {
    state: Arc<Mutex<(bool, Vec<TcpStream>)>>,
    accepted: Arc<Mutex<usize>>,
}

const ROLLOUT_REQUEST: &[u8] = b"PUT /v1/rollouts/";

const UNAVAILABLE: &[u8] =
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

impl StalledPeer {
    async fn start(&self) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let me = self.clone();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = listener.accept().await {
                let me = me.clone();
                tokio::spawn(async move {
                    let mut head = [0u8; ROLLOUT_REQUEST.len()];
                    if s.read_exact(&mut head).await.is_ok() && head == ROLLOUT_REQUEST {
                        *me.accepted.lock().unwrap() += 1;
                    }
                    let released = me.state.lock().unwrap().0;
                    if released {
                        let _ = s.write_all(UNAVAILABLE).await;
                    } else {
                        me.state.lock().unwrap().1.push(s);
                    }
                });
            }
        });
        url
    }

    /// Rollout creations received.
    fn accepted(&self) -> usize {
        *self.accepted.lock().unwrap()
    }

    async fn release(&self) {
        let held = {
            let mut st = self.state.lock().unwrap();
            st.0 = true;
            std::mem::take(&mut st.1)
        };
        for mut s in held {
            let _ = s.write_all(UNAVAILABLE).await;
        }
    }
}

fn create(revision: &Revision, description: Option<&str>) -> CreateDeployment {
    CreateDeployment {
        file_exists_behavior: None,
        application: "shop".into(),
        deployment_group: "web".into(),
        revision: revision.revision_id.to_string(),
        config: None,
        description: description.map(str::to_string),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_still_in_flight_gets_409_then_the_same_answer() {
    // deployment-api alone, with a scheduler that hangs: the first request stays in flight.
    let dir = tempfile::tempdir().unwrap();
    let pg = liftoff_testkit::pg_database().await;
    let db_url = match &pg {
        Some(pg) => DbUrl::for_service(&pg.url, "deployment-api").unwrap(),
        None => DbUrl::Sqlite(dir.path().join("deployment-api.db")),
    };
    let scheduler = StalledPeer::default();
    let scheduler_url = scheduler.start().await;
    let history = StalledPeer::default();
    let history_url = history.start().await;
    history.release().await;
    let authority = Authority::load_or_create(&dir.path().join("jwt.secret")).unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let own = format!("http://{}", listener.local_addr().unwrap());
    let peers = PeerUrls {
        deployment_api: own.clone(),
        scheduler: scheduler_url,
        registry: history_url.clone(),
        history: history_url,
    };
    let mut settings = ServiceSettings {
        // Ticks would retry the hand-off; keep them out of the way.
        tick_interval: Some(Duration::from_secs(3600)),
        ..Default::default()
    };
    settings.deployment_api.spool_dir = dir.path().to_path_buf();
    let (a2, s2) = (authority.clone(), settings.clone());
    let svc = tokio::task::spawn_blocking(move || {
        liftoff_platform::build_service("deployment-api", db_url, a2, &peers, &s2)
    })
    .await
    .unwrap()
    .unwrap();
    let running =
        liftoff_platform::serve(listener, vec![svc], authority.clone(), &settings).unwrap();
    let (token, _) = authority
        .mint(
            TokenKind::Team,
            "tester",
            Some("default"),
            Some(Role::Admin),
            false,
            chrono::Duration::hours(1),
        )
        .unwrap();
    let api = DeploymentApiClient::new(Client::new(&own, Some(token.clone())).unwrap());
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
    let bundle = dir.path().join("b");
    liftoff_testkit::write_bundle(&bundle, "v1", &[("BeforeInstall", "true")]).unwrap();
    let archive = dir.path().join("b.tar.gz");
    liftoff_testkit::pack(&bundle, &archive).unwrap();
    let rev = api
        .push_revision("shop", &archive, None, None, None)
        .await
        .unwrap();

    let first = {
        let (api, req) = (api.clone(), create(&rev, None));
        tokio::spawn(async move { api.create_deployment(&req, Some("k-1")).await })
    };
    wait_for(
        "the first request to reach the scheduler",
        Duration::from_secs(30),
        || async { (scheduler.accepted() >= 1).then_some(()) },
    )
    .await;
    let err = api
        .create_deployment(&create(&rev, None), Some("k-1"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(409), "{err}");
    assert!(err.to_string().contains("idempotency_key_in_use"), "{err}");
    // Another body under the key is a misuse of it, in flight or not.
    let err = api
        .create_deployment(&create(&rev, Some("other")), Some("k-1"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(422), "{err}");
    let raw = reqwest::Client::new()
        .post(format!("{own}/v1/deployments"))
        .bearer_auth(&token)
        .header("Idempotency-Key", "k-1")
        .json(&create(&rev, None))
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), StatusCode::CONFLICT);
    assert!(
        raw.headers().get("retry-after").is_some(),
        "409 says when to retry"
    );

    // The scheduler fails; the first request answers (the hand-off is retried later).
    scheduler.release().await;
    let d = first.await.unwrap().expect("the first request answers");
    assert_eq!(d.status, DeploymentStatus::Created);
    let again = api
        .create_deployment(&create(&rev, None), Some("k-1"))
        .await
        .unwrap();
    assert_eq!(again.deployment_id, d.deployment_id, "the same deployment");
    let all = api
        .list_deployments(None, None, None, None, None)
        .await
        .unwrap();
    assert_eq!(all.deployments.len(), 1, "one deployment");
    let replay = reqwest::Client::new()
        .post(format!("{own}/v1/deployments"))
        .bearer_auth(&token)
        .header("Idempotency-Key", "k-1")
        .json(&create(&rev, None))
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), StatusCode::OK, "a replay is 200");
    let body: Value = replay.json().await.unwrap();
    assert_eq!(body["deployment_id"], d.deployment_id.to_string());
    running.stop().await;
    drop(pg);
}
