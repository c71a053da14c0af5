//! Scale-out installs between host-registry and deployment-api, called only by the services'
//! outbox relays: requests one way, plans the other.

use liftoff_types::history::{EventBatch, IngestResult};

use crate::{ClientError, DeploymentApiClient, RegistryClient};

impl DeploymentApiClient {
    /// `scale_out.requested` events from host-registry's outbox (service credential): each
    /// creates the host's installs and queues the plan back.
    pub async fn request_scale_outs(
        &self,
        batch: &EventBatch,
    ) -> Result<IngestResult, ClientError> {
        self.0.post("/v1/scale-out-requests", batch).await
    }
}

impl RegistryClient {
    /// `scale_out.planned` events from deployment-api's outbox (service credential): each
    /// starts (or retargets) the host's installs, if the host is still at the request's epoch.
    pub async fn record_scale_out_plans(
        &self,
        batch: &EventBatch,
    ) -> Result<IngestResult, ClientError> {
        self.0.post("/v1/hosts/scale-out-plans", batch).await
    }
}
