//! The resource commands as users type them, each with `--json`: app, revision (upload and
//! URL), group, config, deployments.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/bundle_server.rs"]
mod bundle_server;
#[path = "support/cli.rs"]
mod cli_support;

use std::collections::BTreeMap;

use bundle_server::{BundleServer, Reply};
use cli_support::Cli;
use liftoff_platform::ServiceSettings;
use liftoff_testkit::TestPlatform;
use liftoff_types::registry::EnrollRequest;
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resource_commands_work_from_the_command_line() {
    let mut settings = ServiceSettings::default();
    settings.deployment_api.bundle_fetch.allow = vec!["127.0.0.1".parse().unwrap()];
    let p = TestPlatform::start_with(settings).await.expect("platform");
    let cli = Cli { p: &p };

    // app
    cli.ok(&["app", "create", "shop", "--description", "first"])
        .await;
    let a = cli
        .ok(&[
            "app",
            "update",
            "shop",
            "--description",
            "second",
            "--stages",
            "dev,prod",
        ])
        .await;
    assert_eq!(a["description"], "second");
    assert_eq!(a["stages"], serde_json::json!(["dev", "prod"]));
    let a = cli
        .ok(&[
            "app",
            "update",
            "shop",
            "--clear-description",
            "--no-stages",
        ])
        .await;
    assert_eq!(a["description"], Value::Null);
    assert_eq!(a["stages"], serde_json::json!([]));
    assert_eq!(cli.ok(&["app", "get", "shop"]).await["name"], "shop");
    assert_eq!(
        cli.ok(&["app", "list"]).await["applications"][0]["name"],
        "shop"
    );
    cli.fails(
        &["app", "update", "nope", "--description", "x"],
        "not_found",
    )
    .await;

    // config
    let c = cli
        .ok(&[
            "config",
            "create",
            "three",
            "--min-healthy-hosts",
            "3",
            "--zone-mode",
            "zone-at-a-time",
            "--canary",
            "1",
        ])
        .await;
    assert_eq!(
        c["minimum_healthy"],
        serde_json::json!({"type": "HOST_COUNT", "value": 3})
    );
    assert_eq!(c["zone_mode"], "zone-at-a-time");
    let c = cli
        .ok(&["config", "create", "most", "--min-healthy-percent", "75"])
        .await;
    assert_eq!(c["minimum_healthy"]["type"], "FLEET_PERCENT");
    cli.fails(
        &["config", "create", "all", "--min-healthy-percent", "100"],
        "invalid_field",
    )
    .await;
    let l = cli.ok(&["config", "list"]).await;
    assert_eq!(l["deployment_configs"].as_array().unwrap().len(), 5);
    assert_eq!(
        cli.ok(&["config", "get", "three"]).await["canary_batch_size"],
        1
    );

    // group
    let g = cli
        .ok(&[
            "group",
            "create",
            "--app",
            "shop",
            "web",
            "--selector",
            "role=web",
            "--config",
            "three",
            "--stage",
            "dev",
        ])
        .await;
    assert_eq!(
        (g["deployment_config"].as_str(), g["stage"].as_str()),
        (Some("three"), Some("dev"))
    );
    let g = cli
        .ok(&[
            "group",
            "update",
            "--app",
            "shop",
            "web",
            "--config",
            "most",
            "--auto-rollback",
            "true",
            "--policy",
            "queue",
            "--no-stage",
            "--selector",
            "role=web",
            "--selector",
            "role=api",
        ])
        .await;
    assert_eq!(g["deployment_config"], "most");
    assert_eq!(g["auto_rollback"], true);
    assert_eq!(g["concurrency_policy"], "queue");
    assert_eq!(g["stage"], Value::Null);
    assert_eq!(g["selector"]["role"], serde_json::json!(["web", "api"]));
    assert_eq!(
        cli.ok(&["group", "list", "--app", "shop"]).await["deployment_groups"][0]["name"],
        "web"
    );
    cli.fails(
        &[
            "group", "update", "--app", "shop", "web", "--config", "nope",
        ],
        "invalid_field",
    )
    .await;
    cli.fails(&["config", "delete", "most"], "config_in_use")
        .await;
    assert_eq!(
        cli.ok(&["config", "delete", "three"]).await["deleted"],
        "three"
    );

    // revision: a directory, then the same bundle by URL
    let dir = p.dir.path().join("bundle");
    liftoff_testkit::write_bundle(&dir, "v1", &[("BeforeInstall", "true")]).unwrap();
    let archive = p.dir.path().join("v1.tar.gz");
    liftoff_testkit::pack(&dir, &archive).unwrap();
    let sha = liftoff_bundle::sha256_file(&archive).unwrap();
    let server = BundleServer::start().await;
    server.route("/v1.tar.gz", Reply::Bytes(std::fs::read(&archive).unwrap()));
    let url = server.url("/v1.tar.gz");
    let r = cli
        .ok(&[
            "revision",
            "push",
            "--app",
            "shop",
            "--url",
            &url,
            "--sha256",
            &sha,
            "--version-label",
            "v1",
        ])
        .await;
    assert_eq!(
        (r["created"].as_bool(), r["source_url"].as_str()),
        (Some(true), Some(url.as_str()))
    );
    let again = cli
        .ok(&[
            "revision",
            "push",
            "--app",
            "shop",
            archive.to_str().unwrap(),
        ])
        .await;
    assert_eq!(
        again["revision_id"], r["revision_id"],
        "same bytes, same revision"
    );
    cli.fails(
        &[
            "revision",
            "push",
            "--app",
            "shop",
            "--url",
            "http://169.254.169.254/latest/meta-data/",
            "--sha256",
            &sha,
        ],
        "bundle_url_forbidden",
    )
    .await;
    let rev_id = r["revision_id"].as_str().unwrap().to_string();

    // deployments: a host that never polls keeps one running until stopped
    let token = p.enrollment_token().await.unwrap();
    p.registry()
        .enroll(&EnrollRequest {
            enrollment_token: token,
            hostname: "silent".into(),
            zone: "zone-a".into(),
            tags: BTreeMap::from([("role".to_string(), "web".to_string())]),
            agent_version: None,
        })
        .await
        .unwrap();
    let d = cli
        .ok(&[
            "deploy",
            "--app",
            "shop",
            "--group",
            "web",
            "--revision",
            &rev_id,
            // The group's "most" keeps every host of a one-host fleet healthy, so it would fail
            // at once; all at once lets the silent host be dispatched and the deployment run.
            "--config",
            "AllAtOnce",
        ])
        .await;
    let id = d["deployment_id"].as_str().unwrap().to_string();
    cli.fails(&["app", "delete", "shop", "--yes"], "deployments_active")
        .await;
    cli.ok(&["stop", &id]).await;
    let l = cli
        .ok(&[
            "deployments",
            "--app",
            "shop",
            "--since",
            "1h",
            "--reason",
            "user",
        ])
        .await;
    assert_eq!(l["deployments"][0]["deployment_id"], id.as_str());
    assert_eq!(l["deployments"][0]["created_by"], "admin");
    let l = cli.ok(&["deployments", "--until", "2h"]).await;
    assert!(l["deployments"].as_array().unwrap().is_empty(), "{l}");
    let l = cli.ok(&["deployments", "--reason", "promotion"]).await;
    assert!(l["deployments"].as_array().unwrap().is_empty(), "{l}");
    let revs = cli.ok(&["revision", "list", "--app", "shop"]).await;
    assert!(
        revs["revisions"][0]["first_deployed_at"].is_string(),
        "{revs}"
    );

    // app delete needs --yes, then removes everything
    let (code, out) = cli.run(&["app", "delete", "shop"]).await;
    assert_ne!(code, 0);
    assert!(
        out["error"]["message"].as_str().unwrap().contains("--yes"),
        "{out}"
    );
    let del = cli.ok(&["app", "delete", "shop", "--yes"]).await;
    assert_eq!(
        (del["revisions"].as_u64(), del["deployments"].as_u64()),
        (Some(1), Some(1))
    );
    cli.fails(&["app", "get", "shop"], "not_found").await;
    p.stop().await;
}
