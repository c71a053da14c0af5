//! Client of deployment-api.

use std::path::Path;

use futures_util::StreamExt;
use liftoff_types::deployments::*;
use reqwest::Method;
use tokio::io::AsyncWriteExt;
use uuid::Uuid;

use crate::{Client, ClientError, decode, enc};

/// The page size the "all pages" lists ask for: the server's largest.
const ALL_PAGE: u32 = 200;

#[derive(Clone, Debug)]
pub struct DeploymentApiClient(pub Client);

impl DeploymentApiClient {
    pub fn new(client: Client) -> Self {
        Self(client)
    }

    /// Tells deployment-api how rollouts progressed (service credential; the scheduler's
    /// outbox calls it). Repeated and stale reports change nothing.
    pub async fn record_progress(
        &self,
        batch: &liftoff_types::history::EventBatch,
    ) -> Result<liftoff_types::history::IngestResult, ClientError> {
        self.0.post("/v1/rollout-progress", batch).await
    }

    pub async fn create_application(
        &self,
        req: &CreateApplication,
    ) -> Result<Application, ClientError> {
        self.0.post("/v1/applications", req).await
    }

    pub async fn get_application(&self, name: &str) -> Result<Application, ClientError> {
        self.0.get(&format!("/v1/applications/{}", enc(name))).await
    }

    /// Every application of the team (all pages).
    pub async fn list_applications(&self) -> Result<ApplicationList, ClientError> {
        let mut all = self.list_applications_page(Some(ALL_PAGE), None).await?;
        while let Some(c) = all.next_cursor.take() {
            let mut next = self
                .list_applications_page(Some(ALL_PAGE), Some(&c))
                .await?;
            all.applications.append(&mut next.applications);
            all.next_cursor = next.next_cursor;
        }
        Ok(all)
    }

    /// One page of the team's applications, by name.
    pub async fn list_applications_page(
        &self,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> Result<ApplicationList, ClientError> {
        self.get_page("/v1/applications", limit, cursor).await
    }

    async fn get_page<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> Result<T, ClientError> {
        let limit = limit.map(|l| l.to_string());
        let q: Vec<(&str, &str)> = [("limit", limit.as_deref()), ("cursor", cursor)]
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k, v)))
            .collect();
        self.0
            .send(self.0.request(Method::GET, path).query(&q))
            .await
    }

    /// Uploads a bundle archive (streamed from disk); with `expected_sha256` the server refuses
    /// bytes that changed on the way.
    pub async fn push_revision(
        &self,
        app: &str,
        archive: &Path,
        version_label: Option<&str>,
        description: Option<&str>,
        expected_sha256: Option<&str>,
    ) -> Result<Revision, ClientError> {
        let file = tokio::fs::File::open(archive)
            .await
            .map_err(|e| ClientError::Transport(format!("{}: {e}", archive.display())))?;
        let mut query: Vec<(&str, &str)> = Vec::new();
        if let Some(v) = version_label {
            query.push(("version_label", v));
        }
        if let Some(d) = description {
            query.push(("description", d));
        }
        if let Some(h) = expected_sha256 {
            query.push(("sha256", h));
        }
        let rb = self
            .0
            .request(
                Method::POST,
                &format!("/v1/applications/{}/revisions", enc(app)),
            )
            .query(&query)
            .header("content-type", "application/octet-stream")
            .body(reqwest::Body::from(file));
        self.0.send(rb).await
    }

    /// Every revision of the application, newest first (all pages).
    pub async fn list_revisions(&self, app: &str) -> Result<RevisionList, ClientError> {
        let mut all = self.list_revisions_page(app, Some(ALL_PAGE), None).await?;
        while let Some(c) = all.next_cursor.take() {
            let mut next = self
                .list_revisions_page(app, Some(ALL_PAGE), Some(&c))
                .await?;
            all.revisions.append(&mut next.revisions);
            all.next_cursor = next.next_cursor;
        }
        Ok(all)
    }

    /// One page of the application's revisions, newest first.
    pub async fn list_revisions_page(
        &self,
        app: &str,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> Result<RevisionList, ClientError> {
        self.get_page(
            &format!("/v1/applications/{}/revisions", enc(app)),
            limit,
            cursor,
        )
        .await
    }

    pub async fn get_revision(&self, app: &str, id: Uuid) -> Result<Revision, ClientError> {
        self.0
            .get(&format!("/v1/applications/{}/revisions/{id}", enc(app)))
            .await
    }

    pub async fn create_group(
        &self,
        app: &str,
        req: &CreateDeploymentGroup,
    ) -> Result<DeploymentGroup, ClientError> {
        self.0
            .post(
                &format!("/v1/applications/{}/deployment-groups", enc(app)),
                req,
            )
            .await
    }

    pub async fn get_group(&self, app: &str, name: &str) -> Result<DeploymentGroup, ClientError> {
        self.0
            .get(&format!(
                "/v1/applications/{}/deployment-groups/{}",
                enc(app),
                enc(name)
            ))
            .await
    }

    pub async fn list_configs(&self) -> Result<DeploymentConfigList, ClientError> {
        self.0.get("/v1/deployment-configs").await
    }

    pub async fn create_deployment(
        &self,
        req: &CreateDeployment,
        idempotency_key: Option<&str>,
    ) -> Result<Deployment, ClientError> {
        self.create_deployment_overriding(req, idempotency_key, None)
            .await
    }

    /// Creates a deployment; with `freeze_override` (an admin's written reason), despite a
    /// freeze in force.
    pub async fn create_deployment_overriding(
        &self,
        req: &CreateDeployment,
        idempotency_key: Option<&str>,
        freeze_override: Option<&str>,
    ) -> Result<Deployment, ClientError> {
        let mut rb = self.0.request(Method::POST, "/v1/deployments").json(req);
        if let Some(k) = idempotency_key {
            rb = rb.header("Idempotency-Key", k);
        }
        if let Some(r) = freeze_override {
            rb = rb.header(FREEZE_OVERRIDE_HEADER, r);
        }
        self.0.send(rb).await
    }

    /// Creates a deployment under `idempotency_key`, sending the request again until `budget`
    /// runs out while no answer can be had yet: `409 idempotency_key_in_use` (the first
    /// request is still being answered, or died with its server: waits the `Retry-After` the
    /// server names), 5xx, 429 and transport errors. The key makes every retry safe: the
    /// same request answers the same deployment, never a second one.
    pub async fn create_deployment_retrying(
        &self,
        req: &CreateDeployment,
        idempotency_key: &str,
        budget: std::time::Duration,
    ) -> Result<Deployment, ClientError> {
        let deadline = tokio::time::Instant::now() + budget;
        let mut attempt = 0u32;
        loop {
            let rb = self
                .0
                .request(Method::POST, "/v1/deployments")
                .json(req)
                .header("Idempotency-Key", idempotency_key);
            let (result, retry_after) = match rb.send().await {
                Ok(res) => {
                    let after = crate::retry_after(&res);
                    (decode(res).await, after)
                }
                Err(e) => (Err(ClientError::Transport(e.to_string())), None),
            };
            let again = match &result {
                Err(ClientError::Api { status: 409, body }) => {
                    body.error.code == "idempotency_key_in_use"
                }
                Err(e) => e.is_retryable(),
                Ok(_) => false,
            };
            let now = tokio::time::Instant::now();
            if !again || now >= deadline {
                return result;
            }
            let wait = retry_after
                .unwrap_or_else(|| crate::backoff(attempt))
                .min(deadline - now);
            tracing::debug!(
                attempt,
                wait_ms = wait.as_millis() as u64,
                "deployment not answered yet; retrying with the same Idempotency-Key"
            );
            tokio::time::sleep(wait).await;
            attempt = attempt.saturating_add(1);
        }
    }

    pub async fn get_deployment(&self, id: Uuid) -> Result<Deployment, ClientError> {
        self.0.get(&format!("/v1/deployments/{id}")).await
    }

    /// A page of a deployment's hosts (by zone, then host id), filtered by `query`'s pairs
    /// (`zone`, `status`, `host_id`, `limit`, `cursor`).
    pub async fn list_deployment_hosts(
        &self,
        id: Uuid,
        query: &[(&str, &str)],
    ) -> Result<DeploymentHostList, ClientError> {
        self.0
            .send(
                self.0
                    .request(Method::GET, &format!("/v1/deployments/{id}/hosts"))
                    .query(query),
            )
            .await
    }

    pub async fn list_deployments(
        &self,
        application: Option<&str>,
        group: Option<&str>,
        status: Option<&str>,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> Result<DeploymentList, ClientError> {
        let limit_s = limit.map(|l| l.to_string());
        let mut q: Vec<(&str, &str)> = Vec::new();
        for (k, v) in [
            ("application", application),
            ("deployment_group", group),
            ("status", status),
            ("limit", limit_s.as_deref()),
            ("cursor", cursor),
        ] {
            if let Some(v) = v {
                q.push((k, v));
            }
        }
        self.0
            .send(self.0.request(Method::GET, "/v1/deployments").query(&q))
            .await
    }

    pub async fn stop_deployment(&self, id: Uuid) -> Result<Deployment, ClientError> {
        self.0
            .post(
                &format!("/v1/deployments/{id}/stop"),
                &serde_json::json!({}),
            )
            .await
    }

    /// Rolls `id` back: answers the new rollback deployment.
    pub async fn rollback_deployment(&self, id: Uuid) -> Result<Deployment, ClientError> {
        self.0
            .post(
                &format!("/v1/deployments/{id}/rollback"),
                &serde_json::json!({}),
            )
            .await
    }

    /// `pause`, `resume` or `approve`.
    pub async fn control_deployment(
        &self,
        id: Uuid,
        action: &str,
    ) -> Result<Deployment, ClientError> {
        self.0
            .post(
                &format!("/v1/deployments/{id}/{action}"),
                &serde_json::json!({}),
            )
            .await
    }

    /// Retries the failed hosts (all of them when `hosts` is empty).
    pub async fn retry_failed_hosts(
        &self,
        id: Uuid,
        hosts: &[Uuid],
    ) -> Result<Deployment, ClientError> {
        self.0
            .post(
                &format!("/v1/deployments/{id}/retry-failed-hosts"),
                &RetryFailedHosts {
                    hosts: hosts.to_vec(),
                },
            )
            .await
    }

    pub async fn exclude_host(&self, id: Uuid, host: Uuid) -> Result<Deployment, ClientError> {
        self.0
            .post(
                &format!("/v1/deployments/{id}/hosts/{host}/exclude"),
                &serde_json::json!({}),
            )
            .await
    }

    /// Downloads a bundle to `dest` (for agents); returns the number of bytes written.
    /// The caller verifies the digest before using a byte of it.
    pub async fn download_bundle(
        &self,
        download_path: &str,
        dest: &Path,
        max_bytes: u64,
    ) -> Result<u64, ClientError> {
        let res = self
            .0
            .request(Method::GET, download_path)
            .send()
            .await
            .map_err(|e| ClientError::Transport(e.to_string()))?;
        if !res.status().is_success() {
            return decode::<serde_json::Value>(res).await.map(|_| 0);
        }
        let mut file = tokio::fs::File::create(dest)
            .await
            .map_err(|e| ClientError::Transport(format!("{}: {e}", dest.display())))?;
        let mut stream = res.bytes_stream();
        let mut written = 0u64;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| ClientError::Transport(e.to_string()))?;
            written += chunk.len() as u64;
            if written > max_bytes {
                return Err(ClientError::Decode(format!(
                    "bundle larger than {max_bytes} bytes"
                )));
            }
            file.write_all(&chunk)
                .await
                .map_err(|e| ClientError::Transport(format!("{}: {e}", dest.display())))?;
        }
        file.sync_all()
            .await
            .map_err(|e| ClientError::Transport(format!("{}: {e}", dest.display())))?;
        Ok(written)
    }

    pub async fn update_application(
        &self,
        name: &str,
        req: &UpdateApplication,
    ) -> Result<Application, ClientError> {
        self.0
            .send(
                self.0
                    .request(Method::PATCH, &format!("/v1/applications/{}", enc(name)))
                    .json(req),
            )
            .await
    }

    pub async fn delete_application(&self, name: &str) -> Result<ApplicationDeleted, ClientError> {
        self.0
            .send(
                self.0
                    .request(Method::DELETE, &format!("/v1/applications/{}", enc(name))),
            )
            .await
    }

    /// Registers a revision by URL: the server fetches and checks the bundle.
    pub async fn register_revision_url(
        &self,
        app: &str,
        req: &RegisterRevisionUrl,
    ) -> Result<Revision, ClientError> {
        self.0
            .post(&format!("/v1/applications/{}/revisions", enc(app)), req)
            .await
    }

    /// Every deployment group of the application (all pages).
    pub async fn list_groups(&self, app: &str) -> Result<DeploymentGroupList, ClientError> {
        let mut all = self.list_groups_page(app, Some(ALL_PAGE), None).await?;
        while let Some(c) = all.next_cursor.take() {
            let mut next = self.list_groups_page(app, Some(ALL_PAGE), Some(&c)).await?;
            all.deployment_groups.append(&mut next.deployment_groups);
            all.next_cursor = next.next_cursor;
        }
        Ok(all)
    }

    /// One page of the application's deployment groups, by name.
    pub async fn list_groups_page(
        &self,
        app: &str,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> Result<DeploymentGroupList, ClientError> {
        self.get_page(
            &format!("/v1/applications/{}/deployment-groups", enc(app)),
            limit,
            cursor,
        )
        .await
    }

    pub async fn update_group(
        &self,
        app: &str,
        name: &str,
        req: &UpdateDeploymentGroup,
    ) -> Result<DeploymentGroup, ClientError> {
        self.0
            .send(
                self.0
                    .request(
                        Method::PATCH,
                        &format!(
                            "/v1/applications/{}/deployment-groups/{}",
                            enc(app),
                            enc(name)
                        ),
                    )
                    .json(req),
            )
            .await
    }

    pub async fn create_config(
        &self,
        req: &CreateDeploymentConfig,
    ) -> Result<DeploymentConfig, ClientError> {
        self.0.post("/v1/deployment-configs", req).await
    }

    pub async fn get_config(&self, name: &str) -> Result<DeploymentConfig, ClientError> {
        self.0
            .get(&format!("/v1/deployment-configs/{}", enc(name)))
            .await
    }

    pub async fn delete_config(&self, name: &str) -> Result<(), ClientError> {
        let res = self
            .0
            .request(
                Method::DELETE,
                &format!("/v1/deployment-configs/{}", enc(name)),
            )
            .send()
            .await
            .map_err(|e| ClientError::Transport(e.to_string()))?;
        if res.status().is_success() {
            return Ok(());
        }
        decode::<serde_json::Value>(res).await.map(|_| ())
    }

    /// Deployments matching `q`, newest first.
    pub async fn query_deployments(
        &self,
        q: &DeploymentQuery,
    ) -> Result<DeploymentList, ClientError> {
        self.0
            .send(self.0.request(Method::GET, "/v1/deployments").query(q))
            .await
    }
}

/// Filters of `GET /v1/deployments`; `None` fields are left out.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct DeploymentQuery {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deployment_group: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_after: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_before: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}
