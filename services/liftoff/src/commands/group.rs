//! `liftoff group create|list|get|update`.

use std::collections::BTreeMap;

use clap::{Args, Subcommand, ValueEnum};
use liftoff_client::DeploymentApiClient;
use liftoff_types::analysis::HealthAnalysis;
use liftoff_types::deployments::{
    ConcurrencyPolicy, CreateDeploymentGroup, DeploymentGroup, UpdateDeploymentGroup,
};

use crate::cli::{Global, parse_duration, parse_tag};
use crate::client::print;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Policy {
    /// A deployment asked for while one runs is refused (409).
    Reject,
    /// It waits and starts when the running one ends.
    Queue,
}

impl From<Policy> for ConcurrencyPolicy {
    fn from(p: Policy) -> Self {
        match p {
            Policy::Reject => Self::Reject,
            Policy::Queue => Self::Queue,
        }
    }
}

/// A group's or configuration's health analysis: a Prometheus query evaluated during each deployment and for a
/// bake time after each batch. The query is a condition: any series in its result is a failed
/// measurement (e.g. `sum(rate(http_requests_total{code=~"5.."}[1m])) / sum(rate(http_requests_total[1m])) > 0.01`).
#[derive(Debug, Args, Default)]
pub struct HealthArgs {
    /// PromQL condition; a non-empty result is a breach.
    #[arg(long)]
    health_query: Option<String>,
    /// Prometheus base URL, e.g. http://prometheus:9090.
    #[arg(long)]
    health_prometheus: Option<String>,
    /// Time between measurements (30s, 1m; default 30s).
    #[arg(long, value_parser = parse_duration)]
    health_interval: Option<std::time::Duration>,
    /// Failed measurements that stop the deployment (default 1).
    #[arg(long)]
    health_failures: Option<u32>,
    /// Inconclusive measurements (Prometheus unreachable, query error) that stop it (default 3).
    #[arg(long)]
    health_inconclusive_limit: Option<u32>,
    /// Bake after each batch, measuring, before the next starts (default 60s; 0 for none).
    #[arg(long, value_parser = parse_duration)]
    health_bake: Option<std::time::Duration>,
}

impl HealthArgs {
    fn given(&self) -> bool {
        self.health_query.is_some()
            || self.health_prometheus.is_some()
            || self.health_interval.is_some()
            || self.health_failures.is_some()
            || self.health_inconclusive_limit.is_some()
            || self.health_bake.is_some()
    }

    /// The flags laid over `current` (a group's analysis so far); `None` when none is given.
    pub(crate) fn over(
        self,
        current: Option<HealthAnalysis>,
    ) -> anyhow::Result<Option<HealthAnalysis>> {
        if !self.given() {
            return Ok(None);
        }
        let secs = |d: std::time::Duration| u32::try_from(d.as_secs()).unwrap_or(u32::MAX);
        let (query, prometheus_url) = match (self.health_query, self.health_prometheus, &current) {
            (Some(q), Some(p), _) => (q, p),
            (q, p, Some(c)) => (
                q.unwrap_or(c.query.clone()),
                p.unwrap_or(c.prometheus_url.clone()),
            ),
            _ => anyhow::bail!(
                "--health-query and --health-prometheus are both needed to set up a health analysis"
            ),
        };
        Ok(Some(HealthAnalysis {
            query,
            prometheus_url,
            interval_secs: self
                .health_interval
                .map(secs)
                .or(current.as_ref().map(|c| c.interval_secs))
                .unwrap_or(30),
            failure_limit: self
                .health_failures
                .or(current.as_ref().map(|c| c.failure_limit))
                .unwrap_or(1),
            inconclusive_limit: self
                .health_inconclusive_limit
                .or(current.as_ref().map(|c| c.inconclusive_limit))
                .unwrap_or(3),
            bake_secs: self
                .health_bake
                .map(secs)
                .or(current.as_ref().map(|c| c.bake_secs))
                .unwrap_or(60),
        }))
    }
}

#[derive(Debug, Subcommand)]
pub enum GroupCmd {
    Create {
        #[arg(long)]
        app: String,
        name: String,
        /// `key=value` (repeatable; the same key twice means either value).
        #[arg(long = "selector", value_parser = parse_tag, required = true)]
        selector: Vec<(String, String)>,
        #[arg(long)]
        config: Option<String>,
        #[arg(long)]
        auto_rollback: bool,
        #[arg(long)]
        stage: Option<String>,
        /// Queue deployments while one runs (default: refuse them).
        #[arg(long)]
        queue: bool,
        /// Traffic is managed by the bundle's hooks: BeforeBlockTraffic and AfterBlockTraffic
        /// run before ApplicationStop, BeforeAllowTraffic and AfterAllowTraffic after
        /// ValidateService (default: they are skipped).
        #[arg(long)]
        traffic_hooks: bool,
        #[command(flatten)]
        health: HealthArgs,
    },
    List {
        #[arg(long)]
        app: String,
    },
    Get {
        #[arg(long)]
        app: String,
        name: String,
    },
    /// Change a group's settings; running deployments keep theirs.
    Update {
        #[arg(long)]
        app: String,
        name: String,
        /// A new selector, `key=value` (repeatable), replacing the old one whole.
        #[arg(long = "selector", value_parser = parse_tag)]
        selector: Vec<(String, String)>,
        #[arg(long)]
        config: Option<String>,
        /// `true` or `false`.
        #[arg(long)]
        auto_rollback: Option<bool>,
        #[arg(long, value_enum)]
        policy: Option<Policy>,
        #[arg(long, conflicts_with = "no_stage")]
        stage: Option<String>,
        /// Take the group out of the stages.
        #[arg(long)]
        no_stage: bool,
        /// Run the bundle's traffic hooks (`--traffic-hooks` or `--traffic-hooks true`), or
        /// skip them again (`--traffic-hooks false`).
        #[arg(long, num_args = 0..=1, default_missing_value = "true")]
        traffic_hooks: Option<bool>,
        #[command(flatten)]
        health: HealthArgs,
        /// Remove the group's health analysis.
        #[arg(long, conflicts_with_all = ["health_query", "health_prometheus", "health_interval", "health_failures", "health_inconclusive_limit", "health_bake"])]
        no_health: bool,
    },
}

fn selector_of(pairs: Vec<(String, String)>) -> BTreeMap<String, Vec<String>> {
    let mut sel: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, v) in pairs {
        sel.entry(k).or_default().push(v);
    }
    sel
}

fn describe(x: &DeploymentGroup) -> String {
    let health = match &x.health_analysis {
        Some(a) => format!(
            "{:?} on {} every {}s, stop after {} failed or {} inconclusive, bake {}s",
            a.query,
            a.prometheus_url,
            a.interval_secs,
            a.failure_limit,
            a.inconclusive_limit,
            a.bake_secs
        ),
        None => "none".into(),
    };
    format!(
        "{}: selector {:?}, config {}, auto-rollback {}, policy {}, stage {}, traffic hooks {}, health analysis {health}, last successful revision {}",
        x.name,
        x.selector,
        x.deployment_config,
        if x.auto_rollback { "on" } else { "off" },
        x.concurrency_policy.as_str(),
        x.stage.as_deref().unwrap_or("-"),
        if x.traffic_hooks { "on" } else { "off" },
        x.last_successful_revision_id
            .map(|r| r.to_string())
            .unwrap_or_else(|| "none".into())
    )
}

pub async fn run(g: &Global, api: &DeploymentApiClient, cmd: GroupCmd) -> anyhow::Result<()> {
    match cmd {
        GroupCmd::Create {
            app,
            name,
            selector,
            config,
            auto_rollback,
            stage,
            queue,
            traffic_hooks,
            health,
        } => {
            let req = CreateDeploymentGroup {
                traffic_hooks: Some(traffic_hooks),
                name,
                selector: selector_of(selector),
                deployment_config: config,
                auto_rollback: Some(auto_rollback),
                concurrency_policy: Some(if queue {
                    ConcurrencyPolicy::Queue
                } else {
                    ConcurrencyPolicy::Reject
                }),
                stage,
                health_analysis: health.over(None)?,
            };
            let grp = api.create_group(&app, &req).await?;
            print(g, &grp, |x| {
                format!("created deployment group {}", describe(x))
            })
        }
        GroupCmd::List { app } => {
            let l = api.list_groups(&app).await?;
            print(g, &l, |l| {
                l.deployment_groups
                    .iter()
                    .map(describe)
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        GroupCmd::Get { app, name } => {
            let grp = api.get_group(&app, &name).await?;
            print(g, &grp, describe)
        }
        GroupCmd::Update {
            app,
            name,
            selector,
            config,
            auto_rollback,
            policy,
            stage,
            no_stage,
            traffic_hooks,
            health,
            no_health,
        } => {
            let health_analysis = if no_health {
                Some(None)
            } else if health.given() {
                let current = api.get_group(&app, &name).await?.health_analysis;
                health.over(current)?.map(Some)
            } else {
                None
            };
            let req = UpdateDeploymentGroup {
                health_analysis,
                traffic_hooks,
                selector: (!selector.is_empty()).then(|| selector_of(selector)),
                deployment_config: config,
                auto_rollback,
                concurrency_policy: policy.map(Into::into),
                stage: if no_stage {
                    Some(None)
                } else {
                    stage.map(Some)
                },
            };
            let grp = api.update_group(&app, &name, &req).await?;
            print(g, &grp, describe)
        }
    }
}
