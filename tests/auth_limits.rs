//! Rate limits (per team, per host, per peer address; never keyed by `X-Forwarded-For`;
//! service credentials exempt) answering 429 with `Retry-After`, and per-route body caps
//! answering 413 before the body is read.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod auth_support;

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};

use auth_support::*;
use liftoff_client::RegistryClient;
use liftoff_kit::admission::{Budget, RateLimits};
use liftoff_kit::auth::Role;
use liftoff_testkit::TestPlatform;
use liftoff_types::registry::EnrollRequest;
use reqwest::StatusCode;

fn client_from(ip: [u8; 4]) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(IpAddr::V4(Ipv4Addr::from(ip)))
        .build()
        .unwrap()
}

/// Sends `n` requests and returns their statuses.
async fn burst(rb: impl Fn() -> reqwest::RequestBuilder, n: usize) -> Vec<reqwest::Response> {
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(rb().send().await.unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_are_per_team_per_host_and_per_peer_with_retry_after() {
    let mut settings = still_settings();
    // Slow refill, so a burst is what decides within the test.
    settings.auth.rate_limits = Some(RateLimits {
        team: Budget::new(0.05, 5.0),
        host: Budget::new(0.05, 3.0),
        anonymous: Budget::new(0.05, 5.0),
        // Every request, read or write, counts whole here: the bursts below are of reads.
        read_cost: 1.0,
    });
    let p = TestPlatform::start_with(settings).await.expect("platform");
    let apps = format!("{}/v1/applications", p.url);

    // Setup from its own address and team, so the buckets under test start full.
    let setup = client_from([127, 0, 0, 3]);
    let hosts_admin = p.team_token("hosts", Role::Admin);
    let enrollment = RegistryClient::new(p.client_with(Some(hosts_admin)))
        .create_enrollment_token(&Default::default())
        .await
        .unwrap()
        .token
        .unwrap();
    let enrolled: liftoff_types::registry::EnrollResponse = setup
        .post(format!("{}/v1/hosts/enroll", p.url))
        .json(&EnrollRequest {
            enrollment_token: enrollment,
            hostname: "h1".into(),
            zone: "zone-a".into(),
            tags: BTreeMap::new(),
            agent_version: None,
        })
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    // A team: its burst, then 429 with Retry-After and the JSON error.
    let alpha = p.team_token("alpha", Role::Viewer);
    let alpha2 = p.team_token("alpha", Role::Admin);
    let http = reqwest::Client::new();
    let res = burst(|| http.get(&apps).bearer_auth(&alpha), 5).await;
    assert!(res.iter().all(|r| r.status() == StatusCode::OK));
    let limited = http.get(&apps).bearer_auth(&alpha).send().await.unwrap();
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry >= 1, "Retry-After in whole seconds, at least 1");
    let body: serde_json::Value = limited.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");
    // The bucket is the team's, not the token's.
    assert_eq!(
        http.get(&apps)
            .bearer_auth(&alpha2)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    // Another team, and the services, are not held back.
    let beta = p.team_token("beta", Role::Viewer);
    assert_eq!(
        http.get(&apps)
            .bearer_auth(&beta)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let service = service_token(&p);
    let hosts = format!("{}/v1/hosts", p.url);
    for r in burst(|| http.get(&hosts).bearer_auth(&service), 20).await {
        assert_eq!(
            r.status(),
            StatusCode::OK,
            "service credentials are not limited"
        );
    }

    // A host credential has its own budget.
    let poll = format!(
        "{}/v1/agents/{}/commands?wait_secs=0",
        p.url, enrolled.host_id
    );
    let res = burst(|| http.get(&poll).bearer_auth(&enrolled.credential), 4).await;
    let codes: Vec<u16> = res.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(codes, vec![200, 200, 200, 429], "host budget of 3");

    // Without a token (or with one that does not verify): the socket's peer address. A forged
    // X-Forwarded-For does not move the caller to a fresh bucket.
    let mut codes = Vec::new();
    for i in 0..7 {
        let res = http
            .get(&apps)
            .header("x-forwarded-for", format!("10.0.0.{i}"))
            .header("forwarded", format!("for=10.0.1.{i}"))
            .bearer_auth(if i % 2 == 0 { "garbage" } else { "a.b.c" })
            .send()
            .await
            .unwrap();
        codes.push(res.status().as_u16());
    }
    assert_eq!(
        codes,
        vec![401, 401, 401, 401, 401, 429, 429],
        "peer budget of 5"
    );
    // Another peer address has its own bucket.
    let other = client_from([127, 0, 0, 2]);
    assert_eq!(
        other.get(&apps).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    // Health and metrics are never limited.
    for path in ["/healthz", "/readyz", "/metrics"] {
        assert!(
            http.get(format!("{}{path}", p.url))
                .send()
                .await
                .unwrap()
                .status()
                .is_success()
        );
    }
    let metrics = http
        .get(format!("{}/metrics", p.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("liftoff_rate_limited_total"),
        "429s are counted"
    );
    p.stop().await;
}

/// A read costs `read_cost` of a token (0.1 by default): a team watching its deployments by
/// polling gets ten reads for each write its budget allows, and its writes still stop at the
/// budget.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_cost_a_share_of_a_write_in_the_team_budget() {
    let mut settings = still_settings();
    settings.auth.rate_limits = Some(RateLimits {
        team: Budget::new(0.05, 3.0),
        ..RateLimits::default()
    });
    let p = TestPlatform::start_with(settings).await.expect("platform");
    let apps = format!("{}/v1/applications", p.url);
    let beta = p.team_token("beta", Role::Admin);
    let http = reqwest::Client::new();
    // 3 tokens: 20 reads (2 tokens), then one write (1 token), then nothing.
    for r in burst(|| http.get(&apps).bearer_auth(&beta), 20).await {
        assert_eq!(r.status(), StatusCode::OK);
    }
    let created = http
        .post(&apps)
        .bearer_auth(&beta)
        .json(&serde_json::json!({"name": "watched"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let refused = http
        .post(&apps)
        .bearer_auth(&beta)
        .json(&serde_json::json!({"name": "refused"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    // The refused write changed nothing (read once the bucket holds a read's 0.1 again).
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let list: serde_json::Value = http
        .get(&apps)
        .bearer_auth(&beta)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = list["applications"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["name"].as_str())
        .collect();
    assert_eq!(names, ["watched"]);
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_over_their_route_cap_get_413_before_they_are_read() {
    let mut settings = still_settings();
    settings.deployment_api.max_bundle_bytes = 1024 * 1024;
    let p = TestPlatform::start_with(settings).await.expect("platform");
    let a = tenant(&p, "alpha", 1, false).await;
    let http = reqwest::Client::new();
    let host = &a.hosts[0];
    // A command that does not exist: whatever passes the cap is answered 404 and records
    // nothing.
    let events = format!(
        "{}/v1/agents/{}/commands/{}/events",
        p.url,
        host.host_id,
        uuid::Uuid::new_v4()
    );
    let report_of = |tail: String| {
        serde_json::to_vec(&serde_json::json!({
            "event": "BeforeInstall", "status": "InProgress", "started_at": chrono::Utc::now(),
            "output_tail": tail,
        }))
        .unwrap()
    };
    let report = |n: usize| report_of("x".repeat(n));
    let send = |url: String, token: String, body: Vec<u8>| {
        let http = http.clone();
        async move {
            let res = http
                .post(url)
                .bearer_auth(token)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            (status, res.text().await.unwrap_or_default())
        }
    };
    // An event report may carry more than the default JSON cap: a 60 KiB tail of control
    // characters (a hook printing binary) is six times that once JSON-escaped...
    let escaped = report_of("\u{1}".repeat(60 * 1024));
    assert!(escaped.len() > 300 * 1024, "{}", escaped.len());
    let (status, text) = send(events.clone(), host.credential.clone(), escaped).await;
    assert_eq!(
        status, 404,
        "within the event route's cap, so the command is looked up: {text}"
    );
    // ...but not more than its own.
    let (status, text) = send(events.clone(), host.credential.clone(), report(600 * 1024)).await;
    assert_eq!(status, 413, "{text}");
    assert!(text.contains("payload_too_large"), "{text}");
    // Without a Content-Length, the body is cut off at the cap while it streams.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = report(600 * 1024)
        .chunks(16 * 1024)
        .map(|c| Ok(c.to_vec()))
        .collect();
    let res = http
        .post(&events)
        .bearer_auth(&host.credential)
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            chunks,
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::PAYLOAD_TOO_LARGE,
        "chunked over the cap"
    );
    // Ordinary JSON routes keep the default cap.
    let big = serde_json::json!({"name": "big-app", "description": "x".repeat(300 * 1024)});
    let (status, _) = send(
        format!("{}/v1/applications", p.url),
        a.admin.clone(),
        serde_json::to_vec(&big).unwrap(),
    )
    .await;
    assert_eq!(status, 413);
    // Enrollment (unauthenticated) has a small cap.
    let (status, _) = send(
        format!("{}/v1/hosts/enroll", p.url),
        String::new(),
        serde_json::to_vec(&serde_json::json!({"enrollment_token": "x".repeat(100 * 1024), "hostname": "h", "zone": "z"})).unwrap(),
    )
    .await;
    assert_eq!(status, 413);
    // A bundle over the configured cap, refused on its declared length.
    let res = http
        .post(format!("{}/v1/applications/{}/revisions", p.url, a.app))
        .bearer_auth(&a.deployer)
        .header("content-type", "application/octet-stream")
        .body(vec![0u8; 2 * 1024 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // Nothing was created by any of them.
    let revisions = api(&p, &a.admin).list_revisions(&a.app).await.unwrap();
    assert_eq!(
        revisions.revisions.len(),
        1,
        "only the revision pushed in setup"
    );
    let apps = api(&p, &a.admin).list_applications().await.unwrap();
    assert_eq!(apps.applications.len(), 1);
    p.stop().await;
}
