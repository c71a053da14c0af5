//! `liftoff window show|set|clear`: a group's deployment windows, the weekly spans in which its
//! deployments start; outside them a deployment waits (`Queued`, `waiting_for: outside_window`)
//! or is refused (error `outside_window`), as the group's `--outside-window` says. Without a
//! group: the application's windows, which every group without its own follows.

use clap::{Subcommand, ValueEnum};
use liftoff_client::DeploymentApiClient;
use liftoff_types::deployments::{
    DeploymentWindows, OutsideWindow, SetDeploymentWindows, WindowSource,
};

use crate::cli::Global;
use crate::client::print;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Outside {
    /// Accept it `Queued`; it starts by itself when a window opens.
    Wait,
    /// Refuse it (error `outside_window`, non-zero exit).
    Refuse,
}

#[derive(Debug, Subcommand)]
pub enum WindowCmd {
    /// A group's windows in force (its own or its application's), whether one is open now,
    /// and when the next opens; without a group, the application's.
    Show {
        #[arg(long)]
        app: String,
        group: Option<String>,
    },
    /// Replace a group's windows, or without a group the application's (admin).
    Set {
        #[arg(long)]
        app: String,
        group: Option<String>,
        /// `DAYS HH:MM-HH:MM ZONE`, e.g. "Mon-Thu 09:00-16:00 Europe/Berlin"; repeat for several.
        #[arg(long = "window", required = true)]
        windows: Vec<String>,
        /// What happens to a deployment asked for outside every window.
        #[arg(long, value_enum, default_value = "wait")]
        outside_window: Outside,
    },
    /// Remove a group's windows (it follows its application's again), or without a group the
    /// application's (admin).
    Clear {
        #[arg(long)]
        app: String,
        group: Option<String>,
    },
}

fn describe(w: &DeploymentWindows) -> String {
    if w.windows.is_empty() {
        return format!(
            "{}/{}: no deployment windows (deployments start at any time)",
            w.application, w.deployment_group
        );
    }
    let state = match (w.open_now, w.next_open) {
        (true, _) => "open now".to_string(),
        (false, Some(n)) => format!(
            "closed now, opens {}",
            n.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        ),
        (false, None) => "closed now".to_string(),
    };
    let from = match w.source {
        WindowSource::Application if w.deployment_group != "*" => " (the application's)",
        _ => "",
    };
    format!(
        "{}/{}: {}{from}; outside them: {}; {}",
        w.application,
        w.deployment_group,
        w.windows.join("; "),
        w.outside_window.as_str(),
        state
    )
}

pub async fn run(g: &Global, api: &DeploymentApiClient, cmd: WindowCmd) -> anyhow::Result<()> {
    let w = match cmd {
        WindowCmd::Show { app, group } => match group {
            Some(group) => api.deployment_windows(&app, &group).await?,
            None => api.application_windows(&app).await?,
        },
        WindowCmd::Set {
            app,
            group,
            windows,
            outside_window,
        } => {
            let outside_window = match outside_window {
                Outside::Wait => OutsideWindow::Wait,
                Outside::Refuse => OutsideWindow::Refuse,
            };
            let req = SetDeploymentWindows {
                windows,
                outside_window,
            };
            match group {
                Some(group) => api.set_deployment_windows(&app, &group, &req).await?,
                None => api.set_application_windows(&app, &req).await?,
            }
        }
        WindowCmd::Clear { app, group } => {
            let req = SetDeploymentWindows {
                windows: Vec::new(),
                outside_window: OutsideWindow::Wait,
            };
            match group {
                Some(group) => api.set_deployment_windows(&app, &group, &req).await?,
                None => api.set_application_windows(&app, &req).await?,
            }
        }
    };
    print(g, &w, describe)
}
