//! Deregistering a host revokes its credential everywhere, not only at the registry: with a
//! real agent running, its credential is then refused (401, saying it was revoked) by the
//! scheduler (long poll, event reports, completions), deployment-api (bundle download),
//! host-registry (heartbeats) and history (hook-log upload); a long poll in flight ends; the
//! agent stops. In `liftoff up` at once; with the services running apart within a tick, also
//! when deployment-api was down at the moment of deregistration (the registry's outbox
//! delivers the revocation when it is back).

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "registry_common/mod.rs"]
mod common;
mod split_support;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use common::*;
use liftoff_testkit::{AgentProcess, wait_for};
use liftoff_types::deployments::*;
use liftoff_types::events::EventType;
use liftoff_types::registry::HostState;
use serde_json::Value;
use uuid::Uuid;

/// The credential an agent got at enrollment (from its state directory).
fn credential(root: &Path) -> String {
    let text = std::fs::read_to_string(root.join("var/lib/liftoff-agent/identity.json")).unwrap();
    let id: Value = serde_json::from_str(&text).unwrap();
    id["credential"].as_str().unwrap().to_string()
}

/// Where each service takes a host credential, for host `host` and its finished `command`.
struct Probes {
    urls: BTreeMap<&'static str, String>,
    host: Uuid,
    command: Uuid,
    revision: Uuid,
}

impl Probes {
    /// (what, method, url, JSON body): every agent-facing route of every service.
    fn list(&self) -> Vec<(&'static str, &'static str, String, Option<Value>)> {
        let (h, c) = (self.host, self.command);
        let sched = &self.urls["scheduler"];
        vec![
            (
                "scheduler long poll",
                "GET",
                format!("{sched}/v1/agents/{h}/commands?wait_secs=0"),
                None,
            ),
            (
                "scheduler event report",
                "POST",
                format!("{sched}/v1/agents/{h}/commands/{c}/events"),
                Some(serde_json::json!({})),
            ),
            (
                "scheduler completion",
                "POST",
                format!("{sched}/v1/agents/{h}/commands/{c}/complete"),
                Some(serde_json::json!({})),
            ),
            (
                "deployment-api bundle download",
                "GET",
                format!(
                    "{}/v1/applications/shop/revisions/{}/bundle",
                    self.urls["deployment-api"], self.revision
                ),
                None,
            ),
            (
                "host-registry heartbeat",
                "POST",
                format!("{}/v1/hosts/{h}/heartbeat", self.urls["host-registry"]),
                Some(serde_json::json!({})),
            ),
            (
                "history hook-log upload",
                "PUT",
                format!(
                    "{}/v1/history/hosts/{h}/commands/{c}/logs/ApplicationStart",
                    self.urls["history"]
                ),
                Some(serde_json::json!({})),
            ),
        ]
    }
}

async fn call(method: &str, url: &str, body: &Option<Value>, token: &str) -> (u16, Value) {
    let mut rb = reqwest::Client::new()
        .request(method.parse().unwrap(), url)
        .bearer_auth(token);
    if let Some(b) = body {
        rb = rb.json(b);
    }
    let res = rb.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// Every probe accepts `token` (whatever it then says about the request, it is not a 401).
async fn accepted_everywhere(p: &Probes, token: &str) {
    for (what, method, url, body) in p.list() {
        let (status, res) = call(method, &url, &body, token).await;
        assert_ne!(status, 401, "{what} refused a live credential: {res}");
    }
}

/// Waits until `what` refuses `token` with a 401 that says the credential was revoked.
async fn refused(what: &str, method: &str, url: &str, body: &Option<Value>, token: &str) {
    let (status, res) = wait_for(
        &format!("{what} to refuse the deregistered host's credential"),
        Duration::from_secs(15),
        || async move {
            let (s, r) = call(method, url, body, token).await;
            (s == 401).then_some((s, r))
        },
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(res["error"]["code"], "unauthorized", "{what}: {res}");
    assert!(
        res["error"]["message"]
            .as_str()
            .unwrap()
            .contains("host credential revoked"),
        "{what}: a clear error: {res}"
    );
}

/// Waits until the agent process exits; answers its log.
async fn agent_exits(mut a: AgentProcess) -> String {
    let status = tokio::time::timeout(Duration::from_secs(30), a.child.wait())
        .await
        .expect("the agent stops once its credential is refused")
        .unwrap();
    assert!(!status.success(), "{status:?}");
    a.log_text()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deregistered_hosts_credential_is_refused_at_once_by_every_service() {
    let p = start(fast_settings()).await;
    setup_app(&p).await;
    let t = token(&p).await;
    let (a, a_id) = agent(&p, &t, "a", &[("role", "web")]).await;
    let (b, b_id) = agent(&p, &t, "b", &[("role", "web")]).await;
    let v1 = push(&p, "v1", &recording("v1")).await;
    let d1 = wait_deployment(&p, deploy(&p, &v1).await.deployment_id).await;
    assert_eq!(d1.status, DeploymentStatus::Succeeded, "{d1:#?}");
    let command = |host: Uuid| {
        d1.hosts
            .iter()
            .find(|h| h.host_id == host)
            .and_then(|h| h.command_id)
            .unwrap()
    };
    let urls: BTreeMap<&str, String> = split_support::SERVICES
        .iter()
        .map(|s| (*s, p.url.clone()))
        .collect();
    let probes_a = Probes {
        urls: urls.clone(),
        host: a_id,
        command: command(a_id),
        revision: v1.revision_id,
    };
    let probes_b = Probes {
        urls,
        host: b_id,
        command: command(b_id),
        revision: v1.revision_id,
    };
    let (cred_a, cred_b) = (credential(&root_of(&p, "a")), credential(&root_of(&p, "b")));
    accepted_everywhere(&probes_a, &cred_a).await;

    // A long poll waiting when the host is deregistered ends at once with an empty answer that
    // does not count as a heartbeat (its status had gone: a poll is the host's heartbeat, and its
    // headers say so when it arrives); the next one is refused.
    let poll_url = format!("{}/v1/agents/{a_id}/commands?wait_secs=30", p.url);
    let (poll_url2, cred2) = (poll_url.clone(), cred_a.clone());
    let waiting = tokio::spawn(async move {
        let started = Instant::now();
        let res = reqwest::Client::new()
            .get(&poll_url2)
            .bearer_auth(&cred2)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let body: Value = res.json().await.unwrap();
        ((status, body), started.elapsed())
    });
    tokio::time::sleep(Duration::from_millis(300)).await;

    let gone = p.registry().deregister_host(a_id).await.unwrap();
    assert_eq!(gone.state, HostState::Deregistered);
    // In `liftoff up` the services share one revocation set: refused at once, no waiting.
    for (what, method, url, body) in probes_a.list() {
        let (status, res) = call(method, &url, &body, &cred_a).await;
        assert_eq!(status, 401, "{what} right after deregistration: {res}");
        refused(what, method, &url, &body, &cred_a).await;
    }
    let ((status, body), took) = waiting.await.unwrap();
    assert_eq!(status, 200, "the waiting long poll: {body}");
    assert_eq!(body["commands"], serde_json::json!([]), "{body}");
    assert_eq!(body["heard"], false, "{body}");
    assert!(
        took < Duration::from_secs(5),
        "the waiting long poll ended soon after deregistration, not at its 30 s: {took:?}"
    );
    let (status, res) = call("GET", &poll_url, &None, &cred_a).await;
    assert_eq!(status, 401, "the next long poll: {res}");
    // The agent hears it and stops, saying why.
    let log = agent_exits(a).await;
    assert!(
        log.contains("refused this host's credential") && log.contains("revoked"),
        "{log}"
    );
    // Host b is untouched.
    accepted_everywhere(&probes_b, &cred_b).await;
    assert_eq!(
        p.registry().get_host(b_id).await.unwrap().state,
        HostState::InService
    );
    b.stop().await;
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn services_running_apart_refuse_it_within_a_tick_even_if_deployment_api_was_down() {
    let mut c = split_support::Cluster::start().await;
    let api = c.api();
    let t = c.shop_web().await;
    let reg = c.registry();
    let a = c.agent(&t, "a", &[("role", "web")]);
    let b = c.agent(&t, "b", &[("role", "web")]);
    let ids = wait_for("both agents to enroll", Duration::from_secs(60), || {
        let reg = reg.clone();
        async move {
            let l = reg.list_hosts(&[], None).await.ok()?;
            let by_name: BTreeMap<String, Uuid> = l
                .hosts
                .iter()
                .filter_map(|h| Some((h.tags.get("name")?.clone(), h.host_id)))
                .collect();
            Some((*by_name.get("a")?, *by_name.get("b")?))
        }
    })
    .await;
    let (a_id, b_id) = ids;
    let bundle = c.dir.path().join("bundle");
    liftoff_testkit::write_bundle(&bundle, "v1", &[("ApplicationStart", "echo started")]).unwrap();
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
    let d1 = wait_for("the deployment to finish", Duration::from_secs(90), || {
        let api = api.clone();
        async move {
            api.get_deployment(d.deployment_id)
                .await
                .ok()
                .filter(|d| d.status.is_terminal())
        }
    })
    .await;
    assert_eq!(
        d1.status,
        DeploymentStatus::Succeeded,
        "{d1:#?}\n{}",
        c.logs()
    );
    let command = |host: Uuid| {
        d1.hosts
            .iter()
            .find(|h| h.host_id == host)
            .and_then(|h| h.command_id)
            .unwrap()
    };
    let probes_a = Probes {
        urls: c.urls.clone(),
        host: a_id,
        command: command(a_id),
        revision: v1.revision_id,
    };
    let probes_b = Probes {
        urls: c.urls.clone(),
        host: b_id,
        command: command(b_id),
        revision: v1.revision_id,
    };
    let (cred_a, cred_b) = (credential(&c.root_of("a")), credential(&c.root_of("b")));
    accepted_everywhere(&probes_a, &cred_a).await;

    // deployment-api (the revocation feed) is down when the host is deregistered.
    c.kill("deployment-api").await;
    let direct = liftoff_client::RegistryClient::new(
        liftoff_client::Client::new(&c.urls["host-registry"], Some(c.admin.clone())).unwrap(),
    );
    let gone = direct.deregister_host(a_id).await.unwrap();
    assert_eq!(gone.state, HostState::Deregistered);
    let heartbeat = format!("{}/v1/hosts/{a_id}/heartbeat", c.urls["host-registry"]);
    let (status, res) = call("POST", &heartbeat, &Some(serde_json::json!({})), &cred_a).await;
    assert_eq!(status, 401, "the registry refuses it at once: {res}");

    // Back: the registry's outbox delivers the revocation, and every service refuses the
    // credential within a tick or two of that.
    c.restart("deployment-api").await;
    let back = Instant::now();
    for (what, method, url, body) in probes_a.list() {
        refused(what, method, &url, &body, &cred_a).await;
    }
    println!(
        "every service refused the credential {:?} after deployment-api came back",
        back.elapsed()
    );
    assert!(
        back.elapsed() < Duration::from_secs(10),
        "took {:?}\n{}",
        back.elapsed(),
        c.logs()
    );
    let log = agent_exits(a).await;
    assert!(log.contains("refused this host's credential"), "{log}");
    accepted_everywhere(&probes_b, &cred_b).await;
    b.stop().await;
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_services_put_credentials_on_the_revocation_feed() {
    let p = liftoff_testkit::TestPlatform::start().await.unwrap();
    let url = format!("{}/v1/tokens/revocations", p.url);
    let (service, _) = p
        .authority
        .mint(
            liftoff_kit::TokenKind::Service,
            "host-registry",
            None,
            None,
            false,
            chrono::Duration::hours(1),
        )
        .unwrap();
    let (host, claims) = p
        .authority
        .mint(
            liftoff_kit::TokenKind::Host,
            &Uuid::new_v4().to_string(),
            Some("default"),
            None,
            false,
            chrono::Duration::hours(1),
        )
        .unwrap();
    let body = serde_json::json!({
        "jti": claims.jti, "team": "default", "reason": "test",
        "expires_at": chrono::DateTime::from_timestamp(claims.exp, 0).unwrap(),
    });
    // A team token (even the platform admin's) or a host credential may not.
    for token in [&p.admin_token, &host] {
        let (status, res) = call("POST", &url, &Some(body.clone()), token).await;
        assert_eq!(status, 401, "{res}");
    }
    let (status, res) = call("POST", &url, &Some(body.clone()), &service).await;
    assert_eq!(status, 200, "{res}");
    assert_eq!(res["jti"], claims.jti);
    // Twice is harmless, and the feed holds it once.
    let (status, again) = call("POST", &url, &Some(body.clone()), &service).await;
    assert_eq!(status, 200);
    assert_eq!(again["revoked_at"], res["revoked_at"]);
    let feed = liftoff_client::DeploymentApiClient::new(p.client_with(Some(service.clone())))
        .token_revocations(0, 1000)
        .await
        .unwrap();
    assert_eq!(
        feed.revocations
            .iter()
            .filter(|r| r.jti.as_deref() == Some(claims.jti.as_str()))
            .count(),
        1
    );
    let (status, res) = call(
        "GET",
        &format!("{}/v1/agents/{}/commands?wait_secs=0", p.url, claims.sub),
        &None,
        &host,
    )
    .await;
    assert_eq!(status, 401, "refused at once: {res}");
    // A team token is revoked by its team's admins, not by a service.
    let team = p
        .api()
        .create_token(
            "default",
            &liftoff_types::tokens::CreateToken {
                role: liftoff_types::tokens::TeamRole::Viewer,
                ttl_secs: Some(3600),
                subject: None,
                description: None,
                platform: false,
            },
        )
        .await
        .unwrap();
    let (status, res) = call(
        "POST",
        &url,
        &Some(serde_json::json!({"jti": team.record.jti})),
        &service,
    )
    .await;
    assert_eq!(
        (status, res["error"]["code"].as_str()),
        (409, Some("team_token")),
        "{res}"
    );
    let (status, _) = call(
        "POST",
        &url,
        &Some(serde_json::json!({"jti": "../x"})),
        &service,
    )
    .await;
    assert_eq!(status, 400);
    p.stop().await;
}

/// host-registry's outbox puts credentials on the feed in batches: only a service may, a
/// redelivered batch changes nothing, and a team token in one is left alone without holding
/// up the rest.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revocation_events_from_an_outbox_join_the_feed_once() {
    let p = liftoff_testkit::TestPlatform::start().await.unwrap();
    let url = format!("{}/v1/tokens/revocation-events", p.url);
    let mint = |kind, sub: &str, team: Option<&str>| {
        p.authority
            .mint(kind, sub, team, None, false, chrono::Duration::hours(1))
            .unwrap()
    };
    let (service, _) = mint(liftoff_kit::TokenKind::Service, "host-registry", None);
    let (host, claims) = mint(
        liftoff_kit::TokenKind::Host,
        &Uuid::new_v4().to_string(),
        Some("default"),
    );
    let team = p
        .api()
        .create_token(
            "default",
            &liftoff_types::tokens::CreateToken {
                role: liftoff_types::tokens::TeamRole::Viewer,
                ttl_secs: Some(3600),
                subject: None,
                description: None,
                platform: false,
            },
        )
        .await
        .unwrap();
    let revocation = |jti: &str| {
        let mut ev = liftoff_kit::outbox::event("host-registry", EventType::CredentialRevocation);
        ev.data = serde_json::to_value(liftoff_types::tokens::RevokeCredential {
            jti: jti.to_string(),
            team: Some("default".into()),
            expires_at: chrono::DateTime::from_timestamp(claims.exp, 0),
            reason: Some("host deregistered".into()),
        })
        .unwrap();
        ev
    };
    let batch = serde_json::to_value(liftoff_types::history::EventBatch {
        events: vec![revocation(&team.record.jti), revocation(&claims.jti)],
    })
    .unwrap();
    for token in [&p.admin_token, &host] {
        let (status, res) = call("POST", &url, &Some(batch.clone()), token).await;
        assert_eq!(status, 401, "only a service: {res}");
    }
    let (status, res) = call("POST", &url, &Some(batch.clone()), &service).await;
    assert_eq!(status, 200, "{res}");
    assert_eq!(
        (res["accepted"].as_u64(), res["duplicates"].as_u64()),
        (Some(1), Some(1)),
        "{res}"
    );
    let (status, res) = call("POST", &url, &Some(batch.clone()), &service).await;
    assert_eq!(status, 200, "{res}");
    assert_eq!(
        (res["accepted"].as_u64(), res["duplicates"].as_u64()),
        (Some(0), Some(2)),
        "a redelivery changes nothing: {res}"
    );
    let feed = liftoff_client::DeploymentApiClient::new(p.client_with(Some(service.clone())))
        .token_revocations(0, 1000)
        .await
        .unwrap();
    let on_feed = |jti: &str| {
        feed.revocations
            .iter()
            .filter(|r| r.jti.as_deref() == Some(jti))
            .count()
    };
    assert_eq!(on_feed(&claims.jti), 1);
    assert_eq!(
        on_feed(&team.record.jti),
        0,
        "a service revokes no team token"
    );
    let (status, res) = call(
        "GET",
        &format!("{}/v1/agents/{}/commands?wait_secs=0", p.url, claims.sub),
        &None,
        &host,
    )
    .await;
    assert_eq!(status, 401, "refused at once: {res}");
    // Another type of event on this route is a sender's bug: refused, so it stays queued.
    let other = serde_json::to_value(liftoff_types::history::EventBatch {
        events: vec![liftoff_kit::outbox::event(
            "scheduler",
            EventType::RolloutProgress,
        )],
    })
    .unwrap();
    let (status, _) = call("POST", &url, &Some(other), &service).await;
    assert_eq!(status, 400);
    p.stop().await;
}
