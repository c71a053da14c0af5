//! What a subscription may not be, who sees it, the secret shown once, dead-lettering after
//! the maximum age, redelivery, and rotation with two signatures during the overlap.

use std::time::Duration;

use liftoff_kit::Role;
use liftoff_testkit::{TestPlatform, free_port, wait_for};
use liftoff_types::webhooks::DeliveryStatus;
use reqwest::Method;
use serde_json::{Value, json};

use crate::receiver::{Receiver, verify};
use crate::{BIN, call, settings, subscribe};

/// `liftoff <args> --json` against `url` with `token`: (exit code, the JSON document).
async fn cli(url: &str, token: &str, args: &[&str]) -> (i32, Value) {
    let out = tokio::process::Command::new(BIN)
        .args(args)
        .arg("--json")
        .env("LIFTOFF_URL", url)
        .env("LIFTOFF_TOKEN", token)
        .output()
        .await
        .unwrap();
    let doc = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        panic!(
            "liftoff {args:?}: not JSON: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), doc)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscriptions_that_break_the_rules_are_refused_and_change_nothing() {
    // No allow-list: loopback and private addresses are refused as for revision URLs.
    let p = TestPlatform::start().await.expect("platform");
    let admin = p.admin_token.clone();
    let create = |url: &str, events: Value| json!({"url": url, "events": events});
    for url in [
        "http://127.0.0.1:9/hook",
        "http://[::1]/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.1.2.3/hook",
        "http://2130706433/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "file:///etc/passwd",
        "gopher://example.com/",
        "http://user@93.184.216.34/hook",
    ] {
        let (status, body) = call(
            &p,
            Method::POST,
            "/v1/webhooks",
            &admin,
            Some(create(url, json!(["*"]))),
        )
        .await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (400, Some("webhook_url_forbidden")),
            "{url}: {body}"
        );
    }
    let public = "http://93.184.216.34/hooks/liftoff";
    for (events, code) in [
        (json!(["deployment.exploded"]), "unknown_event_type"),
        (json!(["deploy*"]), "unknown_event_type"),
        (json!(["*.succeeded"]), "unknown_event_type"),
        (json!([]), "unknown_event_type"),
    ] {
        let (status, body) = call(
            &p,
            Method::POST,
            "/v1/webhooks",
            &admin,
            Some(create(public, events.clone())),
        )
        .await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (400, Some(code)),
            "{events}: {body}"
        );
    }
    let (status, _) = call(
        &p,
        Method::POST,
        "/v1/webhooks",
        &admin,
        Some(json!({"url": public, "events": ["*"], "team": "other"})),
    )
    .await;
    assert_eq!(status, 400, "an unknown field (team) is refused");
    let viewer = p.team_token("default", Role::Viewer);
    let (status, _) = call(
        &p,
        Method::POST,
        "/v1/webhooks",
        &viewer,
        Some(create(public, json!(["*"]))),
    )
    .await;
    assert_eq!(status, 403, "a viewer may not subscribe");
    let (_, list) = call(&p, Method::GET, "/v1/webhooks", &admin, None).await;
    assert_eq!(list["webhooks"], json!([]), "a refusal created something");

    // Through the CLI: the secret once, never in a list or a read.
    let (code, created) = cli(
        &p.url,
        &admin,
        &[
            "webhook",
            "create",
            "--url",
            public,
            "--events",
            "deployment.succeeded,deployment.failed,host.lost",
            "--app",
            "shop",
        ],
    )
    .await;
    assert_eq!(code, 0, "{created}");
    let id = created["id"].as_str().unwrap().to_string();
    assert!(
        created["secret"].as_str().unwrap().starts_with("whsec_"),
        "{created}"
    );
    assert_eq!(created["application"], "shop");
    let (code, listed) = cli(&p.url, &admin, &["webhook", "list"]).await;
    assert_eq!(code, 0);
    assert_eq!(listed["webhooks"][0]["id"], id.as_str());
    assert!(!listed.to_string().contains("whsec_"), "{listed}");
    let (_, one) = call(&p, Method::GET, &format!("/v1/webhooks/{id}"), &admin, None).await;
    assert!(
        one.get("secret").is_none() && one["id"] == id.as_str(),
        "{one}"
    );
    let (code, refused) = cli(
        &p.url,
        &admin,
        &[
            "webhook",
            "create",
            "--url",
            "http://127.0.0.1:1/x",
            "--events",
            "*",
        ],
    )
    .await;
    assert_ne!(code, 0);
    assert_eq!(refused["error"]["code"], "webhook_url_forbidden");

    // Another team's subscription does not exist for it.
    let other = p.team_token("other-team", Role::Admin);
    for (method, path) in [
        (Method::GET, format!("/v1/webhooks/{id}")),
        (Method::DELETE, format!("/v1/webhooks/{id}")),
        (Method::POST, format!("/v1/webhooks/{id}/test")),
        (Method::GET, format!("/v1/webhooks/{id}/deliveries")),
    ] {
        let (status, body) = call(&p, method.clone(), &path, &other, None).await;
        assert_eq!(status, 404, "{method} {path}: {body}");
    }
    let (status, _) = call(
        &p,
        Method::POST,
        &format!("/v1/webhooks/{id}/rotate-secret"),
        &other,
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 404);
    let (_, theirs) = call(&p, Method::GET, "/v1/webhooks", &other, None).await;
    assert_eq!(theirs["webhooks"], json!([]));
    let (_, ours) = call(&p, Method::GET, "/v1/webhooks", &admin, None).await;
    assert_eq!(ours["webhooks"].as_array().unwrap().len(), 1, "{ours}");

    // The audit log says who subscribed.
    let (_, audit) = call(&p, Method::GET, "/v1/audit?action=webhook.*", &admin, None).await;
    assert!(audit.to_string().contains("webhook.created"), "{audit}");
    let (code, deleted) = cli(&p.url, &admin, &["webhook", "delete", &id]).await;
    assert_eq!((code, deleted["id"].as_str()), (0, Some(id.as_str())));
    p.stop().await;
}

/// `liftoff up --url-allow` opens a block to webhooks as to revision URLs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn liftoff_up_url_allow_lets_a_webhook_reach_an_allowed_block() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut up = tokio::process::Command::new(BIN)
        .args([
            "up",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--url-allow",
            "127.0.0.0/8",
        ])
        .arg("--data-dir")
        .arg(dir.path())
        .env_remove("LIFTOFF_DATABASE_URL")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}");
    wait_for("liftoff up to be ready", Duration::from_secs(60), || {
        let url = url.clone();
        async move {
            reqwest::get(format!("{url}/readyz"))
                .await
                .ok()
                .filter(|r| r.status().is_success())
        }
    })
    .await;
    let token = std::fs::read_to_string(dir.path().join("admin.token")).unwrap();
    let (code, created) = cli(
        &url,
        token.trim(),
        &[
            "webhook",
            "create",
            "--url",
            "http://127.0.0.1:9/hook",
            "--events",
            "deployment.*",
        ],
    )
    .await;
    assert_eq!(code, 0, "{created}");
    let (code, refused) = cli(
        &url,
        token.trim(),
        &[
            "webhook",
            "create",
            "--url",
            "http://10.0.0.1/hook",
            "--events",
            "*",
        ],
    )
    .await;
    assert_ne!(code, 0);
    assert_eq!(
        refused["error"]["code"], "webhook_url_forbidden",
        "{refused}"
    );
    let _ = up.kill().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_failing_past_its_max_age_is_dead_lettered_then_redelivered_with_both_signatures()
 {
    let mut s = settings();
    s.history.webhooks.max_age = Duration::from_secs(2);
    s.history.webhooks.retry_max = Duration::from_millis(500);
    let p = TestPlatform::start_with(s).await.expect("platform");
    let receiver = Receiver::start(500).await;
    let history = p.history();
    let (id, old_secret) = subscribe(&history, &receiver.url, &["deployment.succeeded"]).await;
    let token = p.admin_token.clone();
    let (code, queued) = cli(&p.url, &token, &["webhook", "test", &id.to_string()]).await;
    assert_eq!(code, 0, "{queued}");
    assert_eq!(queued["status"], "Pending");
    let delivery: uuid::Uuid = queued["delivery_id"].as_str().unwrap().parse().unwrap();
    let dead = wait_for(
        "the delivery to be dead-lettered",
        Duration::from_secs(30),
        || {
            let h = history.clone();
            async move {
                h.webhook_deliveries(id, Some("dead"), &Default::default())
                    .await
                    .ok()?
                    .deliveries
                    .into_iter()
                    .find(|d| d.delivery_id == delivery)
            }
        },
    )
    .await;
    assert_eq!(dead.status, DeliveryStatus::Dead);
    assert_eq!(dead.event_type, "webhook.test");
    assert!(dead.attempts >= 2, "{dead:?}");
    assert_eq!(dead.attempt_log.len() as u32, dead.attempts);
    for a in &dead.attempt_log {
        assert_eq!(a.status_code, Some(500));
        let text = a.response.as_deref().unwrap();
        assert!(
            text.starts_with("status 500") && text.len() == 1024,
            "{}",
            text.len()
        );
        assert!(a.error.is_none());
    }
    let (code, listed) = cli(
        &p.url,
        &token,
        &["webhook", "deliveries", &id.to_string(), "--status", "dead"],
    )
    .await;
    assert_eq!(code, 0);
    assert_eq!(listed["deliveries"][0]["delivery_id"], delivery.to_string());
    let tried = receiver.requests().len();
    assert_eq!(
        tried as u32, dead.attempts,
        "attempts recorded = requests received"
    );

    // Rotate with an overlap: the redelivery is signed by the new and the old secret.
    let (code, rotated) = cli(
        &p.url,
        &token,
        &[
            "webhook",
            "rotate-secret",
            &id.to_string(),
            "--overlap",
            "1h",
        ],
    )
    .await;
    assert_eq!(code, 0, "{rotated}");
    let new_secret = rotated["secret"].as_str().unwrap().to_string();
    assert_ne!(new_secret, old_secret);
    assert!(
        rotated["previous_secret_expires_at"].is_string(),
        "{rotated}"
    );
    receiver.answer(200);
    let (code, again) = cli(
        &p.url,
        &token,
        &[
            "webhook",
            "redeliver",
            &id.to_string(),
            &delivery.to_string(),
        ],
    )
    .await;
    assert_eq!(
        (code, again["status"].as_str()),
        (0, Some("Pending")),
        "{again}"
    );
    let r = &receiver;
    wait_for(
        "the redelivery to be accepted",
        Duration::from_secs(30),
        || async move { r.requests().iter().any(|r| r.answered == 200).then_some(()) },
    )
    .await;
    let last = receiver
        .requests()
        .into_iter()
        .find(|r| r.answered == 200)
        .unwrap();
    assert_eq!(
        last.id,
        dead.event_id.to_string(),
        "the same event, the same id"
    );
    verify(&last, &[&new_secret, &old_secret]);
    let done = wait_for(
        "the delivery to be marked delivered",
        Duration::from_secs(10),
        || {
            let h = history.clone();
            async move {
                h.webhook_deliveries(id, Some("delivered"), &Default::default())
                    .await
                    .ok()?
                    .deliveries
                    .into_iter()
                    .find(|d| d.delivery_id == delivery)
            }
        },
    )
    .await;
    assert_eq!(done.attempt_log.last().unwrap().status_code, Some(200));
    // A delivered one may be sent again; a pending one may not (it is on its way).
    let (status, body) = call(
        &p,
        Method::POST,
        &format!("/v1/webhooks/{id}/deliveries/{delivery}/redeliver"),
        &token,
        None,
    )
    .await;
    assert_eq!(status, 202, "{body}");
    let metrics = reqwest::get(format!("{}/metrics", p.url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("liftoff_webhook_deliveries_total{outcome=\"dead\"} 1"),
        "{}",
        metrics
            .lines()
            .filter(|l| l.contains("webhook"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    p.stop().await;
}
