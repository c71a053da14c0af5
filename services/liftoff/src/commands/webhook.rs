//! `liftoff webhook create|list|get|delete|test|deliveries|redeliver|rotate-secret`: a team's
//! subscriptions of URLs to events, delivered as signed CloudEvents.

use clap::Subcommand;
use liftoff_client::HistoryClient;
use liftoff_client::Page;
use liftoff_types::webhooks::{
    CreateWebhook, RotateWebhookSecret, Webhook, WebhookDelivery, WebhookWithSecret,
};
use uuid::Uuid;

use super::time_or_never;
use crate::cli::Global;
use crate::client::print;

#[derive(Debug, Subcommand)]
pub enum WebhookCmd {
    /// Subscribe a URL to events; prints the signing secret, shown this once.
    Create {
        /// http(s) URL; the same address rules as revision URLs (`up --url-allow` opens blocks).
        #[arg(long)]
        url: String,
        /// Event types, families or `*`, comma-separated: `deployment.succeeded,host.lost`,
        /// `deployment.*`, `*`.
        #[arg(long, value_delimiter = ',', required = true)]
        events: Vec<String>,
        /// Only events of this application.
        #[arg(long)]
        app: Option<String>,
        /// Only events of this deployment group.
        #[arg(long)]
        group: Option<String>,
    },
    /// The team's subscriptions.
    List,
    Get {
        id: Uuid,
    },
    /// Remove a subscription and what it has not delivered yet.
    Delete {
        id: Uuid,
    },
    /// Send a `webhook.test` event through the queue.
    Test {
        id: Uuid,
    },
    /// Deliveries, newest first, with every attempt.
    Deliveries {
        id: Uuid,
        /// pending, delivered or dead.
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        limit: Option<u32>,
        #[arg(long)]
        cursor: Option<String>,
    },
    /// Queue a delivered or dead-lettered delivery again.
    Redeliver {
        id: Uuid,
        delivery: Uuid,
    },
    /// A new secret, printed once; the old one keeps signing (a second signature) for the
    /// overlap.
    RotateSecret {
        id: Uuid,
        /// How long the old secret keeps signing (e.g. 1h, 1d; default 1d, 0 retires it now).
        #[arg(long, value_parser = crate::cli::parse_duration)]
        overlap: Option<std::time::Duration>,
    },
}

fn describe(w: &Webhook) -> String {
    let mut filters = String::new();
    if let Some(a) = &w.application {
        filters.push_str(&format!("  app={a}"));
    }
    if let Some(g) = &w.deployment_group {
        filters.push_str(&format!("  group={g}"));
    }
    format!("{}  {}  {}{filters}", w.id, w.url, w.events.join(","))
}

fn with_secret(w: &WebhookWithSecret) -> String {
    format!(
        "{}\nsecret: {} (shown once: keep it where the receiver verifies signatures)",
        describe(&w.webhook),
        w.secret
    )
}

fn delivery_lines(d: &WebhookDelivery) -> String {
    let mut out = format!(
        "{}  {:9}  {:28}  {}  attempts {}  next {}",
        d.delivery_id,
        d.status.as_str(),
        d.event_type,
        d.subject,
        d.attempts,
        time_or_never(d.next_attempt_at)
    );
    for a in &d.attempt_log {
        out.push_str(&format!(
            "\n    {}  {}  {} ms{}",
            a.attempted_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            a.status_code
                .map(|s| s.to_string())
                .unwrap_or_else(|| "-".into()),
            a.latency_ms,
            a.error
                .as_ref()
                .map(|e| format!("  {e}"))
                .unwrap_or_default()
        ));
    }
    out
}

pub async fn run(g: &Global, history: &HistoryClient, cmd: WebhookCmd) -> anyhow::Result<()> {
    match cmd {
        WebhookCmd::Create {
            url,
            events,
            app,
            group,
        } => {
            let w = history
                .create_webhook(&CreateWebhook {
                    url,
                    events,
                    application: app,
                    deployment_group: group,
                })
                .await?;
            print(g, &w, with_secret)
        }
        WebhookCmd::List => {
            let l = history.webhooks().await?;
            print(g, &l, |l| {
                l.webhooks
                    .iter()
                    .map(describe)
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        WebhookCmd::Get { id } => print(g, &history.webhook(id).await?, describe),
        WebhookCmd::Delete { id } => {
            let w = history.delete_webhook(id).await?;
            print(g, &w, |w| format!("deleted {}", describe(w)))
        }
        WebhookCmd::Test { id } => {
            let d = history.test_webhook(id).await?;
            print(g, &d, |d| format!("queued {}", delivery_lines(d)))
        }
        WebhookCmd::Deliveries {
            id,
            status,
            limit,
            cursor,
        } => {
            let p = history
                .webhook_deliveries(id, status.as_deref(), &Page { limit, cursor })
                .await?;
            print(g, &p, |p| {
                let mut lines: Vec<String> = p.deliveries.iter().map(delivery_lines).collect();
                if let Some(c) = &p.next_cursor {
                    lines.push(format!("more: --cursor {c}"));
                }
                lines.join("\n")
            })
        }
        WebhookCmd::Redeliver { id, delivery } => {
            let d = history.redeliver(id, delivery).await?;
            print(g, &d, |d| format!("queued again {}", delivery_lines(d)))
        }
        WebhookCmd::RotateSecret { id, overlap } => {
            let overlap_secs = overlap
                .map(|d| u32::try_from(d.as_secs()))
                .transpose()
                .map_err(|_| anyhow::anyhow!("--overlap: too long"))?;
            let w = history
                .rotate_webhook_secret(id, &RotateWebhookSecret { overlap_secs })
                .await?;
            print(g, &w, with_secret)
        }
    }
}
