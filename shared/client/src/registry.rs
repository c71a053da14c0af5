//! Client of the host registry.

use liftoff_types::autoscaling::LifecycleActionList;
use liftoff_types::registry::*;
use reqwest::Method;
use uuid::Uuid;

use crate::{Client, ClientError};

#[derive(Clone, Debug)]
pub struct RegistryClient(pub Client);

impl RegistryClient {
    pub fn new(client: Client) -> Self {
        Self(client)
    }

    pub async fn create_enrollment_token(
        &self,
        req: &CreateEnrollmentToken,
    ) -> Result<EnrollmentToken, ClientError> {
        self.0.post("/v1/enrollment-tokens", req).await
    }

    pub async fn enroll(&self, req: &EnrollRequest) -> Result<EnrollResponse, ClientError> {
        self.0.post("/v1/hosts/enroll", req).await
    }

    pub async fn heartbeat(
        &self,
        host: Uuid,
        req: &Heartbeat,
    ) -> Result<HeartbeatResponse, ClientError> {
        self.0
            .post(&format!("/v1/hosts/{host}/heartbeat"), req)
            .await
    }

    /// Lists hosts; `selector` pairs are `key=value` (repeat a key for OR); `team` is for
    /// service callers that act for one team.
    pub async fn list_hosts(
        &self,
        selector: &[(String, String)],
        team: Option<&str>,
    ) -> Result<HostList, ClientError> {
        let mut q: Vec<(String, String)> = selector
            .iter()
            .map(|(k, v)| ("tag".to_string(), format!("{k}={v}")))
            .collect();
        if let Some(t) = team {
            q.push(("team".into(), t.into()));
        }
        self.0
            .send(self.0.request(Method::GET, "/v1/hosts").query(&q))
            .await
    }

    /// Every host in `state`, of every team (service callers).
    pub async fn list_hosts_in_state(&self, state: HostState) -> Result<HostList, ClientError> {
        self.0
            .send(
                self.0
                    .request(Method::GET, "/v1/hosts")
                    .query(&[("state", state.as_str())]),
            )
            .await
    }

    /// Tells the registry which deployments succeeded on which hosts (service credential).
    pub async fn report_revisions(
        &self,
        req: &HostRevisionReports,
    ) -> Result<HostRevisionsRecorded, ClientError> {
        self.0.post("/v1/hosts/revisions", req).await
    }

    /// Tells the registry how hosts' parts of deployments, and rollouts, ended (service
    /// credential).
    pub async fn record_install_outcomes(
        &self,
        req: &InstallOutcomes,
    ) -> Result<InstallOutcomesRecorded, ClientError> {
        self.0.post("/v1/hosts/install-outcomes", req).await
    }

    /// Passes on the hosts whose long polls a scheduler replica received (service credential).
    pub async fn heard(&self, feed: &HeardFeed) -> Result<HeardFeedResponse, ClientError> {
        self.0.post("/v1/hosts/heard", feed).await
    }

    pub async fn get_host(&self, host: Uuid) -> Result<Host, ClientError> {
        self.0.get(&format!("/v1/hosts/{host}")).await
    }

    /// Hosts by id (the ones that exist and are visible to the caller).
    pub async fn list_hosts_by_id(
        &self,
        ids: &[Uuid],
        team: Option<&str>,
    ) -> Result<HostList, ClientError> {
        let mut q: Vec<(String, String)> = ids
            .iter()
            .map(|h| ("host".to_string(), h.to_string()))
            .collect();
        if let Some(t) = team {
            q.push(("team".into(), t.into()));
        }
        self.0
            .send(self.0.request(Method::GET, "/v1/hosts").query(&q))
            .await
    }

    /// Hosts filtered by the raw query pairs of `GET /v1/hosts` (`tag`, `zone`, `state`, `host`).
    pub async fn list_hosts_query(&self, q: &[(String, String)]) -> Result<HostList, ClientError> {
        self.0
            .send(self.0.request(Method::GET, "/v1/hosts").query(q))
            .await
    }

    pub async fn update_host(&self, host: Uuid, req: &UpdateHost) -> Result<Host, ClientError> {
        self.0
            .send(
                self.0
                    .request(Method::PATCH, &format!("/v1/hosts/{host}"))
                    .json(req),
            )
            .await
    }

    pub async fn deregister_host(&self, host: Uuid) -> Result<Host, ClientError> {
        self.0
            .send(self.0.request(Method::DELETE, &format!("/v1/hosts/{host}")))
            .await
    }

    /// Installs the groups' revisions on the host again (after a failed install).
    pub async fn reinstall_host(&self, host: Uuid) -> Result<Host, ClientError> {
        self.0
            .post(
                &format!("/v1/hosts/{host}/reinstall"),
                &serde_json::json!({}),
            )
            .await
    }

    pub async fn list_enrollment_tokens(&self) -> Result<EnrollmentTokenList, ClientError> {
        self.0.get("/v1/enrollment-tokens").await
    }

    pub async fn revoke_enrollment_token(&self, id: Uuid) -> Result<EnrollmentToken, ClientError> {
        self.0
            .send(
                self.0
                    .request(Method::DELETE, &format!("/v1/enrollment-tokens/{id}")),
            )
            .await
    }

    /// The agent's answer to a command the registry sent with a heartbeat.
    pub async fn report_command_result(
        &self,
        host: Uuid,
        command: Uuid,
        req: &HostCommandResult,
    ) -> Result<serde_json::Value, ClientError> {
        self.0
            .post(&format!("/v1/hosts/{host}/commands/{command}/result"), req)
            .await
    }

    pub async fn lifecycle_actions(&self) -> Result<LifecycleActionList, ClientError> {
        self.0.get("/v1/autoscaling/lifecycle-actions").await
    }
}
