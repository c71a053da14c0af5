//! What the auth tests share: two tenants with real objects (an application, a group, a
//! revision, enrolled hosts, a running deployment with a dispatched command, tokens minted
//! through the API), a snapshot of everything a tenant owns, key generation, and a forger of
//! tokens with arbitrary headers.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use liftoff_client::{
    DeploymentApiClient, EventQuery, HistoryClient, RegistryClient, SchedulerClient,
};
use liftoff_kit::auth::{Role, TokenKind};
use liftoff_platform::ServiceSettings;
use liftoff_testkit::{TestPlatform, wait_for, write_bundle};
use liftoff_types::deployments::*;
use liftoff_types::registry::{CreateEnrollmentToken, EnrollRequest, EnrollResponse};
use liftoff_types::tokens::{CreateTeam, CreateToken, TeamRole};
use serde_json::{Value, json};
use uuid::Uuid;

/// Settings under which nothing changes by itself while a test looks: hosts that do not
/// heartbeat stay in service, dispatched commands wait for their agent.
pub fn still_settings() -> ServiceSettings {
    let mut s = ServiceSettings::default();
    s.registry.heartbeat_grace = Duration::from_secs(3600);
    s.scheduler.ack_timeout = Duration::from_secs(3600);
    s
}

/// One team and what it owns.
pub struct Tenant {
    pub team: String,
    pub admin: String,
    pub deployer: String,
    pub viewer: String,
    /// The `jti` of the viewer token (minted through the API).
    pub viewer_jti: String,
    pub app: String,
    pub group: String,
    /// A custom deployment configuration of this team.
    pub config: String,
    pub revision: Uuid,
    pub enrollment_token: Uuid,
    pub hosts: Vec<EnrollResponse>,
    pub deployment: Option<Uuid>,
    /// A command dispatched to `hosts[0]`, not acknowledged.
    pub command: Option<Uuid>,
    /// A freeze of the application, a webhook subscription and one of its deliveries (see
    /// [`gates`]).
    pub freeze: Option<Uuid>,
    pub webhook: Option<Uuid>,
    pub delivery: Option<Uuid>,
}

/// Gives `t` a freeze of its application (ending in an hour), a webhook subscription to an
/// event this test never makes (at a public address, so its test delivery only retries in
/// the background), and that subscription's test delivery.
pub async fn gates(p: &TestPlatform, t: &mut Tenant) {
    let freeze = api(p, &t.admin)
        .create_freeze(&CreateFreeze {
            application: Some(t.app.clone()),
            reason: "tenancy probe".into(),
            until: chrono::Utc::now() + chrono::Duration::hours(1),
        })
        .await
        .expect("freeze");
    let history = HistoryClient::new(p.client_with(Some(t.admin.clone())));
    let webhook = history
        .create_webhook(&liftoff_types::webhooks::CreateWebhook {
            url: "https://1.1.1.1/liftoff-tenancy-probe".into(),
            events: vec!["host.lost".into()],
            application: None,
            deployment_group: None,
        })
        .await
        .expect("webhook")
        .webhook;
    let delivery = history
        .test_webhook(webhook.id)
        .await
        .expect("test delivery");
    t.freeze = Some(freeze.id);
    t.webhook = Some(webhook.id);
    t.delivery = Some(delivery.delivery_id);
}

pub fn api(p: &TestPlatform, token: &str) -> DeploymentApiClient {
    DeploymentApiClient::new(p.client_with(Some(token.to_string())))
}

/// Creates team `team` (as the platform admin), its tokens through the API, an application,
/// a group, a revision and `hosts` enrolled hosts; with `deploy`, a deployment whose command
/// to the first host is dispatched.
pub async fn tenant(p: &TestPlatform, team: &str, hosts: usize, deploy: bool) -> Tenant {
    let platform = p.api();
    platform
        .create_team(&CreateTeam {
            name: team.into(),
            description: None,
        })
        .await
        .unwrap_or_else(|e| panic!("create team {team}: {e}"));
    let mint = |role| {
        let platform = platform.clone();
        async move {
            platform
                .create_token(
                    team,
                    &CreateToken {
                        role,
                        ttl_secs: Some(3600),
                        subject: Some(format!("{team}-{}", role.as_str())),
                        description: None,
                        platform: false,
                    },
                )
                .await
                .unwrap_or_else(|e| panic!("mint {role:?} for {team}: {e}"))
        }
    };
    let admin = mint(TeamRole::Admin).await.token;
    let deployer = mint(TeamRole::Deployer).await.token;
    let viewer = mint(TeamRole::Viewer).await;
    let app = format!("{team}-app");
    let group = format!("{team}-web");
    let a = api(p, &admin);
    a.create_application(&CreateApplication {
        name: app.clone(),
        description: None,
    })
    .await
    .expect("create application");
    a.create_group(
        &app,
        &CreateDeploymentGroup {
            traffic_hooks: None,
            name: group.clone(),
            selector: BTreeMap::from([("role".to_string(), vec![team.to_string()])]),
            deployment_config: None,
            auto_rollback: None,
            concurrency_policy: None,
            stage: None,
            health_analysis: None,
        },
    )
    .await
    .expect("create group");
    let config = format!("{team}-cfg");
    a.create_config(&CreateDeploymentConfig {
        name: config.clone(),
        minimum_healthy: MinimumHealthy::HostCount(0),
        zone_mode: None,
        zone_bake_secs: None,
        canary_batch_size: None,
        health_analysis: None,
    })
    .await
    .expect("create config");
    let bundle = bundle_file(p, team);
    let revision = api(p, &deployer)
        .push_revision(&app, &bundle, Some("v1"), None, None)
        .await
        .expect("push revision")
        .revision_id;
    let registry = RegistryClient::new(p.client_with(Some(admin.clone())));
    let enrollment = registry
        .create_enrollment_token(&CreateEnrollmentToken::default())
        .await
        .expect("enrollment token");
    let anon = RegistryClient::new(p.client_with(None));
    let mut enrolled = Vec::new();
    for i in 0..hosts {
        enrolled.push(
            anon.enroll(&EnrollRequest {
                enrollment_token: enrollment.token.clone().expect("secret"),
                hostname: format!("{team}-h{i}"),
                zone: "zone-a".into(),
                tags: BTreeMap::from([("role".to_string(), team.to_string())]),
                agent_version: None,
            })
            .await
            .expect("enroll"),
        );
    }
    let mut tenant = Tenant {
        team: team.into(),
        admin,
        deployer,
        viewer: viewer.token,
        viewer_jti: viewer.record.jti,
        app,
        group,
        config,
        revision,
        enrollment_token: enrollment.token_id,
        hosts: enrolled,
        deployment: None,
        command: None,
        freeze: None,
        webhook: None,
        delivery: None,
    };
    if deploy {
        let d = api(p, &tenant.deployer)
            .create_deployment(
                &CreateDeployment {
                    file_exists_behavior: None,
                    application: tenant.app.clone(),
                    deployment_group: tenant.group.clone(),
                    revision: revision.to_string(),
                    config: None,
                    description: None,
                },
                None,
            )
            .await
            .expect("deploy");
        tenant.deployment = Some(d.deployment_id);
        let host = &tenant.hosts[0];
        let agent = SchedulerClient::new(p.client_with(Some(host.credential.clone())));
        let command = wait_for(
            "a command dispatched to the first host",
            Duration::from_secs(60),
            || {
                let agent = agent.clone();
                let id = host.host_id;
                async move {
                    agent
                        .poll_commands(id, Duration::from_secs(2))
                        .await
                        .ok()
                        .and_then(|b| b.commands.first().map(|c| c.command_id))
                }
            },
        )
        .await;
        tenant.command = Some(command);
    }
    tenant
}

/// A bundle archive for `name`.
pub fn bundle_file(p: &TestPlatform, name: &str) -> PathBuf {
    let dir = p.dir.path().join(format!("bundle-{name}"));
    write_bundle(&dir, name, &[("ApplicationStart", "true")]).expect("bundle");
    let out = p.dir.path().join(format!("bundle-{name}.tar.gz"));
    liftoff_testkit::pack(&dir, &out).expect("pack");
    out
}

/// Everything `t` owns, as its admin sees it: applications with their groups and revisions,
/// deployments with per-host detail, hosts, tokens, and its history.
pub async fn snapshot(p: &TestPlatform, t: &Tenant) -> Value {
    let a = api(p, &t.admin);
    let mut apps = Vec::new();
    for app in a.list_applications().await.expect("apps").applications {
        let groups: Value =
            a.0.get(&format!("/v1/applications/{}/deployment-groups", app.name))
                .await
                .expect("groups");
        let revisions = a.list_revisions(&app.name).await.expect("revisions");
        apps.push(json!({"app": app, "groups": groups, "revisions": revisions}));
    }
    let mut deployments = Vec::new();
    for d in a
        .list_deployments(None, None, None, Some(200), None)
        .await
        .expect("deployments")
        .deployments
    {
        deployments.push(a.get_deployment(d.deployment_id).await.expect("deployment"));
    }
    let mut hosts = RegistryClient::new(p.client_with(Some(t.admin.clone())))
        .list_hosts(&[], None)
        .await
        .expect("hosts");
    // When a host was last heard is its liveness, not something it owns: its own polls (one
    // set up the dispatched command) are its heartbeats, written by the registry a tick later.
    for h in &mut hosts.hosts {
        h.last_heartbeat_at = None;
    }
    let tokens = a.list_tokens(&t.team).await.expect("tokens");
    let events = HistoryClient::new(p.client_with(Some(t.admin.clone())))
        .events(&EventQuery {
            limit: Some(1000),
            ..Default::default()
        })
        .await
        .expect("events");
    json!({
        "apps": apps, "deployments": deployments, "hosts": hosts,
        "tokens": tokens, "team": a.get_team(&t.team).await.expect("team"),
        "events": events.events.iter().map(|e| e.event.event_id).collect::<Vec<_>>(),
    })
}

/// Waits until every event deployment-api enqueued so far is in history: a marker event
/// enqueued now arrives after them (its outbox delivers in order).
pub async fn flush_history(p: &TestPlatform) {
    let marker = format!("marker-{}", &Uuid::new_v4().simple().to_string()[..8]);
    p.api()
        .create_application(&CreateApplication {
            name: marker.clone(),
            description: None,
        })
        .await
        .expect("marker application");
    let history = p.history();
    wait_for("history to catch up", Duration::from_secs(30), || {
        let (history, marker) = (history.clone(), marker.clone());
        async move {
            history
                .events(&EventQuery {
                    application: Some(marker),
                    ..Default::default()
                })
                .await
                .ok()
                .filter(|page| !page.events.is_empty())
                .map(|_| ())
        }
    })
    .await;
}

/// A token minted directly with the platform's keys (what the API would mint).
pub fn team_token(p: &TestPlatform, team: &str, role: Role) -> String {
    p.team_token(team, role)
}

pub fn service_token(p: &TestPlatform) -> String {
    p.authority
        .mint(
            TokenKind::Service,
            "test-service",
            None,
            None,
            false,
            chrono::Duration::minutes(5),
        )
        .expect("mint")
        .0
}

/// A JWT with exactly this header and these claims, signed with `key` under `alg` (or with an
/// empty signature when `key` is `None`).
pub fn forge(
    header: &Value,
    claims: &Value,
    key: Option<(&jsonwebtoken::EncodingKey, jsonwebtoken::Algorithm)>,
) -> String {
    let h = URL_SAFE_NO_PAD.encode(serde_json::to_vec(header).expect("header"));
    let c = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).expect("claims"));
    let message = format!("{h}.{c}");
    let signature = match key {
        Some((k, alg)) => jsonwebtoken::crypto::sign(message.as_bytes(), k, alg).expect("sign"),
        None => String::new(),
    };
    format!("{message}.{signature}")
}

/// Claims a team token of the platform would carry.
pub fn claims(team: &str, role: &str) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({
        "iss": "liftoff", "aud": liftoff_types::audience::TEAM, "sub": "forger",
        "team": team, "role": role, "exp": now + 600, "iat": now, "nbf": now - 5,
        "jti": Uuid::new_v4().to_string(),
    })
}

/// A fresh key pair as PEM (private PKCS#8, public SPKI).
pub fn keypair(alg: &str) -> (String, String) {
    use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der, PublicKeyX509Der};
    use aws_lc_rs::signature::KeyPair;
    let (private, public): (Vec<u8>, Vec<u8>) = match alg {
        "EdDSA" => {
            let k = aws_lc_rs::signature::Ed25519KeyPair::generate().expect("ed25519");
            let private: Pkcs8V1Der = k.as_der().expect("pkcs8");
            let public: PublicKeyX509Der = k.public_key().as_der().expect("spki");
            (private.as_ref().to_vec(), public.as_ref().to_vec())
        }
        "RS256" => {
            let k =
                aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).expect("rsa");
            let private: Pkcs8V1Der = k.as_der().expect("pkcs8");
            let public: PublicKeyX509Der = k.public_key().as_der().expect("spki");
            (private.as_ref().to_vec(), public.as_ref().to_vec())
        }
        other => panic!("no key generation for {other}"),
    };
    (
        pem::encode(&pem::Pem::new("PRIVATE KEY", private)),
        pem::encode(&pem::Pem::new("PUBLIC KEY", public)),
    )
}

/// One key of a key set file written by [`write_keyset`].
pub struct TestKey {
    pub kid: String,
    pub alg: String,
    pub private_pem: String,
    pub public_pem: String,
}

impl TestKey {
    pub fn new(kid: &str, alg: &str) -> Self {
        let (private_pem, public_pem) = keypair(alg);
        Self {
            kid: kid.into(),
            alg: alg.into(),
            private_pem,
            public_pem,
        }
    }

    pub fn encoding(&self) -> jsonwebtoken::EncodingKey {
        match self.alg.as_str() {
            "EdDSA" => jsonwebtoken::EncodingKey::from_ed_pem(self.private_pem.as_bytes()),
            _ => jsonwebtoken::EncodingKey::from_rsa_pem(self.private_pem.as_bytes()),
        }
        .expect("encoding key")
    }

    pub fn algorithm(&self) -> jsonwebtoken::Algorithm {
        match self.alg.as_str() {
            "EdDSA" => jsonwebtoken::Algorithm::EdDSA,
            _ => jsonwebtoken::Algorithm::RS256,
        }
    }
}

/// Writes the PEM files and a key set file naming `keys` (all with their private halves unless
/// listed in `public_only`), `active` signing; returns the key set file's path.
pub fn write_keyset(dir: &Path, active: &str, keys: &[&TestKey], public_only: &[&str]) -> PathBuf {
    std::fs::create_dir_all(dir).expect("keys dir");
    let mut entries = Vec::new();
    for k in keys {
        std::fs::write(dir.join(format!("{}.pem", k.kid)), &k.private_pem).expect("write");
        std::fs::write(dir.join(format!("{}.pub.pem", k.kid)), &k.public_pem).expect("write");
        let mut e = json!({"kid": k.kid, "alg": k.alg, "public_key": format!("{}.pub.pem", k.kid)});
        if !public_only.contains(&k.kid.as_str()) {
            e["private_key"] = json!(format!("{}.pem", k.kid));
        }
        entries.push(e);
    }
    let path = dir.join(format!("keyset-{active}.json"));
    std::fs::write(
        &path,
        serde_json::to_vec_pretty(&json!({"active": active, "keys": entries})).expect("json"),
    )
    .expect("write keyset");
    path
}
