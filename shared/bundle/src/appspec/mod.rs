//! The CodeDeploy EC2/On-Premises `appspec.yml`, unchanged: parsing, validation and the checks an
//! agent runs before a deployment (OS, scripts present in the bundle).
//!
//! Parsing is strict where CodeDeploy's agent would fail the deployment and lenient, with a
//! warning in [`AppSpec::warnings`], where real-world files carry harmless quirks.

mod acl;
mod bundle_check;
mod glob;
mod hooks;
mod parse;
mod permission;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

pub(crate) use acl::{Ace, parse_ace};
pub use glob::matches_simple_glob;
pub(crate) use parse::normalize_absolute as normalize_absolute_path;
pub use permission::{FileMode, ObjectType, Permission, SeLinuxContext};

/// The cap on one lifecycle event: the timeouts of its scripts must sum to no more than this.
pub const EVENT_TIMEOUT_CAP_SECS: u64 = 3600;
/// The timeout of a script that names none (CodeDeploy's agent default).
pub const DEFAULT_HOOK_TIMEOUT_SECS: u64 = 3600;
/// The file names an appspec may have at the bundle root, in order of preference.
pub const APPSPEC_FILE_NAMES: [&str; 2] = ["appspec.yml", "appspec.yaml"];

/// A deployment lifecycle event of an EC2/On-Premises deployment.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum LifecycleEvent {
    ApplicationStop,
    DownloadBundle,
    BeforeInstall,
    Install,
    AfterInstall,
    ApplicationStart,
    ValidateService,
    BeforeBlockTraffic,
    AfterBlockTraffic,
    BeforeAllowTraffic,
    AfterAllowTraffic,
}

impl LifecycleEvent {
    const ALL: [LifecycleEvent; 11] = [
        LifecycleEvent::ApplicationStop,
        LifecycleEvent::DownloadBundle,
        LifecycleEvent::BeforeInstall,
        LifecycleEvent::Install,
        LifecycleEvent::AfterInstall,
        LifecycleEvent::ApplicationStart,
        LifecycleEvent::ValidateService,
        LifecycleEvent::BeforeBlockTraffic,
        LifecycleEvent::AfterBlockTraffic,
        LifecycleEvent::BeforeAllowTraffic,
        LifecycleEvent::AfterAllowTraffic,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            LifecycleEvent::ApplicationStop => "ApplicationStop",
            LifecycleEvent::DownloadBundle => "DownloadBundle",
            LifecycleEvent::BeforeInstall => "BeforeInstall",
            LifecycleEvent::Install => "Install",
            LifecycleEvent::AfterInstall => "AfterInstall",
            LifecycleEvent::ApplicationStart => "ApplicationStart",
            LifecycleEvent::ValidateService => "ValidateService",
            LifecycleEvent::BeforeBlockTraffic => "BeforeBlockTraffic",
            LifecycleEvent::AfterBlockTraffic => "AfterBlockTraffic",
            LifecycleEvent::BeforeAllowTraffic => "BeforeAllowTraffic",
            LifecycleEvent::AfterAllowTraffic => "AfterAllowTraffic",
        }
    }

    /// Exact (case-sensitive) event name, as CodeDeploy spells it.
    pub fn parse(s: &str) -> Option<LifecycleEvent> {
        Self::ALL.into_iter().find(|e| e.as_str() == s)
    }

    /// The in-place deployment order a host runs: ApplicationStop, DownloadBundle, BeforeInstall,
    /// Install, AfterInstall, ApplicationStart, ValidateService.
    pub fn in_place_order() -> &'static [LifecycleEvent] {
        &[
            LifecycleEvent::ApplicationStop,
            LifecycleEvent::DownloadBundle,
            LifecycleEvent::BeforeInstall,
            LifecycleEvent::Install,
            LifecycleEvent::AfterInstall,
            LifecycleEvent::ApplicationStart,
            LifecycleEvent::ValidateService,
        ]
    }

    /// The traffic events that run before ApplicationStop when a group's traffic is managed by
    /// the bundle's hooks (CodeDeploy runs them with the last successful revision's scripts,
    /// like ApplicationStop: the new bundle is not downloaded yet).
    pub fn block_traffic() -> &'static [LifecycleEvent] {
        &[
            LifecycleEvent::BeforeBlockTraffic,
            LifecycleEvent::AfterBlockTraffic,
        ]
    }

    /// The traffic events that run after ValidateService when a group's traffic is managed by
    /// the bundle's hooks, with the new revision's scripts.
    pub fn allow_traffic() -> &'static [LifecycleEvent] {
        &[
            LifecycleEvent::BeforeAllowTraffic,
            LifecycleEvent::AfterAllowTraffic,
        ]
    }

    /// False for DownloadBundle and Install, which the agent runs itself.
    pub fn is_scriptable(&self) -> bool {
        !matches!(
            self,
            LifecycleEvent::DownloadBundle | LifecycleEvent::Install
        )
    }

    /// The four load-balancer events: they run only when a deployment blocks/allows traffic and
    /// are no-ops in a plain in-place deployment.
    pub fn is_traffic_event(&self) -> bool {
        matches!(
            self,
            LifecycleEvent::BeforeBlockTraffic
                | LifecycleEvent::AfterBlockTraffic
                | LifecycleEvent::BeforeAllowTraffic
                | LifecycleEvent::AfterAllowTraffic
        )
    }

    /// Names of the events an appspec may declare hooks for.
    pub(crate) fn scriptable_names() -> Vec<&'static str> {
        Self::ALL
            .iter()
            .filter(|e| e.is_scriptable())
            .map(|e| e.as_str())
            .collect()
    }
}

impl fmt::Display for LifecycleEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One script of a lifecycle event.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HookScript {
    /// Bundle-relative, forward slashes, no leading slash, no `.`/`..` components. A leading `/`
    /// or `\` in the appspec means the bundle root (CodeDeploy joins it onto the bundle dir).
    pub location: String,
    /// Seconds; [`DEFAULT_HOOK_TIMEOUT_SECS`] when the appspec names none.
    pub timeout_secs: u64,
    /// The user to run as (Linux only; ignored with a warning on Windows appspecs).
    pub runas: Option<String>,
}

/// `file_exists_behavior`: what Install does with a destination file the previous deployment
/// did not install.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FileExistsBehavior {
    /// Fail the deployment (CodeDeploy's default).
    #[default]
    Disallow,
    /// Replace the existing file.
    Overwrite,
    /// Keep the existing file and skip the bundle's copy.
    Retain,
}

impl FileExistsBehavior {
    pub fn as_str(&self) -> &'static str {
        match self {
            FileExistsBehavior::Disallow => "DISALLOW",
            FileExistsBehavior::Overwrite => "OVERWRITE",
            FileExistsBehavior::Retain => "RETAIN",
        }
    }

    pub fn parse(s: &str) -> Option<FileExistsBehavior> {
        match s {
            "DISALLOW" => Some(FileExistsBehavior::Disallow),
            "OVERWRITE" => Some(FileExistsBehavior::Overwrite),
            "RETAIN" => Some(FileExistsBehavior::Retain),
            _ => None,
        }
    }
}

/// One `files` entry.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FileMapping {
    /// Bundle-relative source, normalized like [`HookScript::location`]; the empty string means
    /// the whole bundle (`source: /`).
    pub source: String,
    /// Destination directory. Linux: an absolute, lexically normalized path (`/var/www/html`).
    /// Windows: as written.
    pub destination: String,
}

impl FileMapping {
    pub fn source_is_bundle_root(&self) -> bool {
        self.source.is_empty()
    }
}

/// The `os` an appspec targets, or an agent runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AppSpecOs {
    Linux,
    Windows,
}

impl AppSpecOs {
    pub fn as_str(&self) -> &'static str {
        match self {
            AppSpecOs::Linux => "linux",
            AppSpecOs::Windows => "windows",
        }
    }
}

/// A parsed, validated appspec.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AppSpec {
    /// Always "0.0".
    pub version: String,
    pub os: AppSpecOs,
    pub files: Vec<FileMapping>,
    /// The top-level `file_exists_behavior`; `None` means the deployment's default applies.
    pub file_exists_behavior: Option<FileExistsBehavior>,
    pub permissions: Vec<Permission>,
    /// Only events with at least one script appear here.
    pub hooks: BTreeMap<LifecycleEvent, Vec<HookScript>>,
    /// Quirks that CodeDeploy tolerates, for the user to fix.
    pub warnings: Vec<String>,
}

impl AppSpec {
    /// Parses and validates appspec text. Errors name the line (`line 7: ...`) or the field
    /// (`hooks.BeforeInstall[0].timeout: ...`).
    pub fn parse(text: &str) -> Result<AppSpec, AppSpecError> {
        parse::parse(text)
    }

    pub fn hooks_for(&self, event: LifecycleEvent) -> &[HookScript] {
        self.hooks.get(&event).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Err (`APPSPEC_OS_UNSUPPORTED`) when this appspec cannot run on an agent running `os`.
    pub fn check_runnable_on(&self, os: AppSpecOs) -> Result<(), AppSpecError> {
        if self.os == os {
            return Ok(());
        }
        Err(AppSpecError::new(
            AppSpecError::OS_UNSUPPORTED,
            format!(
                "os: this appspec targets {} but the agent runs on {}; a {} appspec cannot run on a {} agent",
                self.os.as_str(),
                os.as_str(),
                self.os.as_str(),
                os.as_str()
            ),
        ))
    }

    /// Validates against an unpacked bundle: every hook script exists inside the bundle and is a
    /// regular file (`SCRIPT_MISSING`), and every `files[].source` exists (`APPSPEC_INVALID`).
    /// Answers the warnings: scripts without an executable bit, which the agent makes
    /// executable before running them, as CodeDeploy's does.
    pub fn check_against_bundle(&self, bundle_dir: &Path) -> Result<Vec<String>, AppSpecError> {
        bundle_check::check_against_bundle(self, bundle_dir)
    }
}

/// Why an appspec was refused. `code` is stable API.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct AppSpecError {
    /// One of the `AppSpecError::*` code constants.
    pub code: &'static str,
    /// Names the line (`line 7: ...`) or the field (`hooks.BeforeInstall[0].timeout: ...`).
    pub message: String,
}

impl AppSpecError {
    pub const INVALID: &'static str = "APPSPEC_INVALID";
    pub const UNSUPPORTED: &'static str = "APPSPEC_UNSUPPORTED";
    pub const SCRIPT_MISSING: &'static str = "SCRIPT_MISSING";
    pub const SCRIPT_NOT_EXECUTABLE: &'static str = "SCRIPT_NOT_EXECUTABLE";
    pub const OS_UNSUPPORTED: &'static str = "APPSPEC_OS_UNSUPPORTED";

    pub fn new(code: &'static str, message: impl Into<String>) -> AppSpecError {
        AppSpecError {
            code,
            message: message.into(),
        }
    }

    pub(crate) fn invalid(message: impl Into<String>) -> AppSpecError {
        AppSpecError::new(Self::INVALID, message)
    }
}

/// Finds `appspec.yml` or `appspec.yaml` at the root of an unpacked bundle (`appspec.yml` wins
/// if both exist). Only regular files count: a symlinked appspec is not followed.
pub fn find_appspec(bundle_dir: &Path) -> Option<PathBuf> {
    APPSPEC_FILE_NAMES
        .iter()
        .map(|name| bundle_dir.join(name))
        .find(|path| {
            std::fs::symlink_metadata(path)
                .map(|m| m.file_type().is_file())
                .unwrap_or(false)
        })
}

/// Normalizes a bundle-relative path written in an appspec: `\` and `/` both separate, leading
/// separators mean the bundle root, `.` is dropped. `None` when a `..` component would leave
/// the bundle.
pub(crate) fn normalize_bundle_relative(raw: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in raw.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => return None,
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn lifecycle_event_names_round_trip() {
        for e in LifecycleEvent::ALL {
            assert_eq!(LifecycleEvent::parse(e.as_str()), Some(e));
        }
        assert_eq!(LifecycleEvent::parse("Before Install"), None);
        assert_eq!(LifecycleEvent::parse("beforeinstall"), None);
    }

    #[test]
    fn in_place_order_has_agent_steps_between_hooks() {
        let order = LifecycleEvent::in_place_order();
        assert_eq!(order.len(), 7);
        assert_eq!(order[1], LifecycleEvent::DownloadBundle);
        assert_eq!(order[3], LifecycleEvent::Install);
        assert!(!LifecycleEvent::Install.is_scriptable());
        assert!(!LifecycleEvent::DownloadBundle.is_scriptable());
        assert!(LifecycleEvent::BeforeAllowTraffic.is_scriptable());
    }

    #[test]
    fn bundle_relative_paths_never_escape() {
        assert_eq!(
            normalize_bundle_relative("/.codedeploy/x.sh").unwrap(),
            ".codedeploy/x.sh"
        );
        assert_eq!(normalize_bundle_relative("\\a\\b.bat").unwrap(), "a/b.bat");
        assert_eq!(normalize_bundle_relative("./a//b/").unwrap(), "a/b");
        assert_eq!(normalize_bundle_relative("/").unwrap(), "");
        assert!(normalize_bundle_relative("a/../../etc/passwd").is_none());
        assert!(normalize_bundle_relative("..").is_none());
    }

    #[test]
    fn windows_appspec_is_not_runnable_on_linux() {
        let spec = AppSpec::parse("version: 0.0\nos: windows\n").unwrap();
        let err = spec.check_runnable_on(AppSpecOs::Linux).unwrap_err();
        assert_eq!(err.code, "APPSPEC_OS_UNSUPPORTED");
        assert!(
            err.message
                .contains("windows appspec cannot run on a linux agent")
        );
        assert!(spec.check_runnable_on(AppSpecOs::Windows).is_ok());
    }

    #[test]
    fn find_appspec_prefers_yml_and_ignores_symlinks() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(find_appspec(dir.path()), None);
        std::fs::write(dir.path().join("appspec.yaml"), "x").unwrap();
        assert_eq!(
            find_appspec(dir.path()),
            Some(dir.path().join("appspec.yaml"))
        );
        std::fs::write(dir.path().join("appspec.yml"), "x").unwrap();
        assert_eq!(
            find_appspec(dir.path()),
            Some(dir.path().join("appspec.yml"))
        );

        let other = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(
            dir.path().join("appspec.yml"),
            other.path().join("appspec.yml"),
        )
        .unwrap();
        assert_eq!(find_appspec(other.path()), None);
    }
}
