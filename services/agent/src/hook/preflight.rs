//! Everything checked before a hook may start: the script, the run-as user, the working
//! directory and the environment. A failure here is a [`Refusal`], and nothing has run.

use std::ffi::OsString;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use nix::unistd::{Gid, Uid, User, geteuid};
use tokio::io::AsyncReadExt;

use super::output::HookOutput;
use super::{DEFAULT_PATH, HookInvocation, Refusal, error_code};

/// Everything checked and opened before the hook may start.
pub(super) struct Prepared {
    pub(super) identity: RunIdentity,
    pub(super) env: Vec<(OsString, OsString)>,
    pub(super) output: HookOutput,
    /// `/bin/sh` for a script without a `#!` line (what `execvp` does on `ENOEXEC`, and so
    /// CodeDeploy's agent); `None` runs the script itself.
    pub(super) interpreter: Option<&'static str>,
}

/// A script with no `#!` line and not an ELF binary runs through this shell.
const FALLBACK_SHELL: &str = "/bin/sh";

pub(super) async fn prepare(inv: &HookInvocation) -> Result<Prepared, Refusal> {
    let launch = check_script(&inv.script).await?;
    let identity = resolve_identity(inv.runas.clone()).await?;
    check_cwd(&inv.cwd).await?;
    let env = hook_env(&identity, &inv.env)?;
    let mut output = HookOutput::open(&inv.log_path, inv.log_cap_bytes, inv.tail_bytes)
        .await
        .map_err(|error| {
            Refusal::new(
                error_code::SCRIPT_START_FAILED,
                format!("cannot open hook log {}: {error}", inv.log_path.display()),
            )
        })?;
    for note in &launch.notes {
        tracing::warn!(script = %inv.script.display(), "{note}");
        output.warn(note).await;
    }
    Ok(Prepared {
        identity,
        env,
        output,
        interpreter: launch.interpreter,
    })
}

/// How to start a script that passed the checks, and what was done to it on the way.
struct Launch {
    interpreter: Option<&'static str>,
    notes: Vec<String>,
}

async fn check_script(script: &Path) -> Result<Launch, Refusal> {
    let shown = script.display();
    if !script.is_absolute() {
        return Err(Refusal::new(
            error_code::SCRIPT_MISSING,
            format!("script path {shown} is not absolute"),
        ));
    }
    // O_NONBLOCK: if the path was swapped for a FIFO, opening it must not hang the agent. The
    // checks below run on the opened file, not on the path a second time.
    let mut file = match tokio::fs::OpenOptions::new()
        .read(true)
        .custom_flags(nix::libc::O_NONBLOCK)
        .open(script)
        .await
    {
        Ok(file) => file,
        Err(error)
            if matches!(
                error.kind(),
                io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
            ) =>
        {
            return Err(Refusal::new(
                error_code::SCRIPT_MISSING,
                format!("script {shown} does not exist"),
            ));
        }
        Err(error) => {
            return Err(Refusal::new(
                error_code::SCRIPT_START_FAILED,
                format!("cannot open script {shown}: {error}"),
            ));
        }
    };
    let metadata = file.metadata().await.map_err(|error| {
        Refusal::new(
            error_code::SCRIPT_START_FAILED,
            format!("cannot inspect script {shown}: {error}"),
        )
    })?;
    if !metadata.is_file() {
        return Err(Refusal::new(
            error_code::SCRIPT_MISSING,
            format!("script {shown} is not a regular file"),
        ));
    }
    let mut notes = Vec::new();
    let mode = metadata.permissions().mode();
    if mode & 0o111 == 0 {
        // CodeDeploy's agent warns and makes it executable; so do we, on the opened file (no
        // second lookup of the path), in the command's own bundle directory.
        let executable = std::fs::Permissions::from_mode((mode & 0o7777) | 0o111);
        if let Err(error) = file.set_permissions(executable).await {
            return Err(Refusal::new(
                error_code::SCRIPT_NOT_EXECUTABLE,
                format!(
                    "script {shown} has no executable bit and cannot be made executable: {error}"
                ),
            ));
        }
        notes.push(format!(
            "liftoff-agent: warning: {shown} had no executable bit; made it executable (chmod +x it in the bundle)"
        ));
    }
    let mut magic = Vec::with_capacity(4);
    if let Err(error) = (&mut file).take(4).read_to_end(&mut magic).await {
        return Err(Refusal::new(
            error_code::SCRIPT_START_FAILED,
            format!("cannot read script {shown}: {error}"),
        ));
    }
    // Without `#!` (and not a binary), run it with /bin/sh, as execvp does on ENOEXEC: the same
    // whether or not the hook switches user.
    let interpreter = if magic.starts_with(b"#!") || magic == b"\x7fELF" {
        None
    } else {
        notes.push(format!(
            "liftoff-agent: {shown} has no #! line; running it with {FALLBACK_SHELL}"
        ));
        Some(FALLBACK_SHELL)
    };
    Ok(Launch { interpreter, notes })
}

async fn check_cwd(cwd: &Path) -> Result<(), Refusal> {
    match tokio::fs::metadata(cwd).await {
        Ok(metadata) if metadata.is_dir() => Ok(()),
        Ok(_) => Err(Refusal::new(
            error_code::SCRIPT_START_FAILED,
            format!("working directory {} is not a directory", cwd.display()),
        )),
        Err(error) => Err(Refusal::new(
            error_code::SCRIPT_START_FAILED,
            format!("working directory {}: {error}", cwd.display()),
        )),
    }
}

/// The user the hook runs as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct RunIdentity {
    pub(super) name: String,
    home: OsString,
    /// `Some` when the child must change uid and gid; `None` runs as the agent's own user.
    pub(super) switch_to: Option<(Uid, Gid)>,
}

/// Whether the agent can run a hook as a given user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum UserSwitch {
    /// The target is the agent's own user.
    Stay,
    Switch,
    /// Only root may change uid.
    Forbidden,
}

pub(super) fn user_switch(agent: Uid, target: Uid) -> UserSwitch {
    if agent == target {
        UserSwitch::Stay
    } else if agent.is_root() {
        UserSwitch::Switch
    } else {
        UserSwitch::Forbidden
    }
}

async fn resolve_identity(runas: Option<String>) -> Result<RunIdentity, Refusal> {
    // getpwnam may go to NSS (LDAP, sssd) and block: keep it off the async workers.
    tokio::task::spawn_blocking(move || resolve_identity_blocking(runas.as_deref(), geteuid()))
        .await
        .unwrap_or_else(|error| {
            Err(Refusal::new(
                error_code::RUNAS_INVALID,
                format!("looking up the runas user failed: {error}"),
            ))
        })
}

pub(super) fn resolve_identity_blocking(
    runas: Option<&str>,
    agent: Uid,
) -> Result<RunIdentity, Refusal> {
    let Some(name) = runas else {
        return Ok(own_identity(agent));
    };
    let invalid = |message: String| Refusal::new(error_code::RUNAS_INVALID, message);
    if name.is_empty() {
        return Err(invalid("runas user name is empty".to_owned()));
    }
    let user = match User::from_name(name) {
        Ok(Some(user)) => user,
        Ok(None) => {
            return Err(invalid(format!(
                "runas user {name:?} does not exist on this host"
            )));
        }
        Err(error) => {
            return Err(invalid(format!(
                "cannot look up runas user {name:?}: {error}"
            )));
        }
    };
    let switch_to = match user_switch(agent, user.uid) {
        UserSwitch::Stay => None,
        UserSwitch::Switch => Some((user.uid, user.gid)),
        UserSwitch::Forbidden => {
            return Err(invalid(format!(
                "runas user {name:?} (uid {}) is not the agent's user (uid {agent}), and only an agent running as root can switch users",
                user.uid
            )));
        }
    };
    Ok(RunIdentity {
        name: user.name,
        home: user.dir.into_os_string(),
        switch_to,
    })
}

fn own_identity(agent: Uid) -> RunIdentity {
    match User::from_uid(agent) {
        Ok(Some(user)) => RunIdentity {
            name: user.name,
            home: user.dir.into_os_string(),
            switch_to: None,
        },
        // A uid without a passwd entry (common in containers) still needs a usable environment.
        _ => RunIdentity {
            name: agent.to_string(),
            home: OsString::from("/"),
            switch_to: None,
        },
    }
}

/// The complete environment of the child, in the order Command applies it: later entries win.
fn hook_env(
    identity: &RunIdentity,
    extra: &[(String, String)],
) -> Result<Vec<(OsString, OsString)>, Refusal> {
    let mut env = vec![
        (OsString::from("PATH"), OsString::from(DEFAULT_PATH)),
        (OsString::from("HOME"), identity.home.clone()),
        (OsString::from("USER"), OsString::from(&identity.name)),
        (OsString::from("LOGNAME"), OsString::from(&identity.name)),
        (OsString::from("LANG"), OsString::from("C.UTF-8")),
    ];
    for (name, value) in extra {
        if name.is_empty() || name.contains(['=', '\0']) || value.contains('\0') {
            return Err(Refusal::new(
                error_code::SCRIPT_START_FAILED,
                format!(
                    "invalid environment variable {name:?}: names must be non-empty without '=' or NUL, values without NUL"
                ),
            ));
        }
        env.push((OsString::from(name), OsString::from(value)));
    }
    Ok(env)
}
