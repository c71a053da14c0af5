//! Deployment freezes through the real CLI and HTTP API: a team-wide or application-wide
//! freeze refuses deployments with error `frozen` and a non-zero exit, names its reason,
//! leaves other applications alone; only an admin overrides, with a written reason that the
//! audit log keeps; a lifted freeze lets deployments through again; bad input changes nothing.
//! A freeze created before deployment-api pushed freezes to the scheduler is pushed once after
//! the upgrade, so it pauses running rollouts too.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use liftoff_client::AuditQuery;
use liftoff_kit::Role;
use liftoff_testkit::agent::{TestBundle, create_app_and_group, push_bundle};
use liftoff_testkit::{TestPlatform, wait_for};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_liftoff");
const WEB: (&str, &str) = ("role", "web");

/// `liftoff <args> --json` against the platform with `token`: (exit code, the JSON document).
async fn cli(p: &TestPlatform, token: &str, args: &[&str]) -> (i32, Value) {
    let out = tokio::process::Command::new(BIN)
        .args(args)
        .arg("--json")
        .env("LIFTOFF_URL", &p.url)
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

async fn deploy(
    p: &TestPlatform,
    token: &str,
    app: &str,
    revision: &str,
    extra: &[&str],
) -> (i32, Value) {
    let mut args = vec![
        "deploy",
        "--app",
        app,
        "--group",
        "web",
        "--revision",
        revision,
    ];
    args.extend_from_slice(extra);
    cli(p, token, &args).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_freeze_refuses_deployments_until_lifted_and_only_an_admin_overrides_with_a_reason() {
    let p = TestPlatform::start().await.expect("platform");
    let admin = p.admin_token.clone();
    let deployer = p.team_token("default", Role::Deployer);
    let mut revisions = Vec::new();
    for app in ["shop", "cart"] {
        create_app_and_group(&p, app, "web", WEB, "AllAtOnce")
            .await
            .unwrap();
        let r = push_bundle(&p, app, &TestBundle::new("v1")).await.unwrap();
        revisions.push(r.revision_id.to_string());
    }
    let (shop, cart) = (revisions[0].as_str(), revisions[1].as_str());

    // Team-wide, with a duration.
    let (code, team_freeze) = cli(
        &p,
        &deployer,
        &[
            "freeze",
            "create",
            "--reason",
            "year-end change freeze",
            "--until",
            "2h",
        ],
    )
    .await;
    assert_eq!(code, 0, "{team_freeze}");
    let until: chrono::DateTime<chrono::Utc> =
        team_freeze["until"].as_str().unwrap().parse().unwrap();
    let ahead = until - chrono::Utc::now();
    assert!(
        (7100..=7200).contains(&ahead.num_seconds()),
        "{team_freeze}"
    );
    for (app, rev) in [("shop", shop), ("cart", cart)] {
        let (code, refused) = deploy(&p, &deployer, app, rev, &[]).await;
        assert_ne!(code, 0, "{app} deployed during a freeze");
        assert_eq!(refused["error"]["code"], "frozen", "{refused}");
        assert!(
            refused["error"]["message"]
                .as_str()
                .unwrap()
                .contains("year-end change freeze"),
            "{refused}"
        );
    }
    let (_, listed) = cli(&p, &deployer, &["freeze", "list"]).await;
    assert_eq!(listed["freezes"].as_array().unwrap().len(), 1, "{listed}");
    // Deployers may freeze, not lift.
    let id = team_freeze["id"].as_str().unwrap();
    let (code, refused) = cli(&p, &deployer, &["freeze", "lift", id]).await;
    assert_ne!(code, 0);
    assert_eq!(refused["error"]["code"], "forbidden", "{refused}");
    let (code, lifted) = cli(&p, &admin, &["freeze", "lift", id]).await;
    assert_eq!(code, 0, "{lifted}");
    assert!(lifted["lifted_at"].is_string(), "{lifted}");

    // One application, until an RFC 3339 time: the other deploys.
    let at = (chrono::Utc::now() + chrono::Duration::hours(1))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let (code, app_freeze) = cli(
        &p,
        &deployer,
        &[
            "freeze",
            "create",
            "--app",
            "shop",
            "--reason",
            "payment migration",
            "--until",
            &at,
        ],
    )
    .await;
    assert_eq!(code, 0, "{app_freeze}");
    let (code, ok) = deploy(&p, &deployer, "cart", cart, &[]).await;
    assert_eq!(code, 0, "cart is not frozen: {ok}");
    let (code, refused) = deploy(&p, &deployer, "shop", shop, &[]).await;
    assert_ne!(code, 0);
    assert_eq!(refused["error"]["code"], "frozen", "{refused}");

    // A deployer may not override; an admin may, with a reason the audit log keeps.
    let (code, refused) = deploy(
        &p,
        &deployer,
        "shop",
        shop,
        &["--override-freeze", "hotfix INC-42"],
    )
    .await;
    assert_ne!(code, 0);
    assert_eq!(refused["error"]["code"], "forbidden", "{refused}");
    let (code, refused) = deploy(&p, &admin, "shop", shop, &["--override-freeze", "  "]).await;
    assert_ne!(code, 0);
    assert_eq!(refused["error"]["code"], "invalid_field", "{refused}");
    let (code, overridden) = deploy(
        &p,
        &admin,
        "shop",
        shop,
        &["--override-freeze", "hotfix INC-42"],
    )
    .await;
    assert_eq!(code, 0, "{overridden}");
    let deployment_id = overridden["deployment_id"].as_str().unwrap().to_string();

    let history = p.history();
    let audit = wait_for(
        "the freeze decisions in the audit log",
        Duration::from_secs(30),
        || {
            let h = history.clone();
            async move {
                let page = h
                    .audit(&AuditQuery {
                        action: Some("freeze.*".into()),
                        ..Default::default()
                    })
                    .await
                    .ok()?;
                let types: Vec<String> = page.entries.iter().map(|e| e.action.clone()).collect();
                (types.iter().filter(|t| *t == "freeze.created").count() == 2
                    && types.contains(&"freeze.lifted".to_string())
                    && types.contains(&"freeze.overridden".to_string()))
                .then_some(page)
            }
        },
    )
    .await;
    let o = audit
        .entries
        .iter()
        .find(|e| e.action == "freeze.overridden")
        .unwrap();
    let o = serde_json::to_value(o).unwrap();
    assert_eq!(o["data"]["reason"], "hotfix INC-42", "{o}");
    assert_eq!(o["data"]["freeze_reason"], "payment migration", "{o}");
    assert_eq!(o["deployment_id"], deployment_id.as_str(), "{o}");
    assert!(o["actor"].is_string(), "{o}");
    // Each refusal is in the audit log too, with who asked and why it was refused.
    let blocked = history
        .audit(&AuditQuery {
            action: Some("gate.blocked".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let reasons: Vec<String> = blocked
        .entries
        .iter()
        .map(|e| e.data["message"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(
        reasons.len(),
        3,
        "two during the team freeze, one during shop's: {reasons:?}"
    );
    assert!(reasons.iter().all(|m| m.contains("frozen")), "{reasons:?}");
    assert!(blocked.entries.iter().all(|e| e.data["gate"] == "freeze"));
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn freezes_with_bad_input_are_refused_and_change_nothing() {
    let p = TestPlatform::start().await.expect("platform");
    let admin = p.admin_token.clone();
    create_app_and_group(&p, "shop", "web", WEB, "AllAtOnce")
        .await
        .unwrap();
    let http = p.http();
    let post = |token: String, body: Value| {
        let (http, url) = (http.clone(), format!("{}/v1/freezes", p.url));
        async move {
            let r = http
                .post(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let soon = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let past = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
    let far = (chrono::Utc::now() + chrono::Duration::days(400)).to_rfc3339();
    for (body, status) in [
        (json!({"reason": "x", "until": past}), 400),
        (json!({"reason": "x", "until": far}), 400),
        (json!({"reason": " ", "until": soon}), 400),
        (json!({"reason": "x", "until": "tomorrow"}), 400),
        (json!({"reason": "x", "until": soon, "team": "other"}), 400),
        (
            json!({"application": "nope", "reason": "x", "until": soon}),
            404,
        ),
    ] {
        let (got, answer) = post(admin.clone(), body.clone()).await;
        assert_eq!(got, status, "{body}: {answer}");
    }
    let viewer = p.team_token("default", Role::Viewer);
    let (got, _) = post(viewer, json!({"reason": "x", "until": soon})).await;
    assert_eq!(got, 403);
    // An `--until` that is neither a time nor a duration stops the CLI before any request.
    let out = tokio::process::Command::new(BIN)
        .args(["freeze", "create", "--reason", "x", "--until", "2w"])
        .env("LIFTOFF_URL", &p.url)
        .env("LIFTOFF_TOKEN", &admin)
        .output()
        .await
        .unwrap();
    assert_ne!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("RFC 3339"));
    let (_, listed) = cli(&p, &admin, &["freeze", "list"]).await;
    assert_eq!(listed["freezes"], json!([]), "a refusal froze something");
    // Another team's freeze does not exist for it.
    let (_, mine) = post(admin.clone(), json!({"reason": "mine", "until": soon})).await;
    let other = p.team_token("other-team", Role::Admin);
    let id = mine["id"].as_str().unwrap();
    let r = http
        .delete(format!("{}/v1/freezes/{id}", p.url))
        .bearer_auth(&other)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
    p.stop().await;
}

/// The freezes in the scheduler's copy that are not lifted.
fn scheduler_freezes(p: &TestPlatform) -> Vec<String> {
    use diesel::{Connection, RunQueryDsl};
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        freeze_id: String,
    }
    let sql = "SELECT freeze_id FROM gate_freezes WHERE lifted_at IS NULL ORDER BY freeze_id";
    let rows: Vec<Row> = match &p.database_url {
        Some(url) => {
            let mut c = diesel::PgConnection::establish(url).unwrap();
            diesel::sql_query(sql.replace("gate_freezes", "scheduler.gate_freezes"))
                .load(&mut c)
                .unwrap()
        }
        None => {
            let path = p.data_dir().join("scheduler.db");
            let mut c = diesel::SqliteConnection::establish(path.to_str().unwrap()).unwrap();
            diesel::sql_query(sql).load(&mut c).unwrap()
        }
    };
    rows.into_iter().map(|r| r.freeze_id).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_freeze_from_before_the_push_reaches_the_scheduler_once_after_the_upgrade() {
    let mut p = TestPlatform::start().await.expect("platform");
    let admin = p.admin_token.clone();
    let mut ids = Vec::new();
    for reason in ["held", "lifted soon"] {
        let (code, f) = cli(
            &p,
            &admin,
            &["freeze", "create", "--reason", reason, "--until", "2h"],
        )
        .await;
        assert_eq!(code, 0, "{f}");
        ids.push(f["id"].as_str().unwrap().to_string());
    }
    let (held, lifted) = (ids[0].clone(), ids[1].clone());
    let (code, out) = cli(&p, &admin, &["freeze", "lift", &lifted]).await;
    assert_eq!(code, 0, "{out}");
    wait_for(
        "the scheduler to hold the freeze",
        Duration::from_secs(30),
        || {
            let held = held.clone();
            let now = scheduler_freezes(&p);
            async move { (now == vec![held]).then_some(()) }
        },
    )
    .await;

    // As an older version left things: the freezes never pushed, the scheduler without them.
    assert_eq!(
        p.exec_sql("deployment-api", "UPDATE freezes SET pushed_at = NULL"),
        2
    );
    p.exec_sql("scheduler", "DELETE FROM gate_freezes");
    p.restart(Default::default()).await.unwrap();
    wait_for(
        "the old freeze to be pushed",
        Duration::from_secs(30),
        || {
            let held = held.clone();
            let now = scheduler_freezes(&p);
            async move { (now == vec![held]).then_some(()) }
        },
    )
    .await;
    // Marked, so the next start pushes nothing: the lifted one was never pushed again.
    assert_eq!(
        p.exec_sql(
            "deployment-api",
            "UPDATE freezes SET reason = reason WHERE pushed_at IS NULL AND lifted_at IS NULL"
        ),
        0
    );
    p.stop().await;
}
