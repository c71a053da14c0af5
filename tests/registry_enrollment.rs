//! Enrollment tokens (expiry, use limit, revocation), host identity, operator edits and
//! their bad inputs, through the real host registry.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::time::Duration;

use liftoff_client::{ClientError, RegistryClient};
use liftoff_kit::auth::Role;
use liftoff_testkit::{TestPlatform, wait_for};
use liftoff_types::registry::{
    CreateEnrollmentToken, EnrollRequest, EnrollResponse, Heartbeat, HostState, UpdateHost,
};

fn status<T: std::fmt::Debug>(r: Result<T, ClientError>) -> u16 {
    match r {
        Err(e) => e.status().unwrap_or(0),
        Ok(v) => panic!("expected an error, got {v:?}"),
    }
}

fn anon(p: &TestPlatform) -> RegistryClient {
    RegistryClient::new(p.client_with(None))
}

fn as_host(p: &TestPlatform, e: &EnrollResponse) -> RegistryClient {
    RegistryClient::new(p.client_with(Some(e.credential.clone())))
}

async fn enroll(
    p: &TestPlatform,
    token: &str,
    hostname: &str,
) -> Result<EnrollResponse, ClientError> {
    anon(p)
        .enroll(&EnrollRequest {
            enrollment_token: token.into(),
            hostname: hostname.into(),
            zone: "zone-a".into(),
            tags: BTreeMap::from([("role".to_string(), "web".to_string())]),
            agent_version: None,
        })
        .await
}

async fn create(p: &TestPlatform, req: CreateEnrollmentToken) -> (uuid::Uuid, String) {
    let t = p
        .registry()
        .create_enrollment_token(&req)
        .await
        .expect("token");
    (t.token_id, t.token.expect("secret"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enrollment_tokens_expire_run_out_and_can_be_revoked() {
    let p = TestPlatform::start().await.unwrap();

    // Use limit: two hosts, then 401.
    let (_, two) = create(
        &p,
        CreateEnrollmentToken {
            uses: Some(2),
            ..Default::default()
        },
    )
    .await;
    enroll(&p, &two, "h1").await.expect("first use");
    enroll(&p, &two, "h2").await.expect("second use");
    assert_eq!(status(enroll(&p, &two, "h3").await), 401);

    // Expiry: a one-second token works now and is refused once it has expired.
    let (_, short) = create(
        &p,
        CreateEnrollmentToken {
            ttl_secs: Some(1),
            ..Default::default()
        },
    )
    .await;
    enroll(&p, &short, "h4").await.expect("before expiry");
    wait_for("the token to expire", Duration::from_secs(10), || {
        let p = &p;
        let short = short.clone();
        async move { (enroll(p, &short, "h5").await.err()?.status() == Some(401)).then_some(()) }
    })
    .await;

    // Revocation: refused at once; listed as revoked; revoking again answers the same; hosts
    // enrolled with it keep working.
    let (id, tok) = create(
        &p,
        CreateEnrollmentToken {
            description: Some("rack 7".into()),
            ..Default::default()
        },
    )
    .await;
    let h6 = enroll(&p, &tok, "h6").await.expect("before revocation");
    let revoked = p
        .registry()
        .revoke_enrollment_token(id)
        .await
        .expect("revoke");
    let at = revoked.revoked_at.expect("revoked_at");
    assert_eq!(status(enroll(&p, &tok, "h7").await), 401);
    let again = p
        .registry()
        .revoke_enrollment_token(id)
        .await
        .expect("revoke again");
    assert_eq!(again.revoked_at, Some(at));
    let list = p.registry().list_enrollment_tokens().await.unwrap();
    let listed = list
        .enrollment_tokens
        .iter()
        .find(|t| t.token_id == id)
        .unwrap();
    assert_eq!(listed.uses, 1);
    assert_eq!(listed.description.as_deref(), Some("rack 7"));
    assert!(listed.revoked_at.is_some());
    assert!(
        list.enrollment_tokens.iter().all(|t| t.token.is_none()),
        "secrets never listed"
    );
    as_host(&p, &h6)
        .heartbeat(h6.host_id, &Heartbeat::default())
        .await
        .expect("an enrolled host keeps its credential");

    // Another team cannot see or revoke it; a viewer may not manage tokens; bad ids are 400.
    let other = RegistryClient::new(p.client_with(Some(p.team_token("other", Role::Admin))));
    assert_eq!(status(other.revoke_enrollment_token(id).await), 404);
    assert!(
        other
            .list_enrollment_tokens()
            .await
            .unwrap()
            .enrollment_tokens
            .is_empty()
    );
    let viewer = RegistryClient::new(p.client_with(Some(p.team_token("default", Role::Viewer))));
    assert_eq!(status(viewer.list_enrollment_tokens().await), 403);
    let res = p
        .http()
        .delete(format!("{}/v1/enrollment-tokens/not-a-uuid", p.url))
        .bearer_auth(&p.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 400);
    assert_eq!(
        status(
            p.registry()
                .revoke_enrollment_token(uuid::Uuid::now_v7())
                .await
        ),
        404
    );
    p.stop().await;
}

/// A fleet booting at once enrolls with one token concurrently: every use is taken, none is
/// lost to another enrollment's race, and the token still stops at its limit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_enrollments_each_take_a_use_until_none_is_left() {
    let p = TestPlatform::start().await.unwrap();
    let (id, eight) = create(
        &p,
        CreateEnrollmentToken {
            uses: Some(8),
            ..Default::default()
        },
    )
    .await;
    let attempts = futures_util::future::join_all((0..12).map(|i| {
        let (p, t) = (&p, eight.clone());
        async move { enroll(p, &t, &format!("boot-{i}")).await }
    }))
    .await;
    let ok = attempts.iter().filter(|r| r.is_ok()).count();
    let refused: Vec<u16> = attempts
        .into_iter()
        .filter_map(|r| r.err())
        .map(|e| e.status().unwrap_or(0))
        .collect();
    assert_eq!(ok, 8, "refused: {refused:?}");
    assert_eq!(refused, vec![401; 4]);
    let tokens = p.registry().list_enrollment_tokens().await.unwrap();
    let token = tokens
        .enrollment_tokens
        .iter()
        .find(|t| t.token_id == id)
        .unwrap();
    assert_eq!(token.uses_left, Some(0));
    // The use is taken last in an enrollment's transaction: a refused one wrote nothing.
    let hosts = p.registry().list_hosts(&[], None).await.unwrap().hosts;
    let booted = hosts.iter().filter(|h| h.name.starts_with("boot-")).count();
    assert_eq!(
        booted, 8,
        "only the enrollments that took a use left a host"
    );
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reused_hostname_never_inherits_another_hosts_identity() {
    let p = TestPlatform::start().await.unwrap();
    let tok = p.enrollment_token().await.unwrap();
    let first = enroll(&p, &tok, "web-1").await.unwrap();
    let second = enroll(&p, &tok, "web-1").await.unwrap();
    assert_ne!(first.host_id, second.host_id);
    assert_ne!(first.credential, second.credential);
    // Each credential speaks for its own host only.
    assert_eq!(
        status(
            as_host(&p, &second)
                .heartbeat(first.host_id, &Heartbeat::default())
                .await
        ),
        403
    );
    assert_eq!(
        status(
            as_host(&p, &first)
                .heartbeat(second.host_id, &Heartbeat::default())
                .await
        ),
        403
    );
    as_host(&p, &first)
        .heartbeat(first.host_id, &Heartbeat::default())
        .await
        .unwrap();
    // Deregistering the first host revokes its credential at once; the second is unaffected.
    p.registry().deregister_host(first.host_id).await.unwrap();
    assert_eq!(
        status(
            as_host(&p, &first)
                .heartbeat(first.host_id, &Heartbeat::default())
                .await
        ),
        401
    );
    as_host(&p, &second)
        .heartbeat(second.host_id, &Heartbeat::default())
        .await
        .unwrap();
    let hosts = p.registry().list_hosts(&[], None).await.unwrap().hosts;
    assert_eq!(hosts.len(), 1);
    assert_eq!(hosts[0].host_id, second.host_id);
    // A third enrollment of the name is yet another identity.
    let third = enroll(&p, &tok, "web-1").await.unwrap();
    assert!(![first.host_id, second.host_id].contains(&third.host_id));
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_edits_are_validated_and_scoped_to_the_team() {
    let p = TestPlatform::start().await.unwrap();
    let tok = p.enrollment_token().await.unwrap();
    let h = enroll(&p, &tok, "edit-me").await.unwrap();
    let reg = p.registry();
    // No group anywhere: straight into service.
    let reg2 = reg.clone();
    wait_for(
        "the new host to be in service",
        Duration::from_secs(10),
        || {
            let reg = reg2.clone();
            async move {
                (reg.get_host(h.host_id).await.ok()?.state == HostState::InService).then_some(())
            }
        },
    )
    .await;

    let tags = BTreeMap::from([("role".to_string(), "api".to_string())]);
    let updated = reg
        .update_host(
            h.host_id,
            &UpdateHost {
                tags: Some(tags.clone()),
            },
        )
        .await
        .unwrap();
    assert_eq!(updated.tags, tags);
    assert_eq!(updated.state, HostState::InService);

    // Bad input changes nothing.
    let url = format!("{}/v1/hosts/{}", p.url, h.host_id);
    for (body, code) in [
        (serde_json::json!({"tags": {"ro\u{202e}le": "x"}}), 400),
        (serde_json::json!({"tags": {"role": "x".repeat(300)}}), 400),
        (
            serde_json::json!({"tags": {"role": "web"}, "state": "InService"}),
            400,
        ),
        (serde_json::json!({"tags": ["role=web"]}), 400),
    ] {
        let res = p
            .http()
            .patch(&url)
            .bearer_auth(&p.admin_token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), code, "{body}");
        let err: serde_json::Value = res.json().await.unwrap();
        assert!(err["error"]["code"].is_string(), "{err}");
    }
    let res = p
        .http()
        .patch(&url)
        .bearer_auth(&p.admin_token)
        .body("{")
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 400);
    assert_eq!(reg.get_host(h.host_id).await.unwrap().tags, tags);

    // Another team: 404; a viewer: 403; a malformed or absent id: 400 / 404.
    let other = RegistryClient::new(p.client_with(Some(p.team_token("other", Role::Admin))));
    assert_eq!(
        status(other.update_host(h.host_id, &UpdateHost::default()).await),
        404
    );
    assert_eq!(status(other.get_host(h.host_id).await), 404);
    let viewer = RegistryClient::new(p.client_with(Some(p.team_token("default", Role::Viewer))));
    assert_eq!(
        status(viewer.update_host(h.host_id, &UpdateHost::default()).await),
        403
    );
    assert_eq!(
        status(
            reg.update_host(uuid::Uuid::now_v7(), &UpdateHost::default())
                .await
        ),
        404
    );
    let res = p
        .http()
        .patch(format!("{}/v1/hosts/nope", p.url))
        .bearer_auth(&p.admin_token)
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 400);

    // Filters: unknown state is a 400, state filter works.
    let res = p
        .http()
        .get(format!("{}/v1/hosts?state=Sleeping", p.url))
        .bearer_auth(&p.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 400);
    let res = p
        .http()
        .get(format!("{}/v1/hosts?host=xyz", p.url))
        .bearer_auth(&p.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 400);
    let in_service = reg
        .list_hosts_query(&[("state".into(), "InService".into())])
        .await
        .unwrap();
    assert_eq!(in_service.hosts.len(), 1);
    let failed = reg
        .list_hosts_query(&[("state".into(), "Failed".into())])
        .await
        .unwrap();
    assert!(failed.hosts.is_empty());
    p.stop().await;
}

/// Runs `liftoff ARGS --json` against `p`; answers (exit code, stdout as JSON).
async fn cli(p: &TestPlatform, args: &[&str]) -> (i32, serde_json::Value) {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_liftoff"))
        .args(args)
        .arg("--json")
        .env("LIFTOFF_URL", &p.url)
        .env("LIFTOFF_TOKEN", &p.admin_token)
        .env("LIFTOFF_DATA_DIR", p.dir.path().join("cli-data"))
        .output()
        .await
        .expect("run liftoff");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let json = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("`liftoff {}`: no JSON ({e}): {stdout}", args.join(" ")));
    (out.status.code().unwrap_or(-1), json)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_line_filters_hosts_and_manages_tokens_and_tags() {
    let p = TestPlatform::start().await.unwrap();
    let (code, created) = cli(
        &p,
        &["enroll-token", "create", "--uses", "3", "--tag", "env=prod"],
    )
    .await;
    assert_eq!(code, 0, "{created}");
    let token = created["token"].as_str().unwrap().to_string();
    let token_id = created["token_id"].as_str().unwrap().to_string();
    let web = enroll(&p, &token, "web-1").await.unwrap();
    let (code, listed) = cli(&p, &["enroll-token", "list"]).await;
    assert_eq!(code, 0);
    assert_eq!(listed["enrollment_tokens"][0]["uses"], 1);
    assert_eq!(listed["enrollment_tokens"][0]["uses_left"], 2);

    // Group selector and state filters.
    assert_eq!(cli(&p, &["app", "create", "shop"]).await.0, 0);
    let (code, g) = cli(
        &p,
        &[
            "group",
            "create",
            "--app",
            "shop",
            "api",
            "--selector",
            "role=api",
        ],
    )
    .await;
    assert_eq!(code, 0, "{g}");
    let reg = p.registry();
    wait_for("the host in service", Duration::from_secs(10), || {
        let reg = reg.clone();
        async move {
            (reg.get_host(web.host_id).await.ok()?.state == HostState::InService).then_some(())
        }
    })
    .await;
    let (_, in_group) = cli(&p, &["hosts", "--group", "api"]).await;
    assert_eq!(in_group["hosts"].as_array().unwrap().len(), 0, "{in_group}");
    let (code, tagged) = cli(
        &p,
        &[
            "host",
            "tag",
            &web.host_id.to_string(),
            "role=api",
            "--remove",
            "env",
        ],
    )
    .await;
    assert_eq!(code, 0, "{tagged}");
    assert_eq!(tagged["tags"], serde_json::json!({"role": "api"}));
    let (_, in_group) = cli(&p, &["hosts", "--group", "api", "--app", "shop"]).await;
    assert_eq!(
        in_group["hosts"][0]["host_id"],
        web.host_id.to_string(),
        "{in_group}"
    );
    let (_, in_service) = cli(&p, &["hosts", "--state", "InService", "--zone", "zone-a"]).await;
    assert_eq!(
        in_service["hosts"].as_array().unwrap().len(),
        1,
        "{in_service}"
    );
    let (_, lost) = cli(&p, &["hosts", "--state", "Lost"]).await;
    assert!(lost["hosts"].as_array().unwrap().is_empty());
    let (code, err) = cli(&p, &["hosts", "--state", "Sleepy"]).await;
    assert_ne!(code, 0);
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("--state"),
        "{err}"
    );
    let (code, err) = cli(&p, &["hosts", "--group", "nope"]).await;
    assert_ne!(code, 0, "{err}");

    // Revoke from the command line: enrolling is refused.
    let (code, revoked) = cli(&p, &["enroll-token", "revoke", &token_id]).await;
    assert_eq!(code, 0, "{revoked}");
    assert!(revoked["revoked_at"].is_string());
    assert_eq!(status(enroll(&p, &token, "web-2").await), 401);
    let (code, shown) = cli(&p, &["host", "show", &web.host_id.to_string()]).await;
    assert_eq!(code, 0);
    assert_eq!(shown["state"], "InService");
    let (code, gone) = cli(&p, &["host", "deregister", &web.host_id.to_string()]).await;
    assert_eq!(code, 0);
    assert_eq!(gone["state"], "Deregistered");
    p.stop().await;
}

/// The instance id a host names at enrollment is bound to it: a second live host of the team
/// claiming the same instance is refused, and the tag cannot be moved to another instance
/// later, so an autoscaler's lifecycle action reaches the host that enrolled on it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instance_id_names_one_host_of_a_team_bound_at_enrollment() {
    let p = TestPlatform::start().await.unwrap();
    let (_, token) = create(&p, CreateEnrollmentToken::default()).await;
    let on_instance = |hostname: &str, instance: &str| EnrollRequest {
        enrollment_token: token.clone(),
        hostname: hostname.into(),
        zone: "zone-a".into(),
        tags: BTreeMap::from([("instance-id".to_string(), instance.to_string())]),
        agent_version: None,
    };
    let first = anon(&p)
        .enroll(&on_instance("web-1", "i-0abc"))
        .await
        .unwrap();
    let err = anon(&p)
        .enroll(&on_instance("impostor", "i-0abc"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(409), "{err}");
    assert!(err.to_string().contains("instance_id_taken"), "{err}");
    // Another team's namesake does not block this one (teams share no hosts).
    let other = RegistryClient::new(p.client_with(Some(p.team_token("other", Role::Admin))));
    let other_token = other
        .create_enrollment_token(&Default::default())
        .await
        .unwrap()
        .token
        .unwrap();
    anon(&p)
        .enroll(&EnrollRequest {
            enrollment_token: other_token,
            ..on_instance("theirs", "i-0abc")
        })
        .await
        .unwrap();

    // The tag stays what the host enrolled with.
    let err = p
        .registry()
        .update_host(
            first.host_id,
            &UpdateHost {
                tags: Some(BTreeMap::from([(
                    "instance-id".to_string(),
                    "i-0def".to_string(),
                )])),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(409), "{err}");
    let host = p.registry().get_host(first.host_id).await.unwrap();
    assert_eq!(
        host.tags.get("instance-id").map(String::as_str),
        Some("i-0abc")
    );

    // Once the host is gone, a new host may enroll on the instance.
    p.registry().deregister_host(first.host_id).await.unwrap();
    anon(&p)
        .enroll(&on_instance("web-1-again", "i-0abc"))
        .await
        .unwrap();
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_list_with_a_limit_answers_pages_in_enrollment_order_and_refuses_a_bad_limit() {
    let p = TestPlatform::start().await.unwrap();
    let (_, tok) = create(&p, CreateEnrollmentToken::default()).await;
    let mut ids = Vec::new();
    for name in ["l1", "l2", "l3"] {
        ids.push(enroll(&p, &tok, name).await.expect("enroll").host_id);
    }
    let reg = p.registry();
    let list = |q: &'static [(&'static str, &'static str)]| {
        let reg = reg.clone();
        async move {
            let q: Vec<(String, String)> = q
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            reg.list_hosts_query(&q).await.unwrap().hosts
        }
    };
    let first: Vec<_> = list(&[("limit", "2")])
        .await
        .iter()
        .map(|h| h.host_id)
        .collect();
    assert_eq!(first, ids[..2], "the first two in enrollment order");
    assert_eq!(list(&[("limit", "10000")]).await.len(), 3);
    // With a filter, the limit counts the hosts that pass it.
    let filtered = list(&[("limit", "1"), ("tag", "role=web")]).await;
    assert_eq!(filtered.len(), 1);
    assert_eq!(filtered[0].host_id, ids[0]);
    assert!(list(&[("limit", "5"), ("zone", "zone-b")]).await.is_empty());

    // Pages: `next_cursor` names the page after, until the last page (with and without a
    // filter applied in the registry).
    for filter in [None, Some(("tag", "role=web"))] {
        let (mut seen, mut cursor, mut pages) = (Vec::new(), None::<String>, 0);
        loop {
            let mut q = vec![("limit".to_string(), "2".to_string())];
            q.extend(filter.map(|(k, v)| (k.to_string(), v.to_string())));
            q.extend(cursor.clone().map(|c| ("cursor".to_string(), c)));
            let page = reg.list_hosts_query(&q).await.unwrap();
            assert!(page.hosts.len() <= 2);
            seen.extend(page.hosts.iter().map(|h| h.host_id));
            pages += 1;
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        assert_eq!(seen, ids, "{filter:?}");
        assert_eq!(pages, 2, "{filter:?}");
    }
    let exact = reg
        .list_hosts_query(&[("limit".into(), "3".into())])
        .await
        .unwrap();
    assert_eq!((exact.hosts.len(), exact.next_cursor), (3, None));
    let all = reg.list_hosts_query(&[]).await.unwrap();
    assert_eq!((all.hosts.len(), all.next_cursor), (3, None));
    // A host id the caller cannot see (unknown, or another team's) and a non-id are no cursors.
    let other_team = p
        .http()
        .get(format!(
            "{}/v1/hosts?limit=1&cursor={}",
            p.url,
            uuid::Uuid::now_v7()
        ))
        .bearer_auth(&p.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(other_team.status().as_u16(), 400);
    for bad in ["nope", ""] {
        let res = p
            .http()
            .get(format!("{}/v1/hosts?limit=1&cursor={bad}", p.url))
            .bearer_auth(&p.admin_token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 400, "cursor={bad}");
        let body: serde_json::Value = res.json().await.unwrap();
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("cursor"),
            "cursor={bad}: {body}"
        );
    }

    for bad in ["0", "-1", "ten", "10001", ""] {
        let res = p
            .http()
            .get(format!("{}/v1/hosts?limit={bad}", p.url))
            .bearer_auth(&p.admin_token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 400, "limit={bad}");
        let body: serde_json::Value = res.json().await.unwrap();
        assert!(
            body["error"]["message"].as_str().unwrap().contains("limit"),
            "limit={bad}: {body}"
        );
    }
    p.stop().await;
}
