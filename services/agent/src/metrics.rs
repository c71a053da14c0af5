//! The agent's own metrics, served on an opt-in local port (`--metrics-listen`):
//! `liftoff_agent_commands_total{status}`, `liftoff_agent_hook_duration_seconds{event, status}`
//! (a histogram per lifecycle event's scripts), `liftoff_agent_bundle_download_bytes_total` and
//! `liftoff_agent_journal_recoveries_total` (commands found interrupted at start). With
//! `--simulate` they add up over the process's virtual hosts. Without the flag nothing is
//! recorded anywhere.

use std::net::SocketAddr;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder};

const SECONDS_BUCKETS: &[f64] = &[
    0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0,
];

/// Installs the recorder and its HTTP listener (on the running tokio runtime).
pub fn serve(addr: SocketAddr) -> anyhow::Result<()> {
    PrometheusBuilder::new()
        .with_http_listener(addr)
        .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), SECONDS_BUCKETS)?
        .install()
        .map_err(|e| anyhow::anyhow!("--metrics-listen {addr}: {e}"))?;
    // Present from the start, so a scrape before the first command sees every series.
    for status in ["Succeeded", "Failed", "Cancelled"] {
        metrics::counter!("liftoff_agent_commands_total", "status" => status).increment(0);
    }
    metrics::counter!("liftoff_agent_bundle_download_bytes_total").increment(0);
    metrics::counter!("liftoff_agent_journal_recoveries_total").increment(0);
    metrics::gauge!("liftoff_agent_build_info", "version" => crate::VERSION).set(1.0);
    tracing::info!(%addr, "serving agent metrics on /metrics");
    Ok(())
}
