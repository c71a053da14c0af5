//! deployment-api's stages and promotions (approvals, the two-person rule).

use liftoff_types::deployments::*;
use reqwest::Method;
use uuid::Uuid;

use crate::{ClientError, DeploymentApiClient, decode, enc};

impl DeploymentApiClient {
    pub async fn list_stages(&self, app: &str) -> Result<StageList, ClientError> {
        self.0
            .get(&format!("/v1/applications/{}/stages", enc(app)))
            .await
    }

    /// Deploys to stage `req.to` what last succeeded in stage `req.from`.
    pub async fn promote(
        &self,
        app: &str,
        req: &Promote,
        idempotency_key: Option<&str>,
    ) -> Result<PromoteOutcome, ClientError> {
        let mut rb = self
            .0
            .request(
                Method::POST,
                &format!("/v1/applications/{}/promote", enc(app)),
            )
            .json(req);
        if let Some(k) = idempotency_key {
            rb = rb.header("Idempotency-Key", k);
        }
        self.0.send(rb).await
    }

    /// Makes promotions into `stage` wait for a second person's approval.
    pub async fn set_stage_approval(
        &self,
        app: &str,
        stage: &str,
        req: &StageApproval,
    ) -> Result<StageApproval, ClientError> {
        self.0
            .put(
                &format!(
                    "/v1/applications/{}/stages/{}/approval",
                    enc(app),
                    enc(stage)
                ),
                req,
            )
            .await
    }

    pub async fn clear_stage_approval(&self, app: &str, stage: &str) -> Result<(), ClientError> {
        let res = self
            .0
            .request(
                Method::DELETE,
                &format!(
                    "/v1/applications/{}/stages/{}/approval",
                    enc(app),
                    enc(stage)
                ),
            )
            .send()
            .await
            .map_err(|e| ClientError::Transport(e.to_string()))?;
        if res.status().is_success() {
            return Ok(());
        }
        decode::<serde_json::Value>(res).await.map(|_| ())
    }

    /// A page of the application's promotion requests (`status` like `pending`).
    pub async fn list_promotion_requests(
        &self,
        app: &str,
        status: Option<&str>,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> Result<PromotionRequestList, ClientError> {
        let limit = limit.map(|l| l.to_string());
        let q: Vec<(&str, &str)> = [
            ("status", status),
            ("limit", limit.as_deref()),
            ("cursor", cursor),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect();
        self.0
            .send(
                self.0
                    .request(
                        Method::GET,
                        &format!("/v1/applications/{}/promotion-requests", enc(app)),
                    )
                    .query(&q),
            )
            .await
    }

    pub async fn get_promotion_request(&self, id: Uuid) -> Result<PromotionRequest, ClientError> {
        self.0.get(&format!("/v1/promotion-requests/{id}")).await
    }

    pub async fn approve_promotion_request(
        &self,
        id: Uuid,
    ) -> Result<PromotionRequest, ClientError> {
        self.0
            .post(
                &format!("/v1/promotion-requests/{id}/approve"),
                &serde_json::json!({}),
            )
            .await
    }

    pub async fn reject_promotion_request(
        &self,
        id: Uuid,
        reason: &str,
    ) -> Result<PromotionRequest, ClientError> {
        self.0
            .post(
                &format!("/v1/promotion-requests/{id}/reject"),
                &RejectPromotion {
                    reason: reason.to_string(),
                },
            )
            .await
    }
}
