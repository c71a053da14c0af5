//! Helpers of the history tests: scripted events with exact times (as the services' outboxes
//! would deliver them), a service credential to ingest them, and the command line.

#![allow(dead_code)]

use chrono::{DateTime, Duration, SubsecRound, Utc};
use liftoff_client::{Client, HistoryClient};
use liftoff_kit::auth::TokenKind;
use liftoff_testkit::TestPlatform;
use liftoff_types::history::{EventBatch, HistoryEvent};
use serde_json::{Value, json};
use uuid::Uuid;

pub mod proxy;
pub mod scenario;

pub const BIN: &str = env!("CARGO_BIN_EXE_liftoff");

/// A history client with a service credential (sees every team; may ingest).
pub fn service_history(p: &TestPlatform) -> HistoryClient {
    let (token, _) = p
        .authority
        .mint(
            TokenKind::Service,
            "history-test",
            None,
            None,
            false,
            chrono::Duration::hours(1),
        )
        .expect("mint service credential");
    HistoryClient::new(Client::new(&p.url, Some(token)).expect("client"))
}

pub fn team_history(p: &TestPlatform, token: String) -> HistoryClient {
    HistoryClient::new(Client::new(&p.url, Some(token)).expect("client"))
}

/// Times in a script: `base` plus minutes, whole seconds.
#[derive(Clone, Copy)]
pub struct Clock {
    pub base: DateTime<Utc>,
}

impl Clock {
    pub fn days_ago(days: i64) -> Self {
        Self {
            base: (Utc::now() - Duration::days(days)).trunc_subsecs(0),
        }
    }
    pub fn at(&self, minutes: i64) -> DateTime<Utc> {
        self.base + Duration::minutes(minutes)
    }
    pub fn at_s(&self, minutes: i64, seconds: i64) -> DateTime<Utc> {
        self.base + Duration::minutes(minutes) + Duration::seconds(seconds)
    }
}

/// Builds the events the services emit, for one team and application.
#[derive(Clone)]
pub struct Script {
    pub team: String,
    pub application: String,
}

impl Script {
    pub fn new(team: &str, application: &str) -> Self {
        Self {
            team: team.into(),
            application: application.into(),
        }
    }

    pub fn event(&self, source: &str, event_type: &str, at: DateTime<Utc>) -> HistoryEvent {
        HistoryEvent {
            event_id: Uuid::now_v7(),
            source: source.into(),
            event_type: event_type.into(),
            occurred_at: at,
            team: Some(self.team.clone()),
            actor: None,
            application: Some(self.application.clone()),
            deployment_group: None,
            deployment_id: None,
            host_id: None,
            revision_id: None,
            data: Value::Null,
        }
    }

    pub fn registered(&self, rev: Uuid, actor: &str, at: DateTime<Utc>) -> HistoryEvent {
        let mut e = self.event("deployment-api", "revision.registered", at);
        e.actor = Some(actor.into());
        e.revision_id = Some(rev);
        e
    }

    /// `deployment.created` by `actor` (deployment-api).
    pub fn created(
        &self,
        dep: Uuid,
        rev: Uuid,
        group: &str,
        actor: &str,
        at: DateTime<Utc>,
    ) -> HistoryEvent {
        let mut e = self.event("deployment-api", "deployment.created", at);
        e.actor = Some(actor.into());
        e.deployment_group = Some(group.into());
        e.deployment_id = Some(dep);
        e.revision_id = Some(rev);
        e
    }

    /// A scheduler event about a deployment (`deployment.started`, `deployment.succeeded`...).
    pub fn rollout(
        &self,
        event_type: &str,
        dep: Uuid,
        rev: Uuid,
        group: &str,
        at: DateTime<Utc>,
    ) -> HistoryEvent {
        let mut e = self.event("scheduler", event_type, at);
        e.deployment_group = Some(group.into());
        e.deployment_id = Some(dep);
        e.revision_id = Some(rev);
        e
    }

    /// A scheduler event about one host of a deployment.
    #[allow(clippy::too_many_arguments)]
    pub fn host(
        &self,
        event_type: &str,
        dep: Uuid,
        rev: Uuid,
        group: &str,
        host: Uuid,
        command: Uuid,
        at: DateTime<Utc>,
    ) -> HistoryEvent {
        let mut e = self.rollout(event_type, dep, rev, group, at);
        e.host_id = Some(host);
        e.data = json!({"command_id": command, "attempt": 1});
        e
    }

    /// The scheduler's events of one host installing `rev`: started at `at`, done a minute later.
    pub fn host_run(
        &self,
        dep: Uuid,
        rev: Uuid,
        group: &str,
        host: Uuid,
        at: DateTime<Utc>,
        ok: bool,
    ) -> Vec<HistoryEvent> {
        let cmd = Uuid::new_v4();
        let mut finished = self.host(
            "host.event_finished",
            dep,
            rev,
            group,
            host,
            cmd,
            at + Duration::seconds(30),
        );
        finished.data = json!({
            "command_id": cmd, "attempt": 1, "event": "ValidateService",
            "status": if ok { "Succeeded" } else { "Failed" },
            "exit_code": if ok { 0 } else { 3 }, "duration_ms": 1000,
            "output_tail": "tail", "output_truncated": false,
        });
        vec![
            self.host("host.deployment_started", dep, rev, group, host, cmd, at),
            finished,
            self.host(
                if ok {
                    "host.deployment_succeeded"
                } else {
                    "host.deployment_failed"
                },
                dep,
                rev,
                group,
                host,
                cmd,
                at + Duration::minutes(1),
            ),
        ]
    }

    pub fn deregistered(&self, host: Uuid, actor: &str, at: DateTime<Utc>) -> HistoryEvent {
        let mut e = self.event("host-registry", "host.deregistered", at);
        e.application = None;
        e.actor = Some(actor.into());
        e.host_id = Some(host);
        e
    }
}

/// Ingests `events` in batches of `batch`, as an outbox would.
pub async fn ingest(h: &HistoryClient, events: &[HistoryEvent], batch: usize) -> (u64, u64) {
    let (mut accepted, mut dup) = (0, 0);
    for chunk in events.chunks(batch) {
        let r = h
            .ingest(&EventBatch {
                events: chunk.to_vec(),
            })
            .await
            .expect("ingest");
        accepted += r.accepted;
        dup += r.duplicates;
    }
    (accepted, dup)
}

/// Runs `liftoff ARGS --json` against `p` with `token`; returns (exit code, stdout as JSON).
pub async fn cli(p: &TestPlatform, token: &str, args: &[&str]) -> (i32, Value) {
    let out = tokio::process::Command::new(BIN)
        .args(args)
        .arg("--json")
        .env("LIFTOFF_URL", &p.url)
        .env("LIFTOFF_TOKEN", token)
        .env("LIFTOFF_DATA_DIR", p.dir.path().join("cli-data"))
        .output()
        .await
        .expect("run liftoff");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let json = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "`liftoff {}` printed no single JSON document ({e}):\n{stdout}\nstderr:\n{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), json)
}

pub async fn cli_ok(p: &TestPlatform, token: &str, args: &[&str]) -> Value {
    let (code, json) = cli(p, token, args).await;
    assert_eq!(code, 0, "`liftoff {}` failed: {json}", args.join(" "));
    json
}

pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
