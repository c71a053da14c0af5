//! deployment-api's gates: freezes and deployment windows.

use liftoff_types::deployments::*;
use reqwest::Method;
use uuid::Uuid;

use crate::{ClientError, DeploymentApiClient, enc};

impl DeploymentApiClient {
    pub async fn create_freeze(&self, req: &CreateFreeze) -> Result<Freeze, ClientError> {
        self.0.post("/v1/freezes", req).await
    }

    /// The freezes in force now.
    pub async fn freezes(&self) -> Result<FreezeList, ClientError> {
        self.0.get("/v1/freezes").await
    }

    /// A group's deployment windows, and whether one is open now.
    /// The application's own windows (those of every group without its own).
    pub async fn application_windows(&self, app: &str) -> Result<DeploymentWindows, ClientError> {
        self.0
            .get(&format!("/v1/applications/{}/windows", enc(app)))
            .await
    }

    pub async fn set_application_windows(
        &self,
        app: &str,
        req: &SetDeploymentWindows,
    ) -> Result<DeploymentWindows, ClientError> {
        self.0
            .put(&format!("/v1/applications/{}/windows", enc(app)), req)
            .await
    }

    pub async fn deployment_windows(
        &self,
        app: &str,
        group: &str,
    ) -> Result<DeploymentWindows, ClientError> {
        self.0
            .get(&format!(
                "/v1/applications/{}/deployment-groups/{}/windows",
                enc(app),
                enc(group)
            ))
            .await
    }

    /// Replaces a group's deployment windows (an empty list removes the gate).
    pub async fn set_deployment_windows(
        &self,
        app: &str,
        group: &str,
        req: &SetDeploymentWindows,
    ) -> Result<DeploymentWindows, ClientError> {
        self.0
            .put(
                &format!(
                    "/v1/applications/{}/deployment-groups/{}/windows",
                    enc(app),
                    enc(group)
                ),
                req,
            )
            .await
    }

    /// Lets a running deployment go on despite the freezes in force now (admin).
    pub async fn override_freeze(
        &self,
        deployment: Uuid,
        req: &FreezeOverride,
    ) -> Result<Deployment, ClientError> {
        self.0
            .post(
                &format!("/v1/deployments/{deployment}/freeze-override"),
                req,
            )
            .await
    }

    pub async fn lift_freeze(&self, id: Uuid) -> Result<Freeze, ClientError> {
        self.0
            .send(self.0.request(Method::DELETE, &format!("/v1/freezes/{id}")))
            .await
    }
}
