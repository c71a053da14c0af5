//! Every credential and authorization the issue says must be refused, as one table run against
//! a real control plane signing with a key set (EdDSA active, an RS256 key beside it): each
//! case answers 401, 403 or 404 (400 for a `team` field in a body) and changes nothing either
//! tenant owns.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod auth_support;

use auth_support::*;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey};
use liftoff_testkit::TestPlatform;
use liftoff_types::tokens::{CreateTeam, CreateToken, TeamRole};
use reqwest::Method;
use serde_json::{Value, json};

struct Case {
    name: &'static str,
    method: Method,
    path: String,
    token: Option<String>,
    body: Option<Value>,
    expect: u16,
}

fn case(
    name: &'static str,
    method: Method,
    path: String,
    token: Option<&str>,
    expect: u16,
) -> Case {
    Case {
        name,
        method,
        path,
        token: token.map(str::to_string),
        body: None,
        expect,
    }
}

impl Case {
    fn body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }
}

/// Flips one bit of the decoded part `part` (0 header, 1 payload, 2 signature) of a JWT.
fn flip_bit(token: &str, part: usize) -> String {
    let mut parts: Vec<String> = token.split('.').map(str::to_string).collect();
    let mut bytes = URL_SAFE_NO_PAD.decode(&parts[part]).unwrap();
    let i = bytes.len() / 2;
    bytes[i] ^= 0x01;
    parts[part] = URL_SAFE_NO_PAD.encode(bytes);
    parts.join(".")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_refusal_list_is_refused_and_changes_nothing() {
    let keys_dir = tempfile::tempdir().unwrap();
    let ed = TestKey::new("ed-1", "EdDSA");
    let rs = TestKey::new("rs-1", "RS256");
    let keyset = write_keyset(keys_dir.path(), "ed-1", &[&ed, &rs], &["rs-1"]);
    let mut settings = still_settings();
    settings.auth.keyset = Some(keyset);
    let p = TestPlatform::start_with(settings).await.expect("platform");
    let a = tenant(&p, "alpha", 2, true).await;
    let b = tenant(&p, "beta", 1, false).await;
    let (ha, hb) = (a.hosts[0].host_id, b.hosts[0].host_id);
    let (da, ca) = (a.deployment.unwrap(), a.command.unwrap());

    // A token of alpha that its admin revoked, and a token of a team that was disabled.
    let revoked = api(&p, &a.admin)
        .create_token(
            "alpha",
            &CreateToken {
                role: TeamRole::Viewer,
                ttl_secs: None,
                subject: None,
                description: None,
                platform: false,
            },
        )
        .await
        .unwrap();
    api(&p, &a.admin)
        .revoke_token(&revoked.record.jti)
        .await
        .unwrap();
    p.api()
        .create_team(&CreateTeam {
            name: "gamma".into(),
            description: None,
        })
        .await
        .unwrap();
    let gamma = p
        .api()
        .create_token(
            "gamma",
            &CreateToken {
                role: TeamRole::Admin,
                ttl_secs: None,
                subject: None,
                description: None,
                platform: false,
            },
        )
        .await
        .unwrap()
        .token;
    p.api().set_team_disabled("gamma", true).await.unwrap();

    // Tokens forged with the platform's own keys, or against them.
    let edk = ed.encoding();
    let signed =
        |header: Value, claims: Value| forge(&header, &claims, Some((&edk, Algorithm::EdDSA)));
    let ed_header = || json!({"alg": "EdDSA", "typ": "JWT", "kid": "ed-1"});
    let with = |f: &dyn Fn(&mut Value)| {
        let mut c = claims("alpha", "admin");
        f(&mut c);
        signed(ed_header(), c)
    };
    let now = chrono::Utc::now().timestamp();
    let rs_public_as_hmac = EncodingKey::from_secret(rs.public_pem.as_bytes());
    let ed_public_as_hmac = EncodingKey::from_secret(ed.public_pem.as_bytes());
    let alpha_admin = claims("alpha", "admin");
    let forged = vec![
        (
            "alg none, signature stripped",
            forge(
                &json!({"alg": "none", "typ": "JWT", "kid": "ed-1"}),
                &alpha_admin,
                None,
            ),
        ),
        (
            "HS256 keyed with our RSA public key",
            forge(
                &json!({"alg": "HS256", "typ": "JWT", "kid": "rs-1"}),
                &alpha_admin,
                Some((&rs_public_as_hmac, Algorithm::HS256)),
            ),
        ),
        (
            "HS256 keyed with our Ed25519 public key",
            forge(
                &json!({"alg": "HS256", "typ": "JWT", "kid": "ed-1"}),
                &alpha_admin,
                Some((&ed_public_as_hmac, Algorithm::HS256)),
            ),
        ),
        (
            "HS256 keyed with a public key, no kid",
            forge(
                &json!({"alg": "HS256", "typ": "JWT"}),
                &alpha_admin,
                Some((&rs_public_as_hmac, Algorithm::HS256)),
            ),
        ),
        (
            "RS256 header naming the EdDSA key",
            forge(
                &json!({"alg": "RS256", "typ": "JWT", "kid": "ed-1"}),
                &alpha_admin,
                Some((&rs.encoding(), Algorithm::RS256)),
            ),
        ),
        ("flipped bit in the signature", flip_bit(&a.admin, 2)),
        ("flipped bit in the payload", flip_bit(&a.admin, 1)),
        ("flipped bit in the header", flip_bit(&a.admin, 0)),
        (
            "expired",
            with(&|c| {
                c["exp"] = json!(now - 3600);
                c["iat"] = json!(now - 7200);
                c["nbf"] = json!(now - 7200);
            }),
        ),
        ("not yet valid", with(&|c| c["nbf"] = json!(now + 3600))),
        (
            "no expiry",
            with(&|c| {
                c.as_object_mut().unwrap().remove("exp");
            }),
        ),
        (
            "issued in the future",
            with(&|c| c["iat"] = json!(now + 3600)),
        ),
        (
            "wrong audience",
            with(&|c| c["aud"] = json!("some-other-api")),
        ),
        (
            "no audience",
            with(&|c| {
                c.as_object_mut().unwrap().remove("aud");
            }),
        ),
        ("wrong issuer", with(&|c| c["iss"] = json!("someone-else"))),
        (
            "unknown kid",
            signed(
                json!({"alg": "EdDSA", "typ": "JWT", "kid": "ed-9"}),
                alpha_admin.clone(),
            ),
        ),
        (
            "path-like kid",
            signed(
                json!({"alg": "EdDSA", "typ": "JWT", "kid": "../../data/jwt.secret"}),
                alpha_admin.clone(),
            ),
        ),
        (
            "URL kid",
            signed(
                json!({"alg": "EdDSA", "typ": "JWT", "kid": "https://127.0.0.1:1/key.pem"}),
                alpha_admin.clone(),
            ),
        ),
        (
            "jku header",
            signed(
                json!({"alg": "EdDSA", "typ": "JWT", "kid": "ed-1", "jku": "http://127.0.0.1:1/jwks.json"}),
                alpha_admin.clone(),
            ),
        ),
        (
            "x5u header",
            signed(
                json!({"alg": "EdDSA", "typ": "JWT", "kid": "ed-1", "x5u": "http://127.0.0.1:1/cert.pem"}),
                alpha_admin.clone(),
            ),
        ),
        (
            "embedded jwk",
            signed(
                json!({"alg": "EdDSA", "typ": "JWT", "kid": "ed-1", "jwk": {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}}),
                alpha_admin.clone(),
            ),
        ),
        (
            "crit header",
            signed(
                json!({"alg": "EdDSA", "typ": "JWT", "kid": "ed-1", "crit": ["exp"]}),
                alpha_admin.clone(),
            ),
        ),
        ("garbage", "garbage".to_string()),
        ("two dots", "a.b.c".to_string()),
        ("non-base64", "!!!.???.***".to_string()),
        ("a revoked jti", revoked.token.clone()),
        ("a disabled team's token", gamma.clone()),
        (
            "a host credential on the team API",
            a.hosts[0].credential.clone(),
        ),
    ];
    // The control: the same shape, honestly signed, is accepted.
    let honest = signed(ed_header(), claims("alpha", "admin"));

    let mut cases = vec![case(
        "no token",
        Method::GET,
        "/v1/applications".into(),
        None,
        401,
    )];
    for (name, token) in &forged {
        cases.push(case(
            name,
            Method::GET,
            "/v1/applications".into(),
            Some(token),
            401,
        ));
        // The same refusal where it would have done something.
        cases.push(
            case(name, Method::POST, "/v1/deployments".into(), Some(token), 401).body(json!({
                "application": a.app, "deployment_group": a.group, "revision": a.revision.to_string()
            })),
        );
    }
    let hb_cred = b.hosts[0].credential.clone();
    let report =
        json!({"event": "BeforeInstall", "status": "InProgress", "started_at": chrono::Utc::now()});
    let complete = json!({"status": "Succeeded"});
    cases.extend([
        case("a team token on the agent API", Method::GET, format!("/v1/agents/{ha}/commands?wait_secs=0"), Some(&a.admin), 401),
        case("a team token acknowledging a command", Method::POST, format!("/v1/agents/{ha}/commands/{ca}/ack"), Some(&a.admin), 401),
        case("a team token heartbeating", Method::POST, format!("/v1/hosts/{ha}/heartbeat"), Some(&a.admin), 401).body(json!({})),
        case("host B polls host A's commands", Method::GET, format!("/v1/agents/{ha}/commands?wait_secs=0"), Some(&hb_cred), 403),
        case("host B acknowledges host A's command", Method::POST, format!("/v1/agents/{ha}/commands/{ca}/ack"), Some(&hb_cred), 403),
        case("host B acknowledges it as its own", Method::POST, format!("/v1/agents/{hb}/commands/{ca}/ack"), Some(&hb_cred), 403),
        case("host B reports on host A's command", Method::POST, format!("/v1/agents/{ha}/commands/{ca}/events"), Some(&hb_cred), 403).body(report.clone()),
        case("host B reports on it as its own", Method::POST, format!("/v1/agents/{hb}/commands/{ca}/events"), Some(&hb_cred), 403).body(report),
        case("host B completes host A's command", Method::POST, format!("/v1/agents/{ha}/commands/{ca}/complete"), Some(&hb_cred), 403).body(complete.clone()),
        case("host B completes it as its own", Method::POST, format!("/v1/agents/{hb}/commands/{ca}/complete"), Some(&hb_cred), 403).body(complete),
        case("host B heartbeats as host A", Method::POST, format!("/v1/hosts/{ha}/heartbeat"), Some(&hb_cred), 403).body(json!({})),
        case("a viewer deploys", Method::POST, "/v1/deployments".into(), Some(&a.viewer), 403).body(json!({
            "application": a.app, "deployment_group": a.group, "revision": a.revision.to_string()
        })),
        case("a viewer stops a deployment", Method::POST, format!("/v1/deployments/{da}/stop"), Some(&a.viewer), 403),
        case("a viewer pushes a revision", Method::POST, format!("/v1/applications/{}/revisions", a.app), Some(&a.viewer), 403),
        case("a deployer creates a group", Method::POST, format!("/v1/applications/{}/deployment-groups", a.app), Some(&a.deployer), 403).body(json!({
            "name": "sneaky", "selector": {"role": ["alpha"]}
        })),
        case("a deployer mints a token", Method::POST, "/v1/teams/alpha/tokens".into(), Some(&a.deployer), 403).body(json!({"role": "admin"})),
        case("a team admin mints a platform token", Method::POST, "/v1/teams/alpha/tokens".into(), Some(&a.admin), 403).body(json!({"role": "admin", "platform": true})),
        case("a team admin creates a team", Method::POST, "/v1/teams".into(), Some(&a.admin), 403).body(json!({"name": "delta"})),
        case("a team admin disables its team", Method::POST, "/v1/teams/alpha/disable".into(), Some(&a.admin), 403),
        case("team B reads A's application", Method::GET, format!("/v1/applications/{}", a.app), Some(&b.admin), 404),
        case("team B reads A's revision", Method::GET, format!("/v1/applications/{}/revisions/{}", a.app, a.revision), Some(&b.admin), 404),
        case("team B downloads A's bundle", Method::GET, format!("/v1/applications/{}/revisions/{}/bundle", a.app, a.revision), Some(&b.admin), 404),
        case("team B's host downloads A's bundle", Method::GET, format!("/v1/applications/{}/revisions/{}/bundle", a.app, a.revision), Some(&hb_cred), 404),
        case("team B reads A's group", Method::GET, format!("/v1/applications/{}/deployment-groups/{}", a.app, a.group), Some(&b.admin), 404),
        case("team B reads A's deployment", Method::GET, format!("/v1/deployments/{da}"), Some(&b.admin), 404),
        case("team B reads A's rollout", Method::GET, format!("/v1/rollouts/{da}"), Some(&b.admin), 404),
        case("team B deploys A's application", Method::POST, "/v1/deployments".into(), Some(&b.admin), 404).body(json!({
            "application": a.app, "deployment_group": a.group, "revision": a.revision.to_string()
        })),
        case("team B stops A's deployment", Method::POST, format!("/v1/deployments/{da}/stop"), Some(&b.admin), 404),
        case("team B creates a group in A's application", Method::POST, format!("/v1/applications/{}/deployment-groups", a.app), Some(&b.admin), 404).body(json!({
            "name": "sneaky", "selector": {"role": ["beta"]}
        })),
        case("team B reads A's host", Method::GET, format!("/v1/hosts/{ha}"), Some(&b.admin), 404),
        case("team B deregisters A's host", Method::DELETE, format!("/v1/hosts/{ha}"), Some(&b.admin), 404),
        case("team B reads A's team", Method::GET, "/v1/teams/alpha".into(), Some(&b.admin), 404),
        case("team B lists A's tokens", Method::GET, "/v1/teams/alpha/tokens".into(), Some(&b.admin), 404),
        case("team B mints a token for A", Method::POST, "/v1/teams/alpha/tokens".into(), Some(&b.admin), 404).body(json!({"role": "admin"})),
        case("team B revokes A's token", Method::POST, format!("/v1/tokens/{}/revoke", a.viewer_jti), Some(&b.admin), 404),
        case("team B disables A", Method::POST, "/v1/teams/alpha/disable".into(), Some(&b.admin), 404),
        case("a team field in an application", Method::POST, "/v1/applications".into(), Some(&b.admin), 400).body(json!({"name": "sneaky", "team": "alpha"})),
        case("a team field in a deployment", Method::POST, "/v1/deployments".into(), Some(&b.admin), 400).body(json!({
            "application": a.app, "deployment_group": a.group, "revision": a.revision.to_string(), "team": "alpha"
        })),
        case("a team field in a token", Method::POST, "/v1/teams/beta/tokens".into(), Some(&b.admin), 400).body(json!({"role": "admin", "team": "alpha"})),
        case("a team field in an enrollment token", Method::POST, "/v1/enrollment-tokens".into(), Some(&b.admin), 400).body(json!({"team": "alpha"})),
    ]);

    flush_history(&p).await;
    let before = (snapshot(&p, &a).await, snapshot(&p, &b).await);
    let http = p.http();
    let mut failures = Vec::new();
    for c in &cases {
        let mut rb = http.request(c.method.clone(), format!("{}{}", p.url, c.path));
        if let Some(t) = &c.token {
            rb = rb.bearer_auth(t);
        }
        if let Some(body) = &c.body {
            rb = rb.json(body);
        } else if c.method == Method::POST && c.path.ends_with("/revisions") {
            rb = rb
                .header("content-type", "application/octet-stream")
                .body(std::fs::read(bundle_file(&p, "probe")).unwrap());
        }
        let res = rb.send().await.expect("send");
        let status = res.status().as_u16();
        let text = res.text().await.unwrap_or_default();
        if status != c.expect {
            failures.push(format!(
                "{} ({} {}): expected {}, got {status}: {text}",
                c.name, c.method, c.path, c.expect
            ));
        }
        let now = (snapshot(&p, &a).await, snapshot(&p, &b).await);
        for (who, x, y) in [("A", &before.0, &now.0), ("B", &before.1, &now.1)] {
            let (mut x, mut y) = (x.clone(), y.clone());
            // History is compared once it has caught up, below.
            x["events"] = Value::Null;
            y["events"] = Value::Null;
            if x != y {
                failures.push(format!("{}: changed what {who} owns", c.name));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} refusals failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    flush_history(&p).await;
    assert_eq!(
        before.0,
        snapshot(&p, &a).await,
        "A's objects or history changed"
    );
    assert_eq!(
        before.1,
        snapshot(&p, &b).await,
        "B's objects or history changed"
    );

    // The controls: honestly signed tokens and the right hosts are accepted.
    let ok = http
        .get(format!("{}/v1/applications", p.url))
        .bearer_auth(&honest)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200, "an honest token of the active key");
    let ok = http
        .get(format!("{}/v1/agents/{ha}/commands?wait_secs=0", p.url))
        .bearer_auth(&a.hosts[0].credential)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200, "host A polls its own commands");
    let ok = http
        .get(format!("{}/v1/applications/{}", p.url, a.app))
        .bearer_auth(&a.viewer)
        .send()
        .await
        .unwrap();
    assert_eq!(
        ok.status(),
        200,
        "A's viewer token, which B tried to revoke, still works"
    );
    p.stop().await;
}
