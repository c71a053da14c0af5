//! deployment-api's scale-out intake (used by the host registry).

use liftoff_types::scale_out::{ScaleOutPlan, ScaleOutRequest};

use crate::{ClientError, DeploymentApiClient};

impl DeploymentApiClient {
    /// The installs a host needs for the groups it entered; creates `scale_out` deployments.
    pub async fn scale_out(&self, req: &ScaleOutRequest) -> Result<ScaleOutPlan, ClientError> {
        self.0.post("/v1/scale-out-installs", req).await
    }
}
