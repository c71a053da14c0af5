//! The slim `liftoff-agent` binary is the same agent: it enrolls and runs a deployment.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::Duration;

use liftoff_testkit::agent::{
    TestBundle, TestHook, create_app_and_group, deploy, push_bundle, wait_enrolled,
};
use liftoff_testkit::{AgentOptions, AgentProcess, TestPlatform};
use liftoff_types::deployments::DeploymentStatus;

const BIN: &str = env!("CARGO_BIN_EXE_liftoff-agent");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_slim_agent_binary_enrolls_and_deploys() {
    let p = TestPlatform::start().await.expect("platform");
    let token = p.enrollment_token().await.unwrap();
    let mut opts = AgentOptions::new(&p.url, &token, "zone-a", &p.dir.path().join("host-0"))
        .tag("role", "web");
    opts.poll_wait_secs = 1;
    let agent = AgentProcess::start(Path::new(BIN), &opts).unwrap();
    wait_enrolled(&p, ("role", "web"), 1, Duration::from_secs(60)).await;
    create_app_and_group(&p, "shop", "web", ("role", "web"), "AllAtOnce")
        .await
        .unwrap();
    let rev = push_bundle(
        &p,
        "shop",
        &TestBundle::new("v1").hook(TestHook::new(
            "ValidateService",
            "test \"$(cat \"$LIFTOFF_INSTALL_ROOT/opt/app/VERSION\")\" = v1 && echo serving",
        )),
    )
    .await
    .unwrap();
    let d = deploy(&p, "shop", "web", &rev, Duration::from_secs(60)).await;
    assert_eq!(
        d.status,
        DeploymentStatus::Succeeded,
        "{d:#?}\n{}",
        agent.log_text()
    );
    agent.stop().await;
    p.stop().await;
}
