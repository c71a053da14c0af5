//! Client of the host registry.

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

    pub async fn get_host(&self, host: Uuid) -> Result<Host, ClientError> {
        self.0.get(&format!("/v1/hosts/{host}")).await
    }
}
