//! Key rotation with a key set: tokens of the old key keep working while both keys are in the
//! set, new tokens are signed with the new active key, and once the old key leaves the set its
//! tokens are refused. The control plane is restarted between steps on the same database, as an
//! operator would roll it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod auth_support;

use std::path::Path;

use auth_support::*;
use liftoff_client::{Client, DeploymentApiClient};
use liftoff_platform::{Running, UpConfig};
use liftoff_types::tokens::{CreateTeam, CreateToken, TeamRole};

async fn start(data_dir: &Path, database_url: Option<String>, keyset: &Path) -> Running {
    let mut settings = still_settings();
    settings.auth.keyset = Some(keyset.to_path_buf());
    settings.tick_interval = Some(std::time::Duration::from_millis(200));
    liftoff_platform::up(UpConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: data_dir.to_path_buf(),
        database_url,
        settings,
    })
    .await
    .expect("control plane")
}

fn kid_of(token: &str) -> String {
    jsonwebtoken::decode_header(token)
        .unwrap()
        .kid
        .unwrap_or_default()
}

async fn status(url: &str, token: &str) -> u16 {
    reqwest::Client::new()
        .get(format!("{url}/v1/applications"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

fn api(url: &str, token: &str) -> DeploymentApiClient {
    DeploymentApiClient::new(Client::new(url, Some(token.to_string())).unwrap())
}

fn mint(role: TeamRole, platform: bool) -> CreateToken {
    CreateToken {
        role,
        ttl_secs: Some(3600),
        subject: None,
        description: None,
        platform,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_survive_a_rotation_while_both_keys_are_in_the_set() {
    let dir = tempfile::tempdir().unwrap();
    let pg = liftoff_testkit::pg_database().await;
    let db = pg.as_ref().map(|p| p.url.clone());
    let data = dir.path().join("data");
    let old = TestKey::new("2026-05", "EdDSA");
    let new = TestKey::new("2026-11", "RS256");
    let keys = dir.path().join("keys");

    // 1. Only the old key.
    let only_old = write_keyset(&keys, "2026-05", &[&old], &[]);
    let r = start(&data, db.clone(), &only_old).await;
    let admin = std::fs::read_to_string(liftoff_platform::admin_token_path(&data))
        .unwrap()
        .trim()
        .to_string();
    assert_eq!(
        kid_of(&admin),
        "2026-05",
        "the admin token is signed with the active key"
    );
    api(&r.url, &admin)
        .create_team(&CreateTeam {
            name: "alpha".into(),
            description: None,
        })
        .await
        .unwrap();
    let t_old = api(&r.url, &admin)
        .create_token("alpha", &mint(TeamRole::Deployer, false))
        .await
        .unwrap();
    let revoked = api(&r.url, &admin)
        .create_token("alpha", &mint(TeamRole::Viewer, false))
        .await
        .unwrap();
    api(&r.url, &admin)
        .revoke_token(&revoked.record.jti)
        .await
        .unwrap();
    assert_eq!(kid_of(&t_old.token), "2026-05");
    assert_eq!(status(&r.url, &t_old.token).await, 200);
    r.stop().await;

    // 2. The new key signs; the old one still verifies.
    let both = write_keyset(&keys, "2026-11", &[&new, &old], &["2026-05"]);
    let r = start(&data, db.clone(), &both).await;
    assert_eq!(
        status(&r.url, &t_old.token).await,
        200,
        "old-key token during the overlap"
    );
    assert_eq!(
        status(&r.url, &admin).await,
        200,
        "old-key admin token during the overlap"
    );
    assert_eq!(
        status(&r.url, &revoked.token).await,
        401,
        "a revocation survives the restart (read from the database at start)"
    );
    let t_new = api(&r.url, &admin)
        .create_token("alpha", &mint(TeamRole::Deployer, false))
        .await
        .unwrap();
    assert_eq!(
        kid_of(&t_new.token),
        "2026-11",
        "new tokens carry the new kid"
    );
    assert_eq!(status(&r.url, &t_new.token).await, 200);
    // The operator mints a platform token under the new key before retiring the old one.
    let new_admin = api(&r.url, &admin)
        .create_token("default", &mint(TeamRole::Admin, true))
        .await
        .unwrap()
        .token;
    assert_eq!(kid_of(&new_admin), "2026-11");
    r.stop().await;

    // 3. The old key is retired.
    let only_new = write_keyset(&keys, "2026-11", &[&new], &[]);
    let r = start(&data, db.clone(), &only_new).await;
    assert_eq!(status(&r.url, &t_old.token).await, 401, "retired key");
    assert_eq!(
        status(&r.url, &admin).await,
        401,
        "retired key (admin token)"
    );
    assert_eq!(status(&r.url, &t_new.token).await, 200);
    assert_eq!(status(&r.url, &new_admin).await, 200);
    assert!(
        api(&r.url, &new_admin)
            .list_teams()
            .await
            .unwrap()
            .teams
            .iter()
            .any(|t| t.name == "alpha"),
        "the new platform token manages teams"
    );
    r.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_set_that_cannot_sign_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let a = TestKey::new("a", "EdDSA");
    let b = TestKey::new("b", "EdDSA");
    let keys = dir.path().join("keys");
    // The active key's private half is not the one its public half belongs to.
    let path = write_keyset(&keys, "a", &[&a], &[]);
    std::fs::write(keys.join("a.pem"), &b.private_pem).unwrap();
    let mut settings = still_settings();
    settings.auth.keyset = Some(path);
    let err = liftoff_platform::up(UpConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.path().join("data"),
        database_url: None,
        settings,
    })
    .await
    .err()
    .expect("refused");
    assert!(
        err.to_string().contains("do not match"),
        "unexpected error: {err}"
    );
    // Only public halves: nothing to sign with.
    let path = write_keyset(&keys, "b", &[&b], &["b"]);
    let mut settings = still_settings();
    settings.auth.keyset = Some(path);
    let err = liftoff_platform::up(UpConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.path().join("data2"),
        database_url: None,
        settings,
    })
    .await
    .err()
    .expect("refused");
    assert!(
        err.to_string().contains("no private key"),
        "unexpected error: {err}"
    );
}
