//! Client of the history service.

use std::path::Path;

use chrono::{DateTime, Utc};
use liftoff_types::history::*;
use liftoff_types::webhooks::*;
use reqwest::Method;
use uuid::Uuid;

use crate::{Client, ClientError, enc};

#[derive(Clone, Debug)]
pub struct HistoryClient(pub Client);

/// Filters for `GET /v1/events`.
#[derive(Debug, Default, Clone)]
pub struct EventQuery {
    pub deployment_id: Option<Uuid>,
    pub host_id: Option<Uuid>,
    pub application: Option<String>,
    pub deployment_group: Option<String>,
    pub revision_id: Option<Uuid>,
    /// Exact, or a prefix ending in `*`.
    pub event_type: Option<String>,
    pub source: Option<String>,
    pub actor: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Newest first.
    pub newest_first: bool,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// Filters for `GET /v1/audit` (newest first unless `oldest_first`).
#[derive(Debug, Default, Clone)]
pub struct AuditQuery {
    pub actor: Option<String>,
    /// Exact event type, or a prefix ending in `*`.
    pub action: Option<String>,
    pub application: Option<String>,
    pub deployment_group: Option<String>,
    pub deployment_id: Option<Uuid>,
    pub revision_id: Option<Uuid>,
    pub host_id: Option<Uuid>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub oldest_first: bool,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// One page of a list: its size and where to start.
#[derive(Debug, Default, Clone)]
pub struct Page {
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

fn push<T: ToString>(params: &mut Vec<(&'static str, String)>, key: &'static str, v: Option<T>) {
    if let Some(v) = v {
        params.push((key, v.to_string()));
    }
}

fn page_params(params: &mut Vec<(&'static str, String)>, page: &Page) {
    push(params, "limit", page.limit);
    push(params, "cursor", page.cursor.clone());
}

fn rfc3339(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// What the agent sends of a hook log file: all of it when it fits in `HOOK_LOG_CAP_BYTES`,
/// else its first quarter and last three quarters around a marker line.
pub fn hook_log_excerpt(bytes: &[u8]) -> (String, bool) {
    if bytes.len() <= HOOK_LOG_CAP_BYTES {
        return (String::from_utf8_lossy(bytes).into_owned(), false);
    }
    let marker = format!(
        "\n[liftoff: {} bytes omitted]\n",
        bytes.len() - HOOK_LOG_CAP_BYTES
    );
    // Lossy decoding may grow a cut character into U+FFFD (3 bytes): keep a margin.
    let budget = HOOK_LOG_CAP_BYTES - marker.len() - 16;
    let head = budget / 4;
    let tail = budget - head;
    let mut out = String::from_utf8_lossy(&bytes[..head]).into_owned();
    out.push_str(&marker);
    out.push_str(&String::from_utf8_lossy(&bytes[bytes.len() - tail..]));
    (out, true)
}

impl HistoryClient {
    pub fn new(client: Client) -> Self {
        Self(client)
    }

    async fn get_with<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        params: &[(&'static str, String)],
    ) -> Result<T, ClientError> {
        self.0
            .send(self.0.request(Method::GET, path).query(params))
            .await
    }

    pub async fn ingest(&self, batch: &EventBatch) -> Result<IngestResult, ClientError> {
        self.0.post("/v1/events", batch).await
    }

    pub async fn events(&self, q: &EventQuery) -> Result<EventPage, ClientError> {
        let mut params = Vec::new();
        push(&mut params, "deployment_id", q.deployment_id);
        push(&mut params, "host_id", q.host_id);
        push(&mut params, "application", q.application.clone());
        push(&mut params, "deployment_group", q.deployment_group.clone());
        push(&mut params, "revision_id", q.revision_id);
        push(&mut params, "event_type", q.event_type.clone());
        push(&mut params, "source", q.source.clone());
        push(&mut params, "actor", q.actor.clone());
        push(&mut params, "since", q.since.as_ref().map(rfc3339));
        push(&mut params, "until", q.until.as_ref().map(rfc3339));
        if q.newest_first {
            params.push(("order", "desc".into()));
        }
        push(&mut params, "limit", q.limit);
        push(&mut params, "cursor", q.cursor.clone());
        self.get_with("/v1/events", &params).await
    }

    /// Which hosts run which revision of `application` now (optionally only `revision`).
    pub async fn host_revisions(
        &self,
        application: Option<&str>,
        revision: Option<Uuid>,
    ) -> Result<HostRevisionList, ClientError> {
        self.host_revisions_page(application, revision, None, &Page::default())
            .await
    }

    /// One page of current host revisions, filtered.
    pub async fn host_revisions_page(
        &self,
        application: Option<&str>,
        revision: Option<Uuid>,
        host: Option<Uuid>,
        page: &Page,
    ) -> Result<HostRevisionList, ClientError> {
        let mut params = Vec::new();
        push(&mut params, "application", application);
        push(&mut params, "revision_id", revision);
        push(&mut params, "host_id", host);
        page_params(&mut params, page);
        self.get_with("/v1/history/hosts", &params).await
    }

    /// The hosts running `revision` now, and since when.
    pub async fn revision_hosts(
        &self,
        revision: Uuid,
        application: Option<&str>,
        page: &Page,
    ) -> Result<HostRevisionList, ClientError> {
        let mut params = Vec::new();
        push(&mut params, "application", application);
        page_params(&mut params, page);
        self.get_with(&format!("/v1/history/revisions/{revision}/hosts"), &params)
            .await
    }

    /// What each host of `group` ran at `at`, and the group's target revision then.
    pub async fn group_at(
        &self,
        application: &str,
        group: &str,
        at: &DateTime<Utc>,
        page: &Page,
    ) -> Result<GroupAtTime, ClientError> {
        let mut params = vec![
            ("application", application.to_string()),
            ("at", rfc3339(at)),
        ];
        page_params(&mut params, page);
        self.get_with(
            &format!("/v1/history/deployment-groups/{}/at", enc(group)),
            &params,
        )
        .await
    }

    pub async fn audit(&self, q: &AuditQuery) -> Result<AuditPage, ClientError> {
        let mut params = Vec::new();
        push(&mut params, "actor", q.actor.clone());
        push(&mut params, "action", q.action.clone());
        push(&mut params, "application", q.application.clone());
        push(&mut params, "deployment_group", q.deployment_group.clone());
        push(&mut params, "deployment_id", q.deployment_id);
        push(&mut params, "revision_id", q.revision_id);
        push(&mut params, "host_id", q.host_id);
        push(&mut params, "since", q.since.as_ref().map(rfc3339));
        push(&mut params, "until", q.until.as_ref().map(rfc3339));
        if q.oldest_first {
            params.push(("order", "asc".into()));
        }
        push(&mut params, "limit", q.limit);
        push(&mut params, "cursor", q.cursor.clone());
        self.get_with("/v1/audit", &params).await
    }

    /// Stores the whole output of one lifecycle event (host credential).
    pub async fn upload_hook_log(
        &self,
        host: Uuid,
        command: Uuid,
        event: &str,
        log: &HookLogUpload,
    ) -> Result<(), ClientError> {
        let rb = self
            .0
            .request(
                Method::PUT,
                &format!(
                    "/v1/history/hosts/{host}/commands/{command}/logs/{}",
                    enc(event)
                ),
            )
            .json(log);
        let res = rb
            .send()
            .await
            .map_err(|e| ClientError::Transport(e.to_string()))?;
        if res.status().is_success() {
            return Ok(());
        }
        crate::decode::<serde_json::Value>(res).await.map(|_| ())
    }

    /// Uploads the logs of several events of one command in one request (see [`HookLogBatch`]).
    pub async fn upload_hook_logs(
        &self,
        host: Uuid,
        command: Uuid,
        batch: &HookLogBatch,
    ) -> Result<(), ClientError> {
        let res = self
            .0
            .request(
                Method::PUT,
                &format!("/v1/history/hosts/{host}/commands/{command}/logs"),
            )
            .json(batch)
            .send()
            .await
            .map_err(|e| ClientError::Transport(e.to_string()))?;
        if res.status().is_success() {
            return Ok(());
        }
        crate::decode::<serde_json::Value>(res).await.map(|_| ())
    }

    /// Uploads the hook log file at `path` (cut to `HOOK_LOG_CAP_BYTES` if larger). A missing
    /// file (the event ran no script) uploads nothing and answers `Ok(false)`.
    #[allow(clippy::too_many_arguments)]
    pub async fn upload_hook_log_file(
        &self,
        host: Uuid,
        command: Uuid,
        event: &str,
        deployment_id: Uuid,
        revision_id: Uuid,
        upload_grant: Option<&str>,
        path: &Path,
    ) -> Result<bool, ClientError> {
        let bytes = match tokio::fs::read(path).await {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(ClientError::Transport(format!("{}: {e}", path.display()))),
        };
        let (output, truncated) = hook_log_excerpt(&bytes);
        let log = HookLogUpload {
            deployment_id,
            revision_id,
            output,
            truncated,
            original_bytes: bytes.len() as u64,
            upload_grant: upload_grant.map(str::to_string),
        };
        self.upload_hook_log(host, command, event, &log).await?;
        Ok(true)
    }

    /// One page of a deployment's hook logs (optionally one host's, or one event's).
    pub async fn deployment_logs(
        &self,
        deployment: Uuid,
        host: Option<Uuid>,
        event: Option<&str>,
        page: &Page,
    ) -> Result<HookLogPage, ClientError> {
        let mut params = Vec::new();
        push(&mut params, "host_id", host);
        push(&mut params, "event", event);
        page_params(&mut params, page);
        self.get_with(
            &format!("/v1/history/deployments/{deployment}/logs"),
            &params,
        )
        .await
    }

    pub async fn pins(&self) -> Result<PinList, ClientError> {
        self.0.get("/v1/history/pins").await
    }

    pub async fn pin(&self, revision: Uuid, note: Option<&str>) -> Result<Pin, ClientError> {
        self.0
            .put(
                &format!("/v1/history/pins/{revision}"),
                &CreatePin {
                    note: note.map(str::to_string),
                },
            )
            .await
    }

    pub async fn unpin(&self, revision: Uuid) -> Result<Pin, ClientError> {
        self.0
            .send(
                self.0
                    .request(Method::DELETE, &format!("/v1/history/pins/{revision}")),
            )
            .await
    }

    pub async fn create_webhook(
        &self,
        req: &CreateWebhook,
    ) -> Result<WebhookWithSecret, ClientError> {
        self.0.post("/v1/webhooks", req).await
    }

    pub async fn webhooks(&self) -> Result<WebhookList, ClientError> {
        self.0.get("/v1/webhooks").await
    }

    pub async fn webhook(&self, id: Uuid) -> Result<Webhook, ClientError> {
        self.0.get(&format!("/v1/webhooks/{id}")).await
    }

    pub async fn delete_webhook(&self, id: Uuid) -> Result<Webhook, ClientError> {
        self.0
            .send(
                self.0
                    .request(Method::DELETE, &format!("/v1/webhooks/{id}")),
            )
            .await
    }

    pub async fn rotate_webhook_secret(
        &self,
        id: Uuid,
        req: &RotateWebhookSecret,
    ) -> Result<WebhookWithSecret, ClientError> {
        self.0
            .post(&format!("/v1/webhooks/{id}/rotate-secret"), req)
            .await
    }

    pub async fn test_webhook(&self, id: Uuid) -> Result<WebhookDelivery, ClientError> {
        self.0
            .send(
                self.0
                    .request(Method::POST, &format!("/v1/webhooks/{id}/test")),
            )
            .await
    }

    /// A subscription's deliveries, newest first; `status` is `pending`, `delivered` or `dead`.
    pub async fn webhook_deliveries(
        &self,
        id: Uuid,
        status: Option<&str>,
        page: &Page,
    ) -> Result<DeliveryPage, ClientError> {
        let mut params = Vec::new();
        push(&mut params, "status", status);
        page_params(&mut params, page);
        self.get_with(&format!("/v1/webhooks/{id}/deliveries"), &params)
            .await
    }

    pub async fn redeliver(
        &self,
        id: Uuid,
        delivery: Uuid,
    ) -> Result<WebhookDelivery, ClientError> {
        self.0
            .send(self.0.request(
                Method::POST,
                &format!("/v1/webhooks/{id}/deliveries/{delivery}/redeliver"),
            ))
            .await
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn small_logs_go_whole_and_big_ones_keep_head_and_tail_under_the_cap() {
        let (s, cut) = hook_log_excerpt(b"hello\n");
        assert_eq!((s.as_str(), cut), ("hello\n", false));
        let mut big = b"FIRST-LINE\n".to_vec();
        big.extend(std::iter::repeat_n(b'x', 3 * HOOK_LOG_CAP_BYTES));
        big.extend(b"\nLAST-LINE: exit 3\n");
        let (s, cut) = hook_log_excerpt(&big);
        assert!(cut);
        assert!(s.len() <= HOOK_LOG_CAP_BYTES, "{}", s.len());
        assert!(s.starts_with("FIRST-LINE\n"));
        assert!(s.ends_with("LAST-LINE: exit 3\n"));
        assert!(s.contains("bytes omitted]"));
        // A multi-byte character cut in half never breaks the cap.
        let wide = "é".repeat(HOOK_LOG_CAP_BYTES);
        let (s, _) = hook_log_excerpt(wide.as_bytes());
        assert!(s.len() <= HOOK_LOG_CAP_BYTES);
    }
}
