//! Client of the scheduler: rollouts (for deployment-api) and the command channel (for agents).

use std::time::Duration;

use liftoff_types::scheduler::*;
use reqwest::Method;
use uuid::Uuid;

use crate::{Client, ClientError};

#[derive(Clone, Debug)]
pub struct SchedulerClient(pub Client);

impl SchedulerClient {
    pub fn new(client: Client) -> Self {
        Self(client)
    }

    pub async fn put_rollout(
        &self,
        deployment_id: Uuid,
        req: &CreateRollout,
    ) -> Result<Rollout, ClientError> {
        self.0
            .put(&format!("/v1/rollouts/{deployment_id}"), req)
            .await
    }

    /// Freezes and groups' windows changed in deployment-api (its outbox's batch).
    pub async fn record_gate_changes(
        &self,
        batch: &liftoff_types::history::EventBatch,
    ) -> Result<liftoff_types::history::IngestResult, ClientError> {
        self.0.post("/v1/gate-changes", batch).await
    }

    /// host-registry's outbox: hosts as they stand after a change (`host.membership` events;
    /// `host.liveness` from registries before that push).
    pub async fn record_host_changes(
        &self,
        batch: &liftoff_types::history::EventBatch,
    ) -> Result<liftoff_types::history::IngestResult, ClientError> {
        self.0.post("/v1/host-changes", batch).await
    }

    pub async fn get_rollout(&self, deployment_id: Uuid) -> Result<Rollout, ClientError> {
        self.0.get(&format!("/v1/rollouts/{deployment_id}")).await
    }

    /// The rollout with only as much per-host detail as `detail` says.
    pub async fn get_rollout_detail(
        &self,
        deployment_id: Uuid,
        detail: RolloutDetail,
    ) -> Result<Rollout, ClientError> {
        let d = match detail {
            RolloutDetail::Summary => "summary",
            RolloutDetail::Hosts => "hosts",
            RolloutDetail::Full => "full",
        };
        self.0
            .get(&format!("/v1/rollouts/{deployment_id}?detail={d}"))
            .await
    }

    pub async fn stop_rollout(&self, deployment_id: Uuid) -> Result<Rollout, ClientError> {
        self.control(deployment_id, "stop", &RolloutAction::default())
            .await
    }

    /// An operator control: `stop`, `pause`, `resume`, `approve` or `retry-failed-hosts`.
    pub async fn control(
        &self,
        deployment_id: Uuid,
        action: &str,
        body: &RolloutAction,
    ) -> Result<Rollout, ClientError> {
        self.0
            .post(&format!("/v1/rollouts/{deployment_id}/{action}"), body)
            .await
    }

    pub async fn exclude_host(
        &self,
        deployment_id: Uuid,
        host: Uuid,
        body: &RolloutAction,
    ) -> Result<Rollout, ClientError> {
        self.0
            .post(
                &format!("/v1/rollouts/{deployment_id}/hosts/{host}/exclude"),
                body,
            )
            .await
    }

    /// Long-polls for commands; returns within about `wait`.
    pub async fn poll_commands(
        &self,
        host: Uuid,
        wait: Duration,
    ) -> Result<CommandBatch, ClientError> {
        self.poll_commands_heard(host, wait, |_| {}).await
    }

    /// [`Self::poll_commands`], calling `arrived` with the `Liftoff-Heard` header as soon as the
    /// answer's headers come (before its body): whether the poll counts as the host's
    /// heartbeat. Not called for an error answer, nor by a scheduler that does not say.
    pub async fn poll_commands_heard(
        &self,
        host: Uuid,
        wait: Duration,
        arrived: impl FnOnce(bool),
    ) -> Result<CommandBatch, ClientError> {
        let rb = self
            .0
            .request(Method::GET, &format!("/v1/agents/{host}/commands"))
            .query(&[("wait_secs", wait.as_secs().to_string())])
            .timeout(wait + Duration::from_secs(10));
        let res = rb
            .send()
            .await
            .map_err(|e| ClientError::Transport(e.to_string()))?;
        if res.status().is_success()
            && let Some(heard) = res.headers().get(HEARD_HEADER)
        {
            arrived(heard.as_bytes() == b"true");
        }
        crate::decode(res).await
    }

    pub async fn ack(&self, host: Uuid, command: Uuid) -> Result<AckResponse, ClientError> {
        self.0
            .post(
                &format!("/v1/agents/{host}/commands/{command}/ack"),
                &serde_json::json!({}),
            )
            .await
    }

    pub async fn report_event(
        &self,
        host: Uuid,
        command: Uuid,
        report: &EventReport,
    ) -> Result<CommandState, ClientError> {
        self.0
            .post(
                &format!("/v1/agents/{host}/commands/{command}/events"),
                report,
            )
            .await
    }

    /// Several reports of one command in one call (applied in order, all or none).
    pub async fn report_events(
        &self,
        host: Uuid,
        command: Uuid,
        batch: &EventReportBatch,
    ) -> Result<CommandState, ClientError> {
        self.0
            .post(
                &format!("/v1/agents/{host}/commands/{command}/event-batch"),
                batch,
            )
            .await
    }

    pub async fn complete(
        &self,
        host: Uuid,
        command: Uuid,
        req: &CompleteCommand,
    ) -> Result<CommandState, ClientError> {
        self.0
            .post(
                &format!("/v1/agents/{host}/commands/{command}/complete"),
                req,
            )
            .await
    }
}
