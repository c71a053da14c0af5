//! Revocation by `jti` and disabled teams: refused at once by all four services of `liftoff up`,
//! and within a tick by services running apart (`liftoff serve`), including one started after
//! the revocation. Also the `liftoff token` and `liftoff team` commands end to end.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod auth_support;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use auth_support::*;
use liftoff_client::{Client, DeploymentApiClient};
use liftoff_kit::Authority;
use liftoff_kit::auth::{Role, TokenKind};
use liftoff_testkit::{TestPlatform, wait_for};
use liftoff_types::tokens::{CreateTeam, CreateToken, TeamRole};
use tokio::process::Child;

const BIN: &str = env!("CARGO_BIN_EXE_liftoff");
const SERVICES: [&str; 4] = ["deployment-api", "scheduler", "host-registry", "history"];

/// One team-token route of each service.
fn probes(urls: &BTreeMap<&str, String>) -> Vec<(&'static str, String)> {
    vec![
        (
            "deployment-api",
            format!("{}/v1/applications", urls["deployment-api"]),
        ),
        (
            "scheduler",
            format!("{}/v1/rollouts/{}", urls["scheduler"], uuid::Uuid::new_v4()),
        ),
        (
            "host-registry",
            format!("{}/v1/hosts", urls["host-registry"]),
        ),
        ("history", format!("{}/v1/events", urls["history"])),
    ]
}

async fn status(url: &str, token: &str) -> u16 {
    reqwest::Client::new()
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

fn token_req(role: TeamRole) -> CreateToken {
    CreateToken {
        role,
        ttl_secs: Some(3600),
        subject: None,
        description: None,
        platform: false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_token_or_disabled_team_is_refused_at_once_by_every_service() {
    let p = TestPlatform::start().await.expect("platform");
    let urls: BTreeMap<&str, String> = SERVICES.iter().map(|s| (*s, p.url.clone())).collect();
    for team in ["alpha", "beta"] {
        p.api()
            .create_team(&CreateTeam {
                name: team.into(),
                description: None,
            })
            .await
            .unwrap();
    }
    let admin = p
        .api()
        .create_token("alpha", &token_req(TeamRole::Admin))
        .await
        .unwrap();
    let doomed = api(&p, &admin.token)
        .create_token("alpha", &token_req(TeamRole::Deployer))
        .await
        .unwrap();
    let beta = p
        .api()
        .create_token("beta", &token_req(TeamRole::Viewer))
        .await
        .unwrap();
    for (svc, url) in probes(&urls) {
        assert_ne!(
            status(&url, &doomed.token).await,
            401,
            "{svc} before the revocation"
        );
    }
    // The team's admin revokes it; no service waits for a tick.
    let revoked = api(&p, &admin.token)
        .revoke_token(&doomed.record.jti)
        .await
        .unwrap();
    assert_eq!(
        revoked.record.as_ref().unwrap().revoked_by.as_deref(),
        Some(admin.record.subject.as_str())
    );
    for (svc, url) in probes(&urls) {
        assert_eq!(
            status(&url, &doomed.token).await,
            401,
            "{svc} right after the revocation"
        );
        assert_ne!(
            status(&url, &admin.token).await,
            401,
            "{svc}: another token of the team still works"
        );
    }
    // Twice is harmless, and the record says when and by whom.
    let again = api(&p, &admin.token)
        .revoke_token(&doomed.record.jti)
        .await
        .unwrap();
    assert_eq!(again.revoked_at, revoked.revoked_at);
    let listed = api(&p, &admin.token).list_tokens("alpha").await.unwrap();
    assert!(
        listed
            .tokens
            .iter()
            .any(|t| t.jti == doomed.record.jti && t.revoked_at.is_some())
    );
    assert!(
        !serde_json::to_string(&listed)
            .unwrap()
            .contains(&doomed.token),
        "the token itself is never stored"
    );

    // The platform admin can revoke a token the API never minted (minted straight from the keys).
    let unrecorded = p.team_token("beta", Role::Viewer);
    let claims = p.authority.verify(&unrecorded).unwrap().1;
    assert_ne!(status(&urls["history"], &unrecorded).await, 401);
    let r = p.api().revoke_token(&claims.jti).await.unwrap();
    assert!(r.record.is_none());
    assert_eq!(
        status(&format!("{}/v1/events", p.url), &unrecorded).await,
        401
    );
    // A team admin cannot: for it, an unknown id does not exist.
    let other = p.team_token("beta", Role::Admin);
    let other_claims = p.authority.verify(&other).unwrap().1;
    let err = api(&p, &admin.token)
        .revoke_token(&other_claims.jti)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(404));

    // Disabling a team refuses all its tokens at once; enabling it accepts them again.
    p.api().set_team_disabled("beta", true).await.unwrap();
    for (svc, url) in probes(&urls) {
        assert_eq!(status(&url, &beta.token).await, 401, "{svc}: disabled team");
        assert_ne!(
            status(&url, &admin.token).await,
            401,
            "{svc}: another team is not affected"
        );
    }
    let err = p
        .api()
        .create_token("beta", &token_req(TeamRole::Viewer))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(409), "no tokens for a disabled team");
    let err = p
        .api()
        .set_team_disabled("default", true)
        .await
        .unwrap_err();
    assert_eq!(
        err.status(),
        Some(409),
        "a platform admin cannot lock itself out"
    );
    p.api().set_team_disabled("beta", false).await.unwrap();
    for (svc, url) in probes(&urls) {
        assert_ne!(status(&url, &beta.token).await, 401, "{svc}: enabled again");
    }
    p.stop().await;
}

fn spawn_service(svc: &str, dir: &Path, db: &str, urls: &BTreeMap<&str, String>) -> Child {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join(format!("{svc}.log")))
        .unwrap();
    tokio::process::Command::new(BIN)
        .args([
            "serve",
            svc,
            "--listen",
            urls[svc].trim_start_matches("http://"),
        ])
        .args(["--database-url", db])
        .arg("--secret-file")
        .arg(dir.join("jwt.secret"))
        .args(["--deployment-api-url", &urls["deployment-api"]])
        .args(["--scheduler-url", &urls["scheduler"]])
        .args(["--registry-url", &urls["host-registry"]])
        .args(["--history-url", &urls["history"]])
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

async fn wait_ready(url: &str) {
    let http = reqwest::Client::new();
    let url = format!("{url}/readyz");
    wait_for(
        &format!("{url} to be ready"),
        Duration::from_secs(60),
        || {
            let (http, url) = (http.clone(), url.clone());
            async move {
                http.get(&url)
                    .send()
                    .await
                    .ok()
                    .filter(|r| r.status().is_success())
                    .map(|_| ())
            }
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn services_running_apart_refuse_a_revoked_token_within_a_tick() {
    let dir = tempfile::tempdir().unwrap();
    let pg = liftoff_testkit::pg_database().await;
    let db_of = |svc: &str| match &pg {
        Some(pg) => pg.url.clone(),
        None => format!(
            "sqlite://{}",
            dir.path().join(format!("{svc}.db")).display()
        ),
    };
    let urls: BTreeMap<&str, String> = SERVICES
        .iter()
        .map(|s| {
            (
                *s,
                format!("http://127.0.0.1:{}", liftoff_testkit::free_port()),
            )
        })
        .collect();
    let mut children: BTreeMap<&str, Child> = SERVICES
        .iter()
        .map(|s| (*s, spawn_service(s, dir.path(), &db_of(s), &urls)))
        .collect();
    for s in SERVICES {
        wait_ready(&urls[s]).await;
    }
    let authority = Authority::load_or_create(&dir.path().join("jwt.secret")).unwrap();
    let root = authority
        .mint(
            TokenKind::Team,
            "root",
            Some("default"),
            Some(Role::Admin),
            true,
            chrono::Duration::hours(1),
        )
        .unwrap()
        .0;
    let api = DeploymentApiClient::new(Client::new(&urls["deployment-api"], Some(root)).unwrap());
    api.create_team(&CreateTeam {
        name: "alpha".into(),
        description: None,
    })
    .await
    .unwrap();
    let first = api
        .create_token("alpha", &token_req(TeamRole::Viewer))
        .await
        .unwrap();
    let second = api
        .create_token("alpha", &token_req(TeamRole::Viewer))
        .await
        .unwrap();
    for (svc, url) in probes(&urls) {
        assert_ne!(
            status(&url, &first.token).await,
            401,
            "{svc} before the revocation"
        );
    }
    api.revoke_token(&first.record.jti).await.unwrap();
    let revoked_at = Instant::now();
    assert_eq!(
        status(
            &format!("{}/v1/applications", urls["deployment-api"]),
            &first.token
        )
        .await,
        401,
        "deployment-api refuses it at once"
    );
    for (svc, url) in probes(&urls) {
        let token = first.token.clone();
        wait_for(
            &format!("{svc} to refuse the revoked token"),
            Duration::from_secs(10),
            || {
                let (url, token) = (url.clone(), token.clone());
                async move { (status(&url, &token).await == 401).then_some(()) }
            },
        )
        .await;
        println!(
            "{svc}: refused {:?} after the revocation",
            revoked_at.elapsed()
        );
    }
    assert!(
        revoked_at.elapsed() < Duration::from_secs(5),
        "every service refused it within a few ticks of 1 s, took {:?}",
        revoked_at.elapsed()
    );

    // A service started after a revocation refuses the token as soon as it is ready.
    let mut history = children.remove("history").unwrap();
    history.kill().await.unwrap();
    let _ = history.wait().await;
    api.revoke_token(&second.record.jti).await.unwrap();
    children.insert(
        "history",
        spawn_service("history", dir.path(), &db_of("history"), &urls),
    );
    wait_ready(&urls["history"]).await;
    assert_eq!(
        status(&format!("{}/v1/events", urls["history"]), &second.token).await,
        401,
        "a restarted service knows the revocations before it is ready"
    );
    for (_, mut c) in children {
        let _ = c.kill().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_and_team_commands_mint_list_and_revoke() {
    let p = TestPlatform::start().await.expect("platform");
    let run = |args: &[&str], token: &str| {
        let out = std::process::Command::new(BIN)
            .args(args)
            .args(["--json", "--token", token])
            .env("LIFTOFF_URL", &p.url)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| {
            panic!(
                "{args:?}: {e}: {text} {}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (out.status.success(), v)
    };
    let admin = p.admin_token.clone();
    let (ok, team) = run(&["team", "create", "shop-team"], &admin);
    assert!(ok, "{team}");
    assert_eq!(team["name"], "shop-team");
    let (ok, created) = run(
        &[
            "token",
            "create",
            "--team",
            "shop-team",
            "--role",
            "deployer",
            "--ttl",
            "1h",
        ],
        &admin,
    );
    assert!(ok, "{created}");
    let token = created["token"].as_str().expect("token").to_string();
    let jti = created["jti"].as_str().expect("jti").to_string();
    assert_eq!(created["role"], "deployer");
    let expires =
        chrono::DateTime::parse_from_rfc3339(created["expires_at"].as_str().unwrap()).unwrap();
    let left = expires
        .signed_duration_since(chrono::Utc::now())
        .num_seconds();
    assert!(
        (3500..=3600).contains(&left),
        "--ttl 1h gives an hour, got {left} s"
    );
    // The token works and is scoped to its team.
    let (ok, apps) = run(&["app", "list"], &token);
    assert!(
        ok && apps["applications"].as_array().unwrap().is_empty(),
        "{apps}"
    );
    let (ok, list) = run(&["token", "list", "--team", "shop-team"], &admin);
    assert!(ok && list["tokens"][0]["jti"] == jti.as_str(), "{list}");
    let (ok, teams) = run(&["team", "list"], &admin);
    assert!(
        ok && teams["teams"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["name"] == "shop-team"),
        "{teams}"
    );
    // A deployer may not mint.
    let (ok, err) = run(
        &["token", "create", "--team", "shop-team", "--role", "admin"],
        &token,
    );
    assert!(!ok && err["error"]["code"] == "forbidden", "{err}");
    let (ok, revoked) = run(&["token", "revoke", &jti], &admin);
    assert!(ok && revoked["jti"] == jti.as_str(), "{revoked}");
    let (ok, err) = run(&["app", "list"], &token);
    assert!(!ok && err["error"]["code"] == "unauthorized", "{err}");
    let (ok, _) = run(&["team", "disable", "shop-team"], &admin);
    assert!(ok);
    let (ok, teams) = run(&["team", "list"], &admin);
    assert!(
        ok && teams["teams"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["name"] == "shop-team" && t["disabled"] == true),
        "{teams}"
    );
    p.stop().await;
}
