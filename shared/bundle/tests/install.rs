//! The Install step against a temporary `dest_root`: copies, cleanup of the previous
//! deployment, file_exists_behavior, and permissions.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use liftoff_bundle::{
    AppSpec, FileExistsBehavior, InstallError, install_files, install_files_with_default,
};

struct Host {
    _tmp: tempfile::TempDir,
    bundle: PathBuf,
    root: PathBuf,
}

impl Host {
    fn new() -> Host {
        let tmp = tempfile::tempdir().unwrap();
        let bundle = tmp.path().join("bundle");
        let root = tmp.path().join("root");
        fs::create_dir_all(&bundle).unwrap();
        fs::create_dir_all(&root).unwrap();
        Host {
            _tmp: tmp,
            bundle,
            root,
        }
    }

    fn bundle_file(&self, rel: &str, data: &str, mode: u32) {
        let path = self.bundle.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, data).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
    }

    fn at(&self, logical: &str) -> PathBuf {
        self.root.join(logical.trim_start_matches('/'))
    }

    fn read(&self, logical: &str) -> String {
        fs::read_to_string(self.at(logical)).unwrap()
    }

    fn install(
        &self,
        spec: &str,
        previous: &[PathBuf],
    ) -> Result<liftoff_bundle::InstallManifest, InstallError> {
        install_files(
            &AppSpec::parse(spec).unwrap(),
            &self.bundle,
            &self.root,
            previous,
        )
    }
}

fn mode(path: &Path) -> u32 {
    fs::symlink_metadata(path).unwrap().permissions().mode() & 0o7777
}

const WHOLE_BUNDLE: &str = "version: 0.0\nos: linux\nfiles:\n  - source: /\n    destination: /srv/app\n  - source: config/app.conf\n    destination: /etc/app\n";

fn sample(host: &Host) {
    host.bundle_file("index.html", "<v1/>", 0o644);
    host.bundle_file("bin/start.sh", "#!/bin/sh\n", 0o755);
    host.bundle_file("config/app.conf", "port=80\n", 0o640);
    std::os::unix::fs::symlink("bin/start.sh", host.bundle.join("start")).unwrap();
}

#[test]
fn copies_directories_and_files_like_codedeploy() {
    let host = Host::new();
    sample(&host);
    let manifest = host.install(WHOLE_BUNDLE, &[]).unwrap();
    assert_eq!(host.read("/srv/app/index.html"), "<v1/>");
    assert_eq!(
        host.read("/etc/app/app.conf"),
        "port=80\n",
        "a file source lands inside the destination directory"
    );
    assert_eq!(mode(&host.at("/srv/app/bin/start.sh")), 0o755);
    assert_eq!(mode(&host.at("/etc/app/app.conf")), 0o640);
    assert_eq!(
        fs::read_link(host.at("/srv/app/start")).unwrap().to_str(),
        Some("bin/start.sh")
    );
    let dirs: Vec<_> = manifest.dirs.iter().map(|d| d.to_str().unwrap()).collect();
    assert_eq!(
        dirs,
        [
            "/srv",
            "/srv/app",
            "/srv/app/bin",
            "/srv/app/config",
            "/etc",
            "/etc/app"
        ]
    );
    assert!(
        manifest
            .files
            .contains(&PathBuf::from("/srv/app/index.html"))
    );
    assert!(manifest.files.contains(&PathBuf::from("/srv/app/start")));
    assert_eq!(manifest.files.len(), 5);
}

#[test]
fn a_file_like_destination_is_still_a_directory() {
    let host = Host::new();
    host.bundle_file("boot.sh", "#!/bin/sh\n", 0o755);
    let spec = "version: 0.0\nos: linux\nfiles:\n  - source: boot.sh\n    destination: /var/openspy/boot.sh\n";
    host.install(spec, &[]).unwrap();
    assert!(host.at("/var/openspy/boot.sh/boot.sh").is_file());
}

#[test]
fn the_previous_deployment_is_removed_first() {
    let host = Host::new();
    sample(&host);
    let first = host.install(WHOLE_BUNDLE, &[]).unwrap();
    fs::write(host.at("/srv/app/bin/user-notes.txt"), "not ours").unwrap();
    // v2 drops index.html and changes app.conf.
    fs::remove_file(host.bundle.join("index.html")).unwrap();
    host.bundle_file("config/app.conf", "port=81\n", 0o640);
    let second = host.install(WHOLE_BUNDLE, &first.paths()).unwrap();
    assert!(!host.at("/srv/app/index.html").exists());
    assert_eq!(host.read("/etc/app/app.conf"), "port=81\n");
    assert_eq!(
        host.read("/srv/app/bin/user-notes.txt"),
        "not ours",
        "a directory with foreign files stays"
    );
    assert!(
        !second.dirs.contains(&PathBuf::from("/srv/app/bin")),
        "it was not created by this run"
    );
}

#[test]
fn disallow_refuses_a_foreign_file_before_touching_anything() {
    let host = Host::new();
    sample(&host);
    fs::create_dir_all(host.at("/srv/app")).unwrap();
    fs::write(host.at("/srv/app/index.html"), "hand-made").unwrap();
    let err = host.install(WHOLE_BUNDLE, &[]).unwrap_err();
    assert_eq!(err.code, "FILE_EXISTS");
    assert!(
        err.message.contains("/srv/app/index.html"),
        "{}",
        err.message
    );
    assert_eq!(host.read("/srv/app/index.html"), "hand-made");
    assert!(!host.at("/etc").exists(), "nothing was installed");
}

#[test]
fn overwrite_replaces_files_and_never_writes_through_links() {
    let host = Host::new();
    sample(&host);
    let victim = host.root.join("victim");
    fs::write(&victim, "precious").unwrap();
    fs::create_dir_all(host.at("/srv/app")).unwrap();
    fs::write(host.at("/srv/app/index.html"), "hand-made").unwrap();
    std::os::unix::fs::symlink(&victim, host.at("/srv/app/start")).unwrap();
    let spec = format!("{WHOLE_BUNDLE}file_exists_behavior: OVERWRITE\n");
    let manifest = host.install(&spec, &[]).unwrap();
    assert_eq!(host.read("/srv/app/index.html"), "<v1/>");
    assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
    assert_eq!(
        fs::read_link(host.at("/srv/app/start")).unwrap().to_str(),
        Some("bin/start.sh")
    );
    assert!(
        manifest
            .files
            .contains(&PathBuf::from("/srv/app/index.html"))
    );
}

#[test]
fn retain_keeps_the_existing_file_and_does_not_claim_it() {
    let host = Host::new();
    sample(&host);
    fs::create_dir_all(host.at("/srv/app")).unwrap();
    fs::write(host.at("/srv/app/index.html"), "hand-made").unwrap();
    let spec = AppSpec::parse(WHOLE_BUNDLE).unwrap();
    let manifest = install_files_with_default(
        &spec,
        &host.bundle,
        &host.root,
        &[],
        FileExistsBehavior::Retain,
    )
    .unwrap();
    assert_eq!(host.read("/srv/app/index.html"), "hand-made");
    assert!(
        !manifest
            .files
            .contains(&PathBuf::from("/srv/app/index.html"))
    );
    // The appspec's own setting wins over the deployment default.
    let host2 = Host::new();
    sample(&host2);
    fs::create_dir_all(host2.at("/srv/app")).unwrap();
    fs::write(host2.at("/srv/app/index.html"), "hand-made").unwrap();
    let spec = AppSpec::parse(&format!("{WHOLE_BUNDLE}file_exists_behavior: DISALLOW\n")).unwrap();
    let err = install_files_with_default(
        &spec,
        &host2.bundle,
        &host2.root,
        &[],
        FileExistsBehavior::Retain,
    )
    .unwrap_err();
    assert_eq!(err.code, "FILE_EXISTS");
}

#[test]
fn permissions_select_by_pattern_type_and_except() {
    let host = Host::new();
    host.bundle_file("app/run.sh", "x", 0o644);
    host.bundle_file("app/keep.sh", "x", 0o644);
    host.bundle_file("app/lib/deep.sh", "x", 0o644);
    host.bundle_file("app/readme", "x", 0o644);
    let spec = "version: 0.0\nos: linux\nfiles:\n  - source: app\n    destination: /opt/app\npermissions:\n  - object: /opt/app\n    pattern: \"*.sh\"\n    except: [keep.sh]\n    mode: 0750\n    type: [file]\n  - object: /opt/app\n    mode: 700\n    type: [directory]\n  - object: /opt/app/readme\n    mode: \"0600\"\n";
    host.install(spec, &[]).unwrap();
    assert_eq!(mode(&host.at("/opt/app/run.sh")), 0o750);
    assert_eq!(mode(&host.at("/opt/app/keep.sh")), 0o644, "excepted");
    assert_eq!(
        mode(&host.at("/opt/app/lib/deep.sh")),
        0o644,
        "patterns match one segment only"
    );
    assert_eq!(mode(&host.at("/opt/app/lib")), 0o700);
    assert_eq!(mode(&host.at("/opt/app/readme")), 0o600);
}

#[test]
fn selecting_a_path_twice_fails_and_rolls_back() {
    let host = Host::new();
    host.bundle_file("app/a.txt", "x", 0o644);
    let spec = "version: 0.0\nos: linux\nfiles:\n  - source: app\n    destination: /opt/app\npermissions:\n  - object: /opt/app\n    mode: 640\n  - object: /opt/app\n    pattern: \"*.txt\"\n    mode: 600\n    type: [file]\n";
    let err = host.install(spec, &[]).unwrap_err();
    assert_eq!(err.code, "PERMISSION_INVALID");
    assert!(err.message.contains("more than once"));
    assert!(
        !host.at("/opt").exists(),
        "the failed run removed what it installed"
    );
}

#[test]
fn a_pattern_on_a_file_object_is_refused() {
    let host = Host::new();
    host.bundle_file("a.txt", "x", 0o644);
    let spec = "version: 0.0\nos: linux\nfiles:\n  - source: a.txt\n    destination: /opt\npermissions:\n  - object: /opt/a.txt\n    pattern: \"*.txt\"\n    mode: 600\n";
    assert_eq!(
        host.install(spec, &[]).unwrap_err().code,
        "PERMISSION_INVALID"
    );
}

#[test]
fn owners_are_set_as_root_and_skipped_with_a_warning_otherwise() {
    let host = Host::new();
    host.bundle_file("a.txt", "x", 0o644);
    let spec = |owner: &str| {
        format!(
            "version: 0.0\nos: linux\nfiles:\n  - source: a.txt\n    destination: /opt\npermissions:\n  - object: /opt/a.txt\n    owner: {owner}\n"
        )
    };
    let is_root = nix::unistd::geteuid().is_root();
    let unknown = host.install(&spec("no-such-user-liftoff"), &[]);
    if is_root {
        assert_eq!(unknown.unwrap_err().code, "OWNER_UNKNOWN");
        let nobody = nix::unistd::User::from_name("nobody").unwrap();
        if let Some(nobody) = nobody {
            host.install(&spec("nobody"), &[]).unwrap();
            assert_eq!(
                fs::metadata(host.at("/opt/a.txt")).unwrap().uid(),
                nobody.uid.as_raw()
            );
        }
    } else {
        let manifest = unknown.unwrap();
        assert!(
            manifest
                .warnings
                .iter()
                .any(|w| w.contains("not running as root")),
            "{:?}",
            manifest.warnings
        );
    }
}

#[test]
fn missing_sources_conflicts_and_windows_appspecs_are_refused() {
    let host = Host::new();
    let spec = "version: 0.0\nos: linux\nfiles:\n  - source: nope\n    destination: /opt\n";
    assert_eq!(host.install(spec, &[]).unwrap_err().code, "SOURCE_MISSING");

    host.bundle_file("a/x.txt", "1", 0o644);
    host.bundle_file("b/x.txt", "2", 0o644);
    let spec = "version: 0.0\nos: linux\nfiles:\n  - source: a/x.txt\n    destination: /opt\n  - source: b/x.txt\n    destination: /opt\n";
    assert_eq!(
        host.install(spec, &[]).unwrap_err().code,
        "DESTINATION_CONFLICT"
    );
    assert!(!host.at("/opt").exists());

    let spec = "version: 0.0\nos: windows\nfiles:\n  - source: \\\n    destination: C:\\app\n";
    assert_eq!(
        host.install(spec, &[]).unwrap_err().code,
        "APPSPEC_OS_UNSUPPORTED"
    );
}

#[test]
fn the_manifest_round_trips_through_json() {
    let host = Host::new();
    sample(&host);
    let manifest = host.install(WHOLE_BUNDLE, &[]).unwrap();
    let json = serde_json::to_string(&manifest).unwrap();
    let back: liftoff_bundle::InstallManifest = serde_json::from_str(&json).unwrap();
    assert_eq!(back, manifest);
    let old: liftoff_bundle::InstallManifest =
        serde_json::from_str(r#"{"files":[],"dirs":[]}"#).unwrap();
    assert!(old.warnings.is_empty());
}

#[test]
fn a_tree_installs_to_the_root_itself() {
    let host = Host::new();
    host.bundle_file("etc/app.conf", "port=80\n", 0o644);
    host.install(
        "version: 0.0\nos: linux\nfiles:\n  - source: etc\n    destination: /\n",
        &[],
    )
    .unwrap();
    assert_eq!(host.read("/app.conf"), "port=80\n");
}

#[test]
fn a_policy_refusal_touches_nothing_not_even_the_previous_install() {
    let host = Host::new();
    sample(&host);
    let first = host.install(WHOLE_BUNDLE, &[]).unwrap();
    let policy = liftoff_bundle::InstallPolicy {
        no_root_files: true,
        allow: vec![host.at("/srv")],
    };
    // /etc/app is outside the allowed /srv.
    let err = liftoff_bundle::install_files_under_policy(
        &AppSpec::parse(WHOLE_BUNDLE).unwrap(),
        &host.bundle,
        &host.root,
        &first.paths(),
        FileExistsBehavior::Disallow,
        &policy,
    )
    .unwrap_err();
    assert_eq!(err.code, InstallError::DESTINATION_FORBIDDEN, "{err}");
    assert_eq!(host.read("/srv/app/index.html"), "<v1/>");
    assert_eq!(host.read("/etc/app/app.conf"), "port=80\n");
}
