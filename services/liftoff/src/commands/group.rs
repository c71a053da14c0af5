//! `liftoff group create|list|get|update`.

use std::collections::BTreeMap;

use clap::{Subcommand, ValueEnum};
use liftoff_client::DeploymentApiClient;
use liftoff_types::deployments::{
    ConcurrencyPolicy, CreateDeploymentGroup, DeploymentGroup, UpdateDeploymentGroup,
};

use crate::cli::{Global, parse_tag};
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
    format!(
        "{}: selector {:?}, config {}, auto-rollback {}, policy {}, stage {}, traffic hooks {}, last successful revision {}",
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
            };
            let grp = api.create_group(&app, &req).await?;
            print(g, &grp, |x| {
                format!(
                    "created deployment group {} ({})",
                    x.name, x.deployment_config
                )
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
        } => {
            let req = UpdateDeploymentGroup {
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
