//! The autoscaling intake: signed lifecycle-hook events (signature, timestamp, replay,
//! rotation), scale-out answered from the host's install, scale-in with and without a
//! reachable agent, and lifecycle actions that time out.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "registry_common/mod.rs"]
mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use common::*;
use liftoff_client::EventQuery;
use liftoff_testkit::{TestPlatform, wait_for};
use liftoff_types::autoscaling::{LifecycleAction, LifecycleActionStatus, LifecycleResult};
use liftoff_types::deployments::DeploymentStatus;
use liftoff_types::registry::HostState;

/// A platform whose autoscaling secrets are read from a file the test rewrites.
async fn with_secret_file(lines: &str) -> (TestPlatform, PathBuf) {
    let file = tempfile::NamedTempFile::new()
        .unwrap()
        .into_temp_path()
        .keep()
        .unwrap();
    std::fs::write(&file, lines).unwrap();
    let mut s = fast_settings();
    s.registry.autoscaling.secret_file = Some(file.clone());
    s.registry.autoscaling.heartbeat_timeout = Duration::from_secs(2);
    (start(s).await, file)
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Posts `body` signed with `secret` at `ts`; answers (status, JSON body).
async fn post(p: &TestPlatform, body: &[u8], ts: i64, sig: &str) -> (u16, serde_json::Value) {
    let res = p
        .http()
        .post(format!("{}/v1/autoscaling/events", p.url))
        .header("content-type", "application/json")
        .header("x-liftoff-timestamp", ts.to_string())
        .header("x-liftoff-signature", sig)
        .body(body.to_vec())
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(serde_json::Value::Null))
}

fn sign(secret: &str, ts: i64, body: &[u8]) -> String {
    liftoff_host_registry::sign_autoscaling_event(secret.as_bytes(), ts, body).unwrap()
}

async fn send(p: &TestPlatform, secret: &str, body: &[u8]) -> (u16, serde_json::Value) {
    let ts = now();
    post(p, body, ts, &sign(secret, ts, body)).await
}

fn generic(id: &str, kind: &str, instance: &str) -> Vec<u8> {
    format!(r#"{{"id": "{id}", "type": "{kind}", "instance_id": "{instance}"}}"#).into_bytes()
}

fn eventbridge(id: &str, launch: bool, instance: &str) -> Vec<u8> {
    let (dt, transition) = if launch {
        (
            "EC2 Instance-launch Lifecycle Action",
            "EC2_INSTANCE_LAUNCHING",
        )
    } else {
        (
            "EC2 Instance-terminate Lifecycle Action",
            "EC2_INSTANCE_TERMINATING",
        )
    };
    format!(
        r#"{{"version":"0","id":"{id}","detail-type":"{dt}","source":"aws.autoscaling","account":"123456789012","time":"2026-11-26T10:00:00Z","region":"us-west-2","resources":["arn:aws:autoscaling:us-west-2:123456789012:autoScalingGroup:web-asg"],"detail":{{"LifecycleActionToken":"87654321-4321-4321-4321-210987654321","AutoScalingGroupName":"web-asg","LifecycleHookName":"liftoff","EC2InstanceId":"{instance}","LifecycleTransition":"autoscaling:{transition}","Origin":"EC2","Destination":"AutoScalingGroup"}}}}"#
    )
    .into_bytes()
}

async fn action(p: &TestPlatform, event_id: &str) -> Option<LifecycleAction> {
    p.registry()
        .lifecycle_actions()
        .await
        .ok()?
        .lifecycle_actions
        .into_iter()
        .find(|a| a.event_id == event_id)
}

async fn wait_answered(p: &TestPlatform, event_id: &str) -> LifecycleAction {
    wait_for(
        &format!("lifecycle action {event_id} answered"),
        Duration::from_secs(60),
        || async { action(p, event_id).await.filter(|a| a.result.is_some()) },
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_signature_replay_rotation_and_timestamp_table() {
    let (p, file) = with_secret_file("new-secret\nold-secret\n").await;
    let body = generic("evt-1", "scale_in", "i-unknown");

    // The signature covers the raw bytes: the same JSON re-serialized does not verify.
    let ts = now();
    let sig = sign("new-secret", ts, &body);
    let reserialized =
        serde_json::to_vec(&serde_json::from_slice::<serde_json::Value>(&body).unwrap()).unwrap();
    assert_ne!(reserialized, body);
    let cases: Vec<(&str, Vec<u8>, i64, String, u16)> = vec![
        ("no signature", body.clone(), ts, String::new(), 401),
        (
            "wrong secret",
            body.clone(),
            ts,
            sign("guess", ts, &body),
            401,
        ),
        ("re-serialized JSON", reserialized, ts, sig.clone(), 401),
        (
            "timestamp 6 minutes old",
            body.clone(),
            ts - 360,
            sign("new-secret", ts - 360, &body),
            401,
        ),
        (
            "timestamp 6 minutes ahead",
            body.clone(),
            ts + 360,
            sign("new-secret", ts + 360, &body),
            401,
        ),
        (
            "signature for another timestamp",
            body.clone(),
            ts,
            sign("new-secret", ts - 1, &body),
            401,
        ),
        (
            "flipped signature digit",
            body.clone(),
            ts,
            {
                let mut s = sig.clone();
                let last = if s.ends_with('0') { '1' } else { '0' };
                s.pop();
                s.push(last);
                s
            },
            401,
        ),
    ];
    for (what, b, t, s, want) in cases {
        let (got, err) = post(&p, &b, t, &s).await;
        assert_eq!(got, want, "{what}: {err}");
        assert_eq!(err["error"]["code"], "invalid_signature", "{what}: {err}");
    }
    assert!(
        action(&p, "evt-1").await.is_none(),
        "a refused event leaves no trace"
    );

    // Within 5 minutes, either secret of the rotation verifies.
    let (got, first) = post(&p, &body, ts - 240, &sign("new-secret", ts - 240, &body)).await;
    assert_eq!(got, 202, "{first}");
    assert_eq!(first["duplicate"], false);
    assert_eq!(
        first["action"]["result"], "CONTINUE",
        "no host runs on i-unknown: {first}"
    );
    let (got, second) = send(&p, "old-secret", &generic("evt-2", "scale_in", "i-unknown")).await;
    assert_eq!(got, 202, "{second}");

    // A replay of evt-1 (freshly signed) does nothing more and says so.
    let (got, replay) = send(&p, "old-secret", &body).await;
    assert_eq!(got, 200, "{replay}");
    assert_eq!(replay["duplicate"], true);
    assert_eq!(replay["action"]["action_id"], first["action"]["action_id"]);
    let actions = p
        .registry()
        .lifecycle_actions()
        .await
        .unwrap()
        .lifecycle_actions;
    assert_eq!(actions.iter().filter(|a| a.event_id == "evt-1").count(), 1);
    // Events for instances no host runs on belong to no team: a service credential sees them.
    let (service, _) = p
        .authority
        .mint(
            liftoff_kit::auth::TokenKind::Service,
            "test",
            None,
            None,
            false,
            chrono::Duration::minutes(5),
        )
        .unwrap();
    let hist = liftoff_client::HistoryClient::new(p.client_with(Some(service)));
    wait_for(
        "one history event for evt-1",
        Duration::from_secs(30),
        || {
            let hist = hist.clone();
            async move {
                let page = hist
                    .events(&EventQuery {
                        event_type: Some("autoscaling.lifecycle_action_started".into()),
                        limit: Some(100),
                        ..Default::default()
                    })
                    .await
                    .ok()?;
                let n = page
                    .events
                    .iter()
                    .filter(|e| e.event.data["event_id"] == "evt-1")
                    .count();
                (n == 1).then_some(())
            }
        },
    )
    .await;

    // Rotation done: the old secret stops verifying; the new one still does.
    std::fs::write(&file, "new-secret\n").unwrap();
    let (got, _) = send(&p, "old-secret", &generic("evt-3", "scale_in", "i-unknown")).await;
    assert_eq!(got, 401);
    let (got, _) = send(&p, "new-secret", &generic("evt-4", "scale_in", "i-unknown")).await;
    assert_eq!(got, 202);

    // Bad bodies behind a good signature: 400 / 422; a wrong content type: 415.
    for (b, want) in [
        (br#"{"id": "evt-5", "type": "scale_in""#.to_vec(), 400),
        (
            br#"{"id": "evt-5", "type": "sideways", "instance_id": "i-1"}"#.to_vec(),
            400,
        ),
        (
            br#"{"id": "evt-5", "type": "scale_in", "instance_id": "i-1", "team": "x"}"#.to_vec(),
            400,
        ),
        (eventbridge("evt-6", true, "i-1"), 202),
        (
            String::from_utf8(eventbridge("evt-7", true, "i-1"))
                .unwrap()
                .replace(
                    "EC2 Instance-launch Lifecycle Action",
                    "EC2 Instance Launch Successful",
                )
                .into_bytes(),
            422,
        ),
    ] {
        let (got, res) = send(&p, "new-secret", &b).await;
        assert_eq!(got, want, "{}: {res}", String::from_utf8_lossy(&b));
    }
    let ts = now();
    let b = generic("evt-8", "scale_in", "i-1");
    let res = p
        .http()
        .post(format!("{}/v1/autoscaling/events", p.url))
        .header("content-type", "text/plain")
        .header("x-liftoff-timestamp", ts.to_string())
        .header("x-liftoff-signature", sign("new-secret", ts, &b))
        .body(b)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 415);

    // A scale-out nobody answers times out with its default result (ABANDON, as EC2).
    let timed_out = wait_answered(&p, "evt-6").await;
    assert_eq!(
        timed_out.status,
        LifecycleActionStatus::TimedOut,
        "{timed_out:#?}"
    );
    assert_eq!(timed_out.result, Some(LifecycleResult::Abandon));
    p.stop().await;

    // Without any secret configured the intake is off.
    let q = start(fast_settings()).await;
    let (got, _) = send(&q, "anything", &generic("evt-9", "scale_in", "i-1")).await;
    assert_eq!(got, 403);
    q.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scale_out_answers_continue_when_in_service_and_abandon_when_the_install_fails() {
    let (p, _file) = with_secret_file("s3cret\n").await;
    setup_app(&p).await;
    let t = token(&p).await;
    let (a, _) = agent(&p, &t, "a", &[("role", "web")]).await;
    let mut scripts = recording("v1");
    scripts.push((
        "BeforeInstall",
        "test ! -e \"$LIFTOFF_ROOT/broken\" || exit 4".into(),
    ));
    let v1 = push(&p, "v1", &scripts).await;
    let d1 = wait_deployment(&p, deploy(&p, &v1).await.deployment_id).await;
    assert_eq!(d1.status, DeploymentStatus::Succeeded);

    // The launch event arrives before the instance's agent enrolls (a long timeout here).
    let mut body = eventbridge("launch-1", true, "i-0aaa");
    let (got, res) = send(&p, "s3cret", &body).await;
    assert_eq!(got, 202, "{res}");
    assert_eq!(res["action"]["status"], "InProgress");
    let (b, b_id) = agent(&p, &t, "b", &[("role", "web"), ("instance-id", "i-0aaa")]).await;
    wait_state(&p, b_id, HostState::InService).await;
    let answered = wait_answered(&p, "launch-1").await;
    assert_eq!(
        answered.result,
        Some(LifecycleResult::Continue),
        "{answered:#?}"
    );
    assert_eq!(answered.host_id, Some(b_id));
    assert_eq!(
        answered.lifecycle_action_token.as_deref(),
        Some("87654321-4321-4321-4321-210987654321")
    );

    // An instance whose install fails: ABANDON, with the reason.
    let root = root_of(&p, "c");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(root.join("broken"), "").unwrap();
    body = generic("launch-2", "scale_out", "i-0ccc");
    let (got, _) = send(&p, "s3cret", &body).await;
    assert_eq!(got, 202);
    let (c, c_id) = spawn_at(
        &p,
        &t,
        "c",
        &[("role", "web"), ("instance-id", "i-0ccc")],
        &root,
    )
    .await;
    wait_state(&p, c_id, HostState::Failed).await;
    let answered = wait_answered(&p, "launch-2").await;
    assert_eq!(
        answered.result,
        Some(LifecycleResult::Abandon),
        "{answered:#?}"
    );
    assert!(
        answered
            .message
            .unwrap_or_default()
            .contains("install failed")
    );

    // The event arriving after the host is already in service is answered at once.
    let (got, res) = send(&p, "s3cret", &generic("launch-3", "scale_out", "i-0aaa")).await;
    assert_eq!(got, 202);
    assert_eq!(res["action"]["result"], "CONTINUE", "{res}");
    for x in [a, b, c] {
        x.stop().await;
    }
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scale_in_stops_the_application_on_a_reachable_host_then_deregisters_it() {
    let (p, _file) = with_secret_file("s3cret\n").await;
    setup_app(&p).await;
    let t = token(&p).await;
    let mut scripts = recording("v1");
    scripts.push((
        "ApplicationStop",
        "echo \"stopped by $LIFTOFF_SCALE_IN\" > \"$LIFTOFF_ROOT/stopped\"".into(),
    ));
    // The environment ApplicationStop gets at scale-in, and one a deployment's hook gets.
    scripts.push(("ApplicationStop", "env > \"$LIFTOFF_ROOT/stop.env\"".into()));
    scripts.push((
        "ApplicationStart",
        "env > \"$LIFTOFF_ROOT/start.env\"".into(),
    ));
    let (a, a_id) = agent(&p, &t, "a", &[("role", "web"), ("instance-id", "i-0aaa")]).await;
    let (b, b_id) = agent(&p, &t, "b", &[("role", "web"), ("instance-id", "i-0bbb")]).await;
    let v1 = push(&p, "v1", &scripts).await;
    let d1 = wait_deployment(&p, deploy(&p, &v1).await.deployment_id).await;
    assert_eq!(d1.status, DeploymentStatus::Succeeded);

    // Reachable: ApplicationStop runs on the host, then it is deregistered; CONTINUE.
    let (got, res) = send(&p, "s3cret", &eventbridge("term-1", false, "i-0aaa")).await;
    assert_eq!(got, 202, "{res}");
    let answered = wait_answered(&p, "term-1").await;
    assert_eq!(
        answered.result,
        Some(LifecycleResult::Continue),
        "{answered:#?}"
    );
    assert_eq!(answered.host_id, Some(a_id));
    assert_eq!(
        std::fs::read_to_string(root_of(&p, "a").join("stopped")).unwrap(),
        "stopped by 1\n"
    );
    // ApplicationStop at scale-in gets CodeDeploy's environment like any hook: the
    // application, group and deployment of the revision it stops.
    let env_of = |file: &str| -> BTreeMap<String, String> {
        std::fs::read_to_string(root_of(&p, "a").join(file))
            .unwrap_or_else(|e| panic!("{file}: {e}"))
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let (stop, start) = (env_of("stop.env"), env_of("start.env"));
    for (key, want) in [
        ("LIFECYCLE_EVENT", "ApplicationStop".to_string()),
        ("APPLICATION_NAME", "shop".to_string()),
        ("DEPLOYMENT_GROUP_NAME", "web".to_string()),
        ("DEPLOYMENT_GROUP_ID", start["DEPLOYMENT_GROUP_ID"].clone()),
        ("DEPLOYMENT_ID", d1.deployment_id.to_string()),
        ("LIFTOFF_REVISION_ID", v1.revision_id.to_string()),
        ("LIFTOFF_HOST_ID", a_id.to_string()),
        ("LIFTOFF_SCALE_IN", "1".to_string()),
    ] {
        assert_eq!(
            stop.get(key),
            Some(&want),
            "{key} in ApplicationStop's environment at scale-in: {stop:#?}"
        );
    }
    for key in start.keys().filter(|k| {
        matches!(
            k.as_str(),
            "LIFECYCLE_EVENT" | "DEPLOYMENT_ID" | "APPLICATION_NAME" | "DEPLOYMENT_GROUP_NAME"
        ) || k.starts_with("DEPLOYMENT_GROUP")
            || k.starts_with("LIFTOFF_")
    }) {
        assert!(
            stop.contains_key(key),
            "{key}, which a deployment's hooks get, is missing at scale-in: {stop:#?}"
        );
    }
    assert_eq!(stop["LIFTOFF_ROOT"], start["LIFTOFF_ROOT"]);
    // Every hook gets TRACEPARENT; with no trace recorded (nothing exports spans here), the
    // deployment's id is its trace id and it is not sampled.
    for (which, env) in [
        ("ApplicationStop at scale-in", &stop),
        ("ApplicationStart", &start),
    ] {
        let tp = env
            .get("TRACEPARENT")
            .unwrap_or_else(|| panic!("no TRACEPARENT for {which}: {env:#?}"));
        assert!(
            tp.starts_with(&format!("00-{}-", d1.deployment_id.simple())) && tp.ends_with("-00"),
            "{which}: {tp}"
        );
    }
    let gone = p.registry().get_host(a_id).await.unwrap();
    assert_eq!(gone.state, HostState::Deregistered);
    assert!(
        gone.state_reason
            .unwrap_or_default()
            .contains("ApplicationStop succeeded")
    );

    // Unreachable (its agent is gone and it is Lost): deregistered at once, without
    // ApplicationStop; CONTINUE with the reason.
    let pid = b.pid().unwrap();
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    wait_state(&p, b_id, HostState::Lost).await;
    let (got, res) = send(&p, "s3cret", &generic("term-2", "scale_in", "i-0bbb")).await;
    assert_eq!(got, 202, "{res}");
    assert_eq!(res["action"]["result"], "CONTINUE", "{res}");
    assert!(
        res["action"]["message"]
            .as_str()
            .unwrap()
            .contains("unreachable"),
        "{res}"
    );
    assert_eq!(
        p.registry().get_host(b_id).await.unwrap().state,
        HostState::Deregistered
    );
    assert!(!root_of(&p, "b").join("stopped").exists());
    assert!(
        p.registry()
            .list_hosts(&[], None)
            .await
            .unwrap()
            .hosts
            .is_empty()
    );
    a.stop().await;
    drop(b);
    p.stop().await;
}

/// The host's run-as policy holds at scale-in too: a host restarted with `--no-root-hooks`
/// does not run a root ApplicationStop of what it installed before; the scale-in says why and
/// the autoscaler is told to ABANDON (the host is deregistered either way).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scale_in_keeps_the_hosts_no_root_policy() {
    if !nix::unistd::geteuid().is_root() {
        // Hooks run as the agent's own user: only as root is there a root hook to refuse.
        eprintln!("skipped: the no-root policy is only testable as root");
        return;
    }
    let (p, _file) = with_secret_file("s3cret\n").await;
    setup_app(&p).await;
    let t = token(&p).await;
    let mut scripts = recording("v1");
    scripts.push((
        "ApplicationStop",
        "echo stopped > \"$LIFTOFF_ROOT/stopped\"".into(),
    ));
    let root = root_of(&p, "c");
    let (c, c_id) = spawn_at(
        &p,
        &t,
        "c",
        &[("role", "web"), ("instance-id", "i-0ccc")],
        &root,
    )
    .await;
    let v1 = push(&p, "v1", &scripts).await;
    let d1 = wait_deployment(&p, deploy(&p, &v1).await.deployment_id).await;
    assert_eq!(d1.status, DeploymentStatus::Succeeded);

    // The operator tightens the host's policy: same host, now without root hooks.
    c.stop().await;
    let opts = liftoff_testkit::AgentOptions::new(&p.url, &t, "zone-a", &root)
        .tag("name", "c")
        .tag("role", "web")
        .tag("instance-id", "i-0ccc")
        .arg("--no-root-hooks");
    let c = liftoff_testkit::AgentProcess::start(std::path::Path::new(BIN), &opts).unwrap();
    wait_state(&p, c_id, HostState::InService).await;

    let (got, res) = send(&p, "s3cret", &eventbridge("term-c", false, "i-0ccc")).await;
    assert_eq!(got, 202, "{res}");
    let answered = wait_answered(&p, "term-c").await;
    assert_eq!(
        answered.result,
        Some(LifecycleResult::Abandon),
        "{answered:#?}"
    );
    let why = answered.message.clone().unwrap_or_default();
    assert!(why.contains("root"), "{answered:#?}");
    assert!(
        !root.join("stopped").exists(),
        "the refused ApplicationStop did not run"
    );
    assert_eq!(
        p.registry().get_host(c_id).await.unwrap().state,
        HostState::Deregistered
    );
    c.stop().await;
    p.stop().await;
}

/// Hosts of two teams naming the same instance: the autoscaler's signed event cannot say which
/// team it speaks for, so neither host is trusted with the action (before, the first host to
/// claim the instance got it, whichever team it belonged to). Within one team the instance is
/// bound at enrollment, so there it always names one host.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instance_claimed_by_hosts_of_two_teams_goes_to_neither() {
    let (p, _file) = with_secret_file("s3cret\n").await;
    let enroll = |token: String, name: &str| {
        let p = &p;
        let name = name.to_string();
        async move {
            liftoff_client::RegistryClient::new(p.client_with(None))
                .enroll(&liftoff_types::registry::EnrollRequest {
                    enrollment_token: token,
                    hostname: name,
                    zone: "zone-a".into(),
                    tags: BTreeMap::from([("instance-id".to_string(), "i-0shared".to_string())]),
                    agent_version: None,
                })
                .await
                .unwrap()
        }
    };
    // The claim of another team comes first.
    let intruder_admin = liftoff_client::RegistryClient::new(p.client_with(Some(
        p.team_token("intruders", liftoff_kit::auth::Role::Admin),
    )));
    let theirs = intruder_admin
        .create_enrollment_token(&Default::default())
        .await
        .unwrap()
        .token
        .unwrap();
    let intruder = enroll(theirs, "intruder").await;
    let ours = enroll(token(&p).await, "web-1").await;

    let (got, res) = send(&p, "s3cret", &generic("in-1", "scale_in", "i-0shared")).await;
    assert_eq!(got, 202, "{res}");
    let action = action(&p, "in-1").await.unwrap();
    assert_eq!(action.host_id, None, "{action:#?}");
    // Neither host was told to stop or deregistered.
    for (client, id) in [
        (&intruder_admin, intruder.host_id),
        (&p.registry(), ours.host_id),
    ] {
        let host = client.get_host(id).await.unwrap();
        assert_ne!(host.state, HostState::Deregistered, "{host:?}");
    }
    p.stop().await;
}

/// Scale-in reaches a host that is not heartbeating because its long polls count as its
/// heartbeats (a grace long enough for that): the registry names it in its answer to the
/// scheduler's feed, the scheduler answers the host's poll at once asking for a heartbeat, and
/// the heartbeat's answer carries the request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scale_in_reaches_a_host_whose_polls_are_its_heartbeats() {
    let file = tempfile::NamedTempFile::new()
        .unwrap()
        .into_temp_path()
        .keep()
        .unwrap();
    std::fs::write(&file, "s3cret\n").unwrap();
    let mut s = liftoff_platform::ServiceSettings::default();
    s.registry.heartbeat_interval = Duration::from_secs(2);
    s.registry.heartbeat_grace = Duration::from_secs(10);
    s.registry.autoscaling.secret_file = Some(file.clone());
    let p = start(s).await;
    setup_app(&p).await;
    let t = token(&p).await;
    let mut scripts = recording("v1");
    scripts.push((
        "ApplicationStop",
        "echo \"stopped by $LIFTOFF_SCALE_IN\" > \"$LIFTOFF_ROOT/stopped\"".into(),
    ));
    let (a, a_id) = agent(&p, &t, "a", &[("role", "web"), ("instance-id", "i-0aaa")]).await;
    let v1 = push(&p, "v1", &scripts).await;
    let d1 = wait_deployment(&p, deploy(&p, &v1).await.deployment_id).await;
    assert_eq!(d1.status, DeploymentStatus::Succeeded);
    // Idle long enough that the agent's polls count and it stopped heartbeating.
    tokio::time::sleep(Duration::from_secs(12)).await;
    let metrics = p
        .http()
        .get(format!("{}/metrics", p.url))
        .send()
        .await
        .unwrap();
    let metrics = metrics.text().await.unwrap();
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("liftoff_http_requests_total{")
                && l.contains("route=\"/v1/hosts/heard\"")),
        "the scheduler fed no polls to the registry:\n{metrics}"
    );
    let (got, res) = send(&p, "s3cret", &eventbridge("term-1", false, "i-0aaa")).await;
    assert_eq!(got, 202, "{res}");
    let answered = wait_answered(&p, "term-1").await;
    assert_eq!(
        answered.result,
        Some(LifecycleResult::Continue),
        "{answered:#?}"
    );
    assert_eq!(
        std::fs::read_to_string(root_of(&p, "a").join("stopped")).unwrap(),
        "stopped by 1\n"
    );
    assert_eq!(
        p.registry().get_host(a_id).await.unwrap().state,
        HostState::Deregistered
    );
    a.stop().await;
    p.stop().await;
    let _ = std::fs::remove_file(file);
}
