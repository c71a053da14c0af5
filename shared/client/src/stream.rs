//! `GET /v1/deployments/{id}/stream`: a deployment's changes as server-sent events, for
//! followers such as `deploy --wait` that want each change as it happens without polling.

use liftoff_types::deployments::Deployment;
use reqwest::Method;
use uuid::Uuid;

use crate::{ClientError, DeploymentApiClient, error_from};

impl DeploymentApiClient {
    /// Follows one connection of the deployment's stream: calls `each` with the deployment as
    /// it is, then at every change, until the server ends the stream (the deployment is
    /// terminal, or the stream's time bound passed: call again to go on).
    pub async fn follow_deployment(
        &self,
        id: Uuid,
        mut each: impl FnMut(Deployment),
    ) -> Result<(), ClientError> {
        let transport = |e: reqwest::Error| ClientError::Transport(e.to_string());
        let mut res = self
            .0
            .request(Method::GET, &format!("/v1/deployments/{id}/stream"))
            .header("accept", "text/event-stream")
            .send()
            .await
            .map_err(|e| ClientError::Transport(e.to_string()))?;
        let status = res.status();
        if !status.is_success() {
            let bytes = res.bytes().await.map_err(transport)?;
            return Err(error_from(status, &bytes));
        }
        let mut buf: Vec<u8> = Vec::new();
        while let Some(chunk) = res.chunk().await.map_err(transport)? {
            buf.extend_from_slice(&chunk);
            while let Some(end) = buf.windows(2).position(|w| w == b"\n\n") {
                let block: Vec<u8> = buf.drain(..end + 2).collect();
                if let Some(d) = deployment_event(&block)? {
                    each(d);
                }
            }
        }
        Ok(())
    }
}

/// The deployment an event block carries, if it is a `deployment` event.
fn deployment_event(block: &[u8]) -> Result<Option<Deployment>, ClientError> {
    let text = String::from_utf8_lossy(block);
    let mut event = "message";
    let mut data = String::new();
    for line in text.lines() {
        if let Some(v) = line.strip_prefix("event:") {
            event = v.trim();
        } else if let Some(v) = line.strip_prefix("data:") {
            if !data.is_empty() {
                data.push('\n');
            }
            data.push_str(v.strip_prefix(' ').unwrap_or(v));
        }
    }
    if event != "deployment" || data.is_empty() {
        return Ok(None);
    }
    serde_json::from_str(&data)
        .map(Some)
        .map_err(|e| ClientError::Decode(format!("deployment event: {e}")))
}
