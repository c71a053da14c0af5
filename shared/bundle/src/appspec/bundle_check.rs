//! Checks an appspec against an unpacked bundle before any hook runs: every script is a regular
//! file inside the bundle, and every `files[].source` exists. A script without an executable bit
//! is a warning, not an error: like CodeDeploy's agent, Liftoff's makes it executable and runs it
//! (zips made on Windows, or by tools that drop modes, have no exec bits).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::{AppSpec, AppSpecError};

pub(super) fn check_against_bundle(
    spec: &AppSpec,
    bundle_dir: &Path,
) -> Result<Vec<String>, AppSpecError> {
    let root = bundle_dir.canonicalize().map_err(|e| {
        AppSpecError::invalid(format!(
            "bundle directory {} cannot be read: {e}",
            bundle_dir.display()
        ))
    })?;

    let mut missing = Vec::new();
    let mut not_executable = Vec::new();
    for (event, scripts) in &spec.hooks {
        for (i, script) in scripts.iter().enumerate() {
            let field = format!("hooks.{event}[{i}].location");
            match resolve_inside(&root, &script.location) {
                Err(why) => missing.push(format!("{field}: `{}` {why}", script.location)),
                Ok(path) => match std::fs::metadata(&path) {
                    Ok(m) if !m.is_file() => missing.push(format!(
                        "{field}: `{}` is not a regular file",
                        script.location
                    )),
                    Ok(m) if m.permissions().mode() & 0o111 == 0 => not_executable.push(format!(
                        "{field}: `{}` has no executable bit; it is made executable before it \
                         runs (as CodeDeploy's agent does); chmod +x it in the bundle to silence this",
                        script.location
                    )),
                    Ok(_) => {}
                    Err(_) => missing.push(format!(
                        "{field}: script `{}` does not exist in the bundle",
                        script.location
                    )),
                },
            }
        }
    }
    if !missing.is_empty() {
        return Err(AppSpecError::new(
            AppSpecError::SCRIPT_MISSING,
            missing.join("; "),
        ));
    }

    let mut sources = Vec::new();
    for (i, file) in spec.files.iter().enumerate() {
        let exists = resolve_inside(&root, &file.source)
            .map(|p| std::fs::symlink_metadata(p).is_ok())
            .unwrap_or(false);
        if !exists {
            sources.push(format!(
                "files[{i}].source: `{}` does not exist in the bundle",
                file.source
            ));
        }
    }
    if !sources.is_empty() {
        return Err(AppSpecError::invalid(sources.join("; ")));
    }
    Ok(not_executable)
}

/// Joins a normalized bundle-relative path onto the canonical bundle root and makes sure that,
/// once symlinks are followed, it still lies inside the bundle.
fn resolve_inside(root: &Path, rel: &str) -> Result<PathBuf, &'static str> {
    let path = root.join(rel);
    match path.canonicalize() {
        Ok(real) if real.starts_with(root) => Ok(path),
        Ok(_) => Err("resolves outside the bundle"),
        // A missing path cannot escape; the caller reports it as missing.
        Err(_) => Ok(path),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::fs;
    use std::os::unix::fs::PermissionsExt;

    use crate::appspec::AppSpec;

    const SPEC: &str = "version: 0.0\nos: linux\nfiles:\n  - source: app\n    destination: /srv/app\nhooks:\n  BeforeInstall:\n    - location: /scripts/before.sh\n";

    fn bundle() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("scripts")).unwrap();
        fs::create_dir_all(dir.path().join("app")).unwrap();
        let script = dir.path().join("scripts/before.sh");
        fs::write(&script, "#!/bin/sh\n").unwrap();
        fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).unwrap();
        dir
    }

    #[test]
    fn accepts_a_complete_bundle() {
        let spec = AppSpec::parse(SPEC).unwrap();
        spec.check_against_bundle(bundle().path()).unwrap();
    }

    #[test]
    fn reports_a_missing_script() {
        let dir = bundle();
        fs::remove_file(dir.path().join("scripts/before.sh")).unwrap();
        let err = AppSpec::parse(SPEC)
            .unwrap()
            .check_against_bundle(dir.path())
            .unwrap_err();
        assert_eq!(err.code, "SCRIPT_MISSING");
        assert!(
            err.message.contains("hooks.BeforeInstall[0].location"),
            "{}",
            err.message
        );
    }

    #[test]
    fn reports_a_directory_as_missing_script() {
        let dir = bundle();
        fs::remove_file(dir.path().join("scripts/before.sh")).unwrap();
        fs::create_dir(dir.path().join("scripts/before.sh")).unwrap();
        let err = AppSpec::parse(SPEC)
            .unwrap()
            .check_against_bundle(dir.path())
            .unwrap_err();
        assert_eq!(err.code, "SCRIPT_MISSING");
        assert!(err.message.contains("not a regular file"));
    }

    #[test]
    fn warns_of_a_script_without_exec_bit() {
        let dir = bundle();
        let script = dir.path().join("scripts/before.sh");
        fs::set_permissions(&script, fs::Permissions::from_mode(0o644)).unwrap();
        let warnings = AppSpec::parse(SPEC)
            .unwrap()
            .check_against_bundle(dir.path())
            .unwrap();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].contains("hooks.BeforeInstall[0].location"));
        assert!(warnings[0].contains("made executable"));
        assert!(
            AppSpec::parse(SPEC)
                .unwrap()
                .check_against_bundle(bundle().path())
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn refuses_a_script_symlinked_outside_the_bundle() {
        let dir = bundle();
        let script = dir.path().join("scripts/before.sh");
        fs::remove_file(&script).unwrap();
        std::os::unix::fs::symlink("/bin/sh", &script).unwrap();
        let err = AppSpec::parse(SPEC)
            .unwrap()
            .check_against_bundle(dir.path())
            .unwrap_err();
        assert_eq!(err.code, "SCRIPT_MISSING");
        assert!(
            err.message.contains("outside the bundle"),
            "{}",
            err.message
        );
    }

    #[test]
    fn reports_a_missing_source() {
        let dir = bundle();
        fs::remove_dir(dir.path().join("app")).unwrap();
        let err = AppSpec::parse(SPEC)
            .unwrap()
            .check_against_bundle(dir.path())
            .unwrap_err();
        assert_eq!(err.code, "APPSPEC_INVALID");
        assert!(err.message.contains("files[0].source"));
    }
}
