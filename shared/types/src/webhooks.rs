//! Webhooks: a team's subscriptions of a URL to event types, and their deliveries (each event a
//! CloudEvents 1.0 JSON event, signed by the Standard Webhooks scheme).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// Every event type a subscription can name (also as a family: `deployment.*`), besides `*`.
/// `webhook.test` is what `POST /v1/webhooks/{id}/test` sends.
pub use crate::events::EVENT_TYPES;

/// `POST /v1/webhooks`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhook {
    /// Where events are POSTed: http or https, subject to the same address rules as revision
    /// URLs (`--url-allow` opens blocks).
    pub url: String,
    /// Exact event types (`deployment.succeeded`), families (`deployment.*`) or `*`.
    pub events: Vec<String>,
    /// Only events of this application.
    #[serde(default)]
    pub application: Option<String>,
    /// Only events of this deployment group.
    #[serde(default)]
    pub deployment_group: Option<String>,
}

/// A subscription (its secret is shown only when created or rotated).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Webhook {
    pub id: Uuid,
    pub url: String,
    pub events: Vec<String>,
    pub application: Option<String>,
    pub deployment_group: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    /// While set, deliveries are signed with the previous secret too.
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
}

/// A subscription just created or rotated, with the secret that signs its deliveries
/// (`whsec_<base64>`): shown this once, never again.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WebhookWithSecret {
    #[serde(flatten)]
    pub webhook: Webhook,
    pub secret: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WebhookList {
    pub webhooks: Vec<Webhook>,
}

/// `POST /v1/webhooks/{id}/rotate-secret`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotateWebhookSecret {
    /// How long deliveries keep carrying a signature with the old secret too (default 86400,
    /// at most 7 days; 0 retires it at once).
    #[serde(default)]
    pub overlap_secs: Option<u32>,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// Waiting for its first or next attempt.
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// Retried for the maximum age without success: dead-lettered (`redeliver` re-queues it).
    Dead,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Dead => "dead",
        }
    }

    /// `pending`, `delivered` or `dead`, in any case.
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "pending" => Some(Self::Pending),
            "delivered" => Some(Self::Delivered),
            "dead" => Some(Self::Dead),
            _ => None,
        }
    }
}

/// One try at delivering an event.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct DeliveryAttempt {
    pub attempted_at: DateTime<Utc>,
    /// The receiver's HTTP status; none when no answer came (refused, timed out).
    pub status_code: Option<u16>,
    pub latency_ms: u64,
    /// The start of the receiver's answer (at most 1 KiB).
    pub response: Option<String>,
    pub error: Option<String>,
}

/// One event on its way to one subscription.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct WebhookDelivery {
    pub delivery_id: Uuid,
    pub webhook_id: Uuid,
    /// The CloudEvent's `id` and the `webhook-id` header: the event's id in history.
    pub event_id: Uuid,
    pub event_type: String,
    /// What the event is about (`deployments/<id>`, `hosts/<id>`): deliveries of one subject
    /// arrive in the order history recorded them.
    pub subject: String,
    pub status: DeliveryStatus,
    pub attempts: u32,
    pub created_at: DateTime<Utc>,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    /// Oldest first.
    pub attempt_log: Vec<DeliveryAttempt>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DeliveryPage {
    /// Newest first.
    pub deliveries: Vec<WebhookDelivery>,
    pub next_cursor: Option<String>,
}
