//! Health analysis: a Prometheus query the scheduler evaluates during a rollout and for a bake
//! time after each batch. The query is an instant-vector PromQL *condition* (e.g.
//! `sum(rate(http_requests_total{code=~"5.."}[1m])) / sum(rate(http_requests_total[1m])) > 0.01`):
//! a non-empty result is a failed measurement (a breach), an empty result a passed one. An
//! unreachable Prometheus or an erroring query is an inconclusive measurement.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Error code of a deployment stopped by failed measurements.
pub const HEALTH_CHECK_FAILED: &str = "HEALTH_CHECK_FAILED";
/// Error code of a deployment stopped by inconclusive measurements.
pub const HEALTH_CHECK_INCONCLUSIVE: &str = "HEALTH_CHECK_INCONCLUSIVE";

/// Most bytes of a query.
pub const MAX_QUERY_BYTES: usize = 4096;

/// A group's health analysis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HealthAnalysis {
    /// PromQL instant-vector condition: any series in the result is a breach.
    pub query: String,
    /// Prometheus base URL (`http://prometheus:9090`); the same outgoing-URL rules as
    /// revision URLs and webhooks apply (`--url-allow` opens private blocks).
    pub prometheus_url: String,
    /// Seconds between measurements (1 to 3600; default 30).
    #[serde(default = "default_interval")]
    pub interval_secs: u32,
    /// Failed measurements that stop the deployment (1 to 100; default 1).
    #[serde(default = "default_failures")]
    pub failure_limit: u32,
    /// Inconclusive measurements that stop the deployment (1 to 100; default 3).
    #[serde(default = "default_inconclusive")]
    pub inconclusive_limit: u32,
    /// Seconds the analysis runs after each batch finishes before the next starts, and after
    /// the last one before the deployment succeeds (0 to 86400; default 60).
    #[serde(default = "default_bake")]
    pub bake_secs: u32,
}

fn default_interval() -> u32 {
    30
}
fn default_failures() -> u32 {
    1
}
fn default_inconclusive() -> u32 {
    3
}
fn default_bake() -> u32 {
    60
}

impl HealthAnalysis {
    /// The bounds of every field, as a message naming the field.
    pub fn validate(&self) -> Result<(), String> {
        let q = self.query.trim();
        if q.is_empty() {
            return Err("health_analysis.query: must not be empty".into());
        }
        if q.len() > MAX_QUERY_BYTES {
            return Err(format!(
                "health_analysis.query: longer than {MAX_QUERY_BYTES} bytes"
            ));
        }
        if q.chars()
            .any(|ch| ch.is_control() && ch != '\n' && ch != '\t')
        {
            return Err("health_analysis.query: control characters are not allowed".into());
        }
        let bounds = [
            ("interval_secs", self.interval_secs, 1, 3600),
            ("failure_limit", self.failure_limit, 1, 100),
            ("inconclusive_limit", self.inconclusive_limit, 1, 100),
            ("bake_secs", self.bake_secs, 0, 86_400),
        ];
        for (name, v, lo, hi) in bounds {
            if v < lo || v > hi {
                return Err(format!(
                    "health_analysis.{name}: {v} is not between {lo} and {hi}"
                ));
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MeasurementOutcome {
    /// Claimed, the query not answered yet.
    Running,
    Passed,
    Failed,
    Inconclusive,
}

impl MeasurementOutcome {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Passed => "passed",
            Self::Failed => "failed",
            Self::Inconclusive => "inconclusive",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "running" => Self::Running,
            "passed" => Self::Passed,
            "failed" => Self::Failed,
            "inconclusive" => Self::Inconclusive,
            _ => return None,
        })
    }
}

/// One evaluation of the query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Measurement {
    pub seq: i64,
    pub measured_at: DateTime<Utc>,
    pub outcome: MeasurementOutcome,
    /// The series the query returned (breaching values), at most a few.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Why it was inconclusive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AnalysisState {
    /// Measuring while hosts deploy.
    Running,
    /// A batch finished: measuring until the bake ends.
    Baking,
    /// The deployment ended without a breach.
    Passed,
    Failed,
    Inconclusive,
    /// The deployment failed or was stopped for another reason.
    Ended,
}

/// A deployment's analysis as its status shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AnalysisStatus {
    pub state: AnalysisState,
    pub query: String,
    pub passed: u32,
    pub failed: u32,
    pub inconclusive: u32,
    pub failure_limit: u32,
    pub inconclusive_limit: u32,
    /// The latest measurements, newest first (at most 10).
    pub measurements: Vec<Measurement>,
}
