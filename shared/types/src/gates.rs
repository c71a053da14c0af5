//! Deployment gates a team sets: freezes and deployment windows (re-exported by
//! [`crate::deployments`]).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// Where a group's deployment windows come from.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum WindowSource {
    /// The group's own windows.
    #[default]
    Group,
    /// The application's windows, which every group without its own follows.
    Application,
    /// No windows: deployments start at any time.
    None,
}

/// `POST /v1/freezes`: no deployment of the team (or of one application) starts until
/// `until`, unless an admin overrides it with a written reason.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateFreeze {
    /// Only this application's deployments; absent: every deployment of the team.
    #[serde(default)]
    #[schema(pattern = "^[a-z0-9][a-z0-9-]{0,62}$")]
    pub application: Option<String>,
    /// Why (shown to whoever is refused).
    pub reason: String,
    /// When it ends (RFC 3339, in the future, at most 90 days ahead).
    pub until: DateTime<Utc>,
}

/// A deployment freeze.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Freeze {
    pub id: Uuid,
    pub application: Option<String>,
    pub reason: String,
    pub until: DateTime<Utc>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub lifted_at: Option<DateTime<Utc>>,
    pub lifted_by: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FreezeList {
    /// The freezes in force now, soonest ending first.
    pub freezes: Vec<Freeze>,
}

/// The request header with which an admin deploys despite a freeze: the written reason,
/// recorded in the audit log (`freeze.overridden`).
pub const FREEZE_OVERRIDE_HEADER: &str = "Liftoff-Freeze-Override";

/// An admin lets a running deployment go on despite the freezes in force now
/// (`POST /v1/deployments/{id}/freeze-override`): its rollout no longer pauses for them.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FreezeOverride {
    /// Why (printable, at most 1 KiB), recorded in the audit log (`freeze.overridden`).
    pub reason: String,
}

/// What happens to a deployment asked for outside every deployment window of its group.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum OutsideWindow {
    /// It is accepted `Queued` (`waiting_for: outside_window`) and starts when a window opens.
    #[default]
    Wait,
    /// It is refused (409 `outside_window`). A rollout already running when a window closes
    /// is never failed for it: it pauses between batches, as with `wait`.
    Refuse,
}

impl OutsideWindow {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Wait => "wait",
            Self::Refuse => "refuse",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "wait" => Some(Self::Wait),
            "refuse" => Some(Self::Refuse),
            _ => None,
        }
    }
}

/// `PUT /v1/applications/{app}/deployment-groups/{group}/windows`: the weekly spans in which the
/// group's deployments may start. An empty list removes the gate.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetDeploymentWindows {
    /// Each `DAYS HH:MM-HH:MM ZONE`: days `Mon`..`Sun`, a range (`Mon-Thu`, may wrap: `Fri-Mon`)
    /// or a list (`Mon,Wed,Fri`); local times, end after start (`24:00` allowed); an IANA zone
    /// (`Europe/Berlin`, `UTC`). Example: `Mon-Thu 09:00-16:00 Europe/Berlin`.
    pub windows: Vec<String>,
    /// Outside every window: `wait` (default) or `refuse`.
    #[serde(default)]
    pub outside_window: OutsideWindow,
}

/// A group's deployment windows, and whether one is open now.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct DeploymentWindows {
    pub application: String,
    /// The group; `*` for the application's own windows (those of every group without its
    /// own).
    pub deployment_group: String,
    /// Where the windows in force come from: the group's own, the application's (a group
    /// without its own inherits them), or none.
    #[serde(default)]
    pub source: WindowSource,
    /// Empty: no gate, deployments start at any time.
    pub windows: Vec<String>,
    pub outside_window: OutsideWindow,
    /// The time the answer was computed for.
    pub now: DateTime<Utc>,
    pub open_now: bool,
    /// When the next window opens, if none is open now.
    pub next_open: Option<DateTime<Utc>>,
}
