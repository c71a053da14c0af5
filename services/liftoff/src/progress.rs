//! Following a deployment as it happens, and describing it for people.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use liftoff_client::DeploymentApiClient;
use liftoff_types::deployments::Deployment;
use uuid::Uuid;

/// Follows the deployment until it finishes; with `live`, prints each host and event change.
/// Changes come from the deployment's stream (pushed as they happen); when the stream cannot
/// be had (an older server, a broken connection), one look at the deployment stands in.
pub async fn watch(api: &DeploymentApiClient, id: Uuid, live: bool) -> anyhow::Result<Deployment> {
    let mut report = Report::new(live);
    let mut failures = 0u32;
    loop {
        let mut last: Option<Deployment> = None;
        let streamed = api
            .follow_deployment(id, |d| {
                report.show(&d);
                last = Some(d);
            })
            .await;
        match last {
            Some(d) if d.status.is_terminal() => return Ok(d),
            // The stream's time bound: connect again.
            Some(_) if streamed.is_ok() => {
                failures = 0;
                continue;
            }
            _ => {}
        }
        let d = match api.get_deployment(id).await {
            Ok(d) => {
                failures = 0;
                d
            }
            Err(e) if e.is_retryable() && failures < 30 => {
                failures += 1;
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        report.show(&d);
        if d.status.is_terminal() {
            return Ok(d);
        }
        tokio::time::sleep(Duration::from_millis(400)).await;
    }
}

/// What has been printed about one deployment, so each change is printed once.
struct Report {
    live: bool,
    start: Instant,
    seen: HashMap<(Uuid, String), String>,
    last_status: String,
}

impl Report {
    fn new(live: bool) -> Self {
        Self {
            live,
            start: Instant::now(),
            seen: HashMap::new(),
            last_status: String::new(),
        }
    }

    fn show(&mut self, d: &Deployment) {
        let live = self.live;
        let t = self.start.elapsed().as_secs_f64();
        if d.status.as_str() != self.last_status {
            self.last_status = d.status.as_str().to_string();
            emit(
                live,
                format!(
                    "[{t:6.1}s] deployment {} {}",
                    short(d.deployment_id),
                    self.last_status
                ),
            );
        }
        for h in &d.hosts {
            let key = (h.host_id, String::new());
            let status = h.status.as_str().to_string();
            if self.seen.get(&key) != Some(&status) {
                self.seen.insert(key, status.clone());
                let why = h
                    .error_code
                    .as_ref()
                    .map(|c| format!(" ({c}: {})", h.message.clone().unwrap_or_default()))
                    .unwrap_or_default();
                emit(
                    live,
                    format!(
                        "[{t:6.1}s]   host {} {:8} {}{why}",
                        short(h.host_id),
                        h.zone,
                        status
                    ),
                );
            }
            for e in &h.events {
                let key = (h.host_id, e.event.clone());
                let status = e.status.as_str().to_string();
                if self.seen.get(&key) != Some(&status) {
                    self.seen.insert(key, status.clone());
                    emit(
                        live,
                        format!(
                            "[{t:6.1}s]     {} {:16} {}",
                            short(h.host_id),
                            e.event,
                            status
                        ),
                    );
                }
            }
        }
    }
}

fn emit(live: bool, line: String) {
    if live {
        crate::client::emit(&line);
    } else {
        eprintln!("{line}");
    }
}

/// The tail of an id: UUIDv7 heads are timestamps, alike for ids made together.
pub fn short(id: Uuid) -> String {
    let s = id.simple().to_string();
    s[s.len() - 8..].to_string()
}

pub fn describe(d: &Deployment) -> String {
    let mut out = format!(
        "deployment {}: {} ({} / {}, revision {}, config {})\n  hosts: {} pending, {} in progress, {} succeeded, {} failed, {} skipped",
        d.deployment_id,
        d.status.as_str(),
        d.application,
        d.deployment_group,
        d.revision_id,
        d.deployment_config,
        d.overview.pending,
        d.overview.in_progress,
        d.overview.succeeded,
        d.overview.failed,
        d.overview.skipped
    );
    if let Some(b) = d.file_exists_behavior {
        out.push_str(&format!("\n  file_exists_behavior: {}", b.as_str()));
    }
    if let Some(e) = &d.error {
        out.push_str(&format!("\n  error: {}: {}", e.code, e.message));
    }
    if let Some(a) = &d.analysis {
        out.push_str(&format!(
            "\n  health analysis: {:?}, {} passed, {} failed (limit {}), {} inconclusive (limit {}); {}",
            a.state, a.passed, a.failed, a.failure_limit, a.inconclusive, a.inconclusive_limit, a.query
        ));
        for m in &a.measurements {
            out.push_str(&format!(
                "\n      #{} {} {}{}",
                m.seq,
                m.measured_at.to_rfc3339(),
                m.outcome.as_str(),
                m.value
                    .as_deref()
                    .or(m.message.as_deref())
                    .map(|v| format!(": {v}"))
                    .unwrap_or_default()
            ));
        }
    }
    for h in &d.hosts {
        out.push_str(&format!(
            "\n  {} {:8} {}",
            h.host_id,
            h.zone,
            h.status.as_str()
        ));
        if let Some(c) = &h.error_code {
            out.push_str(&format!(
                " ({c}: {})",
                h.message.clone().unwrap_or_default()
            ));
        }
        for e in &h.events {
            out.push_str(&format!("\n      {:16} {}", e.event, e.status.as_str()));
            if let Some(code) = &e.exit_code {
                out.push_str(&format!(" exit {code}"));
            }
        }
    }
    out
}
