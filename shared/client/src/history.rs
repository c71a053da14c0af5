//! Client of the history service.

use liftoff_types::history::*;
use reqwest::Method;
use uuid::Uuid;

use crate::{Client, ClientError};

#[derive(Clone, Debug)]
pub struct HistoryClient(pub Client);

/// Filters for `GET /v1/events`.
#[derive(Debug, Default, Clone)]
pub struct EventQuery {
    pub deployment_id: Option<Uuid>,
    pub host_id: Option<Uuid>,
    pub application: Option<String>,
    pub event_type: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

impl HistoryClient {
    pub fn new(client: Client) -> Self {
        Self(client)
    }

    pub async fn ingest(&self, batch: &EventBatch) -> Result<IngestResult, ClientError> {
        self.0.post("/v1/events", batch).await
    }

    pub async fn events(&self, q: &EventQuery) -> Result<EventPage, ClientError> {
        let mut params: Vec<(&str, String)> = Vec::new();
        if let Some(d) = q.deployment_id {
            params.push(("deployment_id", d.to_string()));
        }
        if let Some(h) = q.host_id {
            params.push(("host_id", h.to_string()));
        }
        if let Some(a) = &q.application {
            params.push(("application", a.clone()));
        }
        if let Some(t) = &q.event_type {
            params.push(("event_type", t.clone()));
        }
        if let Some(l) = q.limit {
            params.push(("limit", l.to_string()));
        }
        if let Some(c) = &q.cursor {
            params.push(("cursor", c.clone()));
        }
        self.0
            .send(self.0.request(Method::GET, "/v1/events").query(&params))
            .await
    }

    /// Which hosts run which revision of `application` now (optionally only `revision`).
    pub async fn host_revisions(
        &self,
        application: Option<&str>,
        revision: Option<Uuid>,
    ) -> Result<HostRevisionList, ClientError> {
        let mut params: Vec<(&str, String)> = Vec::new();
        if let Some(a) = application {
            params.push(("application", a.to_string()));
        }
        if let Some(r) = revision {
            params.push(("revision_id", r.to_string()));
        }
        self.0
            .send(
                self.0
                    .request(Method::GET, "/v1/history/hosts")
                    .query(&params),
            )
            .await
    }
}
