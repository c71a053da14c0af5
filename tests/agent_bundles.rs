//! Bundles and the network, end to end: a corrupted download is refused before a byte is
//! unpacked, a full disk during unpack leaves the running release untouched, and a long poll on
//! a connection that never answers is abandoned and retried.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use liftoff_testkit::agent::{
    TestBundle, TestHook, create_app_and_group, deploy, push_bundle, wait_enrolled,
};
use liftoff_testkit::proxy::FaultProxy;
use liftoff_testkit::{AgentOptions, AgentProcess, TestPlatform, wait_for};
use liftoff_types::deployments::DeploymentStatus;
use liftoff_types::scheduler::{EventStatus, LifecycleEventRecord, RolloutHost};

const BIN: &str = env!("CARGO_BIN_EXE_liftoff");
const WEB: (&str, &str) = ("role", "web");
const WAIT: Duration = Duration::from_secs(90);

fn options(p: &TestPlatform, token: &str) -> AgentOptions {
    let mut o =
        AgentOptions::new(&p.url, token, "zone-a", &p.dir.path().join("host-0")).tag("role", "web");
    o.poll_wait_secs = 1;
    o
}

fn event<'a>(h: &'a RolloutHost, name: &str) -> &'a LifecycleEventRecord {
    h.events
        .iter()
        .find(|e| e.event == name)
        .unwrap_or_else(|| panic!("{name} was not reported: {h:#?}"))
}

/// Files and directories under `dir`, relative, sorted.
fn tree(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        if let Ok(entries) = std::fs::read_dir(dir) {
            for e in entries.flatten() {
                let path = e.path();
                out.push(path.strip_prefix(base).unwrap().display().to_string());
                if e.file_type().is_ok_and(|t| t.is_dir()) {
                    walk(base, &path, out);
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupted_download_is_refused_before_anything_is_unpacked() {
    let p = TestPlatform::start().await.expect("platform");
    let proxy = FaultProxy::start(&p.url).expect("proxy");
    let token = p.enrollment_token().await.unwrap();
    let opts = options(&p, &token)
        .arg("--deployment-api-url")
        .arg(proxy.url.clone());
    let a = AgentProcess::start(Path::new(BIN), &opts).unwrap();
    wait_enrolled(&p, WEB, 1, WAIT).await;
    create_app_and_group(&p, "shop", "web", WEB, "AllAtOnce")
        .await
        .unwrap();
    let rev = push_bundle(
        &p,
        "shop",
        &TestBundle::new("v1").hook(TestHook::new(
            "BeforeInstall",
            "touch \"$LIFTOFF_INSTALL_ROOT/ran\"",
        )),
    )
    .await
    .unwrap();

    proxy.faults.corrupt_bundles.store(true, Ordering::SeqCst);
    let d = deploy(&p, "shop", "web", &rev, WAIT).await;
    assert_eq!(d.status, DeploymentStatus::Failed, "{d:#?}");
    let h = &d.hosts[0];
    assert_eq!(
        h.error_code.as_deref(),
        Some("bundle-digest-mismatch"),
        "{h:#?}"
    );
    let download = event(h, "DownloadBundle");
    assert_eq!(download.status, EventStatus::Failed);
    assert_eq!(
        download.error_code.as_deref(),
        Some("BUNDLE_DIGEST_MISMATCH")
    );
    assert!(
        download
            .message
            .as_deref()
            .unwrap_or_default()
            .contains(&rev.sha256),
        "{download:?}"
    );
    assert_eq!(
        proxy
            .faults
            .count("GET /v1/applications/shop/revisions/*/bundle"),
        1
    );
    // Nothing of the bundle reached the disk, nothing was installed, no hook ran.
    let release = a
        .state_dir()
        .join("deployments")
        .join(d.deployment_id.to_string());
    assert_eq!(
        tree(&release),
        vec![
            h.command_id.unwrap().to_string(),
            format!("{}/logs", h.command_id.unwrap())
        ]
    );
    assert!(!a.install_root.join("opt").exists());
    assert!(!a.install_root.join("ran").exists());

    // The same revision, served intact, deploys.
    proxy.faults.corrupt_bundles.store(false, Ordering::SeqCst);
    let d = deploy(&p, "shop", "web", &rev, WAIT).await;
    assert_eq!(d.status, DeploymentStatus::Succeeded, "{d:#?}");
    assert!(a.install_root.join("ran").exists());
    a.stop().await;
    proxy.stop().await;
    p.stop().await;
}

/// A small tmpfs mounted for one test, unmounted on drop.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(at: &Path, size: &str) -> Option<Self> {
        std::fs::create_dir_all(at).ok()?;
        let ok = std::process::Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0755"),
                "tmpfs",
            ])
            .arg(at)
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Self(at.to_path_buf()))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.0)
            .status();
    }
}

/// `n` bytes over a two-letter alphabet: about one bit of entropy per byte, so gzip shrinks it
/// about six-fold (well under the 100:1 bomb limit) and the bundle stays small to download.
fn low_entropy(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            if x & 1 == 0 { b'a' } else { b'b' }
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_during_unpack_leaves_the_running_release_untouched() {
    let p = TestPlatform::start().await.expect("platform");
    let token = p.enrollment_token().await.unwrap();
    let mut opts = options(&p, &token);
    // The agent's release directories on a 4 MiB tmpfs, when this test may mount one (root);
    // otherwise the same scenario against a size cap on what a bundle may unpack to.
    let releases = opts.root.join("var/lib/liftoff-agent/deployments");
    let tmpfs = Tmpfs::mount(&releases, "4m");
    let expected_code = if tmpfs.is_some() {
        "DISK_FULL"
    } else {
        eprintln!("cannot mount a tmpfs here: testing against --max-unpacked-bytes instead");
        opts = opts.arg("--max-unpacked-bytes").arg("3000000");
        "BUNDLE_TOO_LARGE"
    };
    let a = AgentProcess::start(Path::new(BIN), &opts).unwrap();
    wait_enrolled(&p, WEB, 1, WAIT).await;
    create_app_and_group(&p, "shop", "web", WEB, "AllAtOnce")
        .await
        .unwrap();

    let v1 = push_bundle(
        &p,
        "shop",
        &TestBundle::new("v1").hook(TestHook::new("ValidateService", "echo ok")),
    )
    .await
    .unwrap();
    let d1 = deploy(&p, "shop", "web", &v1, WAIT).await;
    assert_eq!(d1.status, DeploymentStatus::Succeeded, "{d1:#?}");
    let v1_release = releases.join(d1.deployment_id.to_string());
    let v1_files = tree(&v1_release);
    assert!(
        v1_files.iter().any(|f| f.ends_with("archive/appspec.yml")),
        "{v1_files:?}"
    );

    // 8 MiB unpacked from a bundle of about 1.3 MiB.
    let big = TestBundle::new("v2").file("big.bin", low_entropy(8 << 20, 42));
    let v2 = push_bundle(&p, "shop", &big).await.unwrap();
    assert!(v2.size_bytes < 2 << 20, "bundle of {} bytes", v2.size_bytes);
    let d2 = deploy(&p, "shop", "web", &v2, WAIT).await;
    assert_eq!(
        d2.status,
        DeploymentStatus::Failed,
        "{d2:#?}\n{}",
        a.log_text()
    );
    let h = &d2.hosts[0];
    let download = event(h, "DownloadBundle");
    assert_eq!(
        download.error_code.as_deref(),
        Some(expected_code),
        "{download:?}"
    );
    assert!(h.events.iter().all(|e| e.event != "Install"), "{h:#?}");

    // The partial unpack and the downloaded archive are gone; v1's release and installed files
    // are exactly as they were.
    let v2_command = releases
        .join(d2.deployment_id.to_string())
        .join(h.command_id.unwrap().to_string());
    assert!(
        !v2_command.join("archive").exists(),
        "{:?}",
        tree(&v2_command)
    );
    assert!(
        !v2_command.join("bundle").exists(),
        "{:?}",
        tree(&v2_command)
    );
    assert_eq!(tree(&v1_release), v1_files);
    assert_eq!(
        std::fs::read_to_string(a.install_root.join("opt/app/VERSION")).unwrap(),
        "v1\n"
    );
    assert!(!a.install_root.join("opt/app/big.bin").exists());

    // Once there is room again (a smaller v3), the host deploys, and ApplicationStop still
    // finds v1's release.
    let v3 = push_bundle(
        &p,
        "shop",
        &TestBundle::new("v3").hook(TestHook::new("ValidateService", "echo ok")),
    )
    .await
    .unwrap();
    let d3 = deploy(&p, "shop", "web", &v3, WAIT).await;
    assert_eq!(d3.status, DeploymentStatus::Succeeded, "{d3:#?}");
    a.stop().await;
    drop(tmpfs);
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_poll_that_never_answers_is_abandoned_and_retried() {
    let p = TestPlatform::start().await.expect("platform");
    let proxy = FaultProxy::start(&p.url).expect("proxy");
    let faults = proxy.faults.clone();
    let token = p.enrollment_token().await.unwrap();
    let opts = options(&p, &token)
        .arg("--scheduler-url")
        .arg(proxy.url.clone());
    let a = AgentProcess::start(Path::new(BIN), &opts).unwrap();
    wait_enrolled(&p, WEB, 1, WAIT).await;
    create_app_and_group(&p, "shop", "web", WEB, "AllAtOnce")
        .await
        .unwrap();

    // From now on the "scheduler" accepts polls and never answers them.
    faults.hold(Some("/commands"));
    let f = &faults;
    wait_for("a poll to hang", Duration::from_secs(30), || async move {
        (f.held.load(Ordering::SeqCst) >= 1).then_some(())
    })
    .await;
    let hung_at = Instant::now();
    wait_for(
        "the agent to give up and poll again",
        Duration::from_secs(40),
        || async move { (f.held.load(Ordering::SeqCst) >= 2).then_some(()) },
    )
    .await;
    let gave_up = hung_at.elapsed();
    // The poll asks for 1 s and allows 10 s more; then comes a jittered backoff.
    assert!(
        gave_up < Duration::from_secs(25),
        "gave up after {gave_up:?}"
    );
    assert!(a.log_text().contains("poll failed"), "{}", a.log_text());

    // Healed: the agent carries on by itself.
    faults.hold(None);
    let rev = push_bundle(
        &p,
        "shop",
        &TestBundle::new("v1").hook(TestHook::new("ValidateService", "echo ok")),
    )
    .await
    .unwrap();
    let d = deploy(&p, "shop", "web", &rev, WAIT).await;
    assert_eq!(d.status, DeploymentStatus::Succeeded, "{d:#?}");
    a.stop().await;
    proxy.stop().await;
    p.stop().await;
}

/// A bundle directory with `appspec`, `files` (relative path, contents) and `links` (relative
/// path, target), packed and pushed to `app`.
async fn push_tree(
    p: &TestPlatform,
    app: &str,
    name: &str,
    appspec: &str,
    files: &[(&str, &str)],
    links: &[(&str, &str)],
) -> liftoff_types::deployments::Revision {
    let dir = p.dir.path().join("bundles").join(name);
    for (rel, text) in files {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
    }
    for (rel, target) in links {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(target, &path).unwrap();
    }
    std::fs::write(dir.join("appspec.yml"), appspec).unwrap();
    let archive = p.dir.path().join("bundles").join(format!("{name}.tar.gz"));
    liftoff_testkit::pack(&dir, &archive).unwrap();
    p.api()
        .push_revision(app, &archive, Some(name), None, None)
        .await
        .unwrap()
}

/// The two-step escape: app one installs `sub` (holding `l -> ..`) to `/`, leaving
/// `<install-root>/l -> ..`; app two then installs to `/l/esc`, which lands beside the install
/// root, written as root. Now the link is refused when app one installs, and a link left there
/// anyway (by an older agent, or by hand) is never followed out of the install root.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_symlink_left_by_one_app_cannot_carry_another_apps_files_out_of_the_install_root() {
    let p = TestPlatform::start().await.expect("platform");
    let token = p.enrollment_token().await.unwrap();
    let mut opts = options(&p, &token);
    let outside = p.dir.path().join("host-0");
    opts.install_root = outside.join("fs");
    let a = AgentProcess::start(Path::new(BIN), &opts).unwrap();
    wait_enrolled(&p, WEB, 1, WAIT).await;
    create_app_and_group(&p, "one", "one-web", WEB, "AllAtOnce")
        .await
        .unwrap();
    create_app_and_group(&p, "two", "two-web", WEB, "AllAtOnce")
        .await
        .unwrap();
    let root = opts.install_root.clone();

    let one = push_tree(
        &p,
        "one",
        "one",
        "version: 0.0\nos: linux\nfiles:\n  - source: sub\n    destination: /\n",
        &[("sub/keep", "one\n")],
        &[("sub/l", "..")],
    )
    .await;
    let d = deploy(&p, "one", "one-web", &one, WAIT).await;
    assert_eq!(d.status, DeploymentStatus::Failed, "{d:#?}");
    let install = event(&d.hosts[0], "Install");
    assert_eq!(
        install.error_code.as_deref(),
        Some("INSTALL_PATH_ESCAPES_ROOT"),
        "{install:?}"
    );
    assert!(
        std::fs::symlink_metadata(root.join("keep")).is_err(),
        "refused before anything was copied"
    );

    // The link as an earlier deployment would have left it.
    let _ = std::os::unix::fs::symlink("..", root.join("l"));
    let two = push_tree(
        &p,
        "two",
        "two",
        "version: 0.0\nos: linux\nfiles:\n  - source: payload\n    destination: /l/esc\n",
        &[("payload/owned", "two\n")],
        &[],
    )
    .await;
    let d = deploy(&p, "two", "two-web", &two, WAIT).await;
    assert_eq!(d.status, DeploymentStatus::Failed, "{d:#?}");
    let install = event(&d.hosts[0], "Install");
    assert_eq!(
        install.error_code.as_deref(),
        Some("INSTALL_PATH_ESCAPES_ROOT"),
        "{install:?}"
    );
    assert!(
        !outside.join("esc").exists(),
        "app two's files landed outside the install root: {:?}",
        tree(&outside.join("esc"))
    );
    a.stop().await;
    p.stop().await;
}

/// `--install-allow` bounds where the Install step writes on any host: a destination outside it
/// is refused before anything is written, one inside it installs as before.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn install_writes_only_under_the_directories_the_host_allows() {
    let p = TestPlatform::start().await.expect("platform");
    let token = p.enrollment_token().await.unwrap();
    let root = p.dir.path().join("host-0");
    let opts = options(&p, &token)
        .arg("--install-allow")
        .arg(format!("{0}/srv,{0}/var/www", root.display()));
    let a = AgentProcess::start(Path::new(BIN), &opts).unwrap();
    wait_enrolled(&p, WEB, 1, WAIT).await;
    create_app_and_group(&p, "shop", "web", WEB, "AllAtOnce")
        .await
        .unwrap();

    let outside = push_bundle(&p, "shop", &TestBundle::new("opt"))
        .await
        .unwrap();
    let d = deploy(&p, "shop", "web", &outside, WAIT).await;
    assert_eq!(d.status, DeploymentStatus::Failed, "{d:#?}");
    let install = event(&d.hosts[0], "Install");
    assert_eq!(
        install.error_code.as_deref(),
        Some("INSTALL_DESTINATION_FORBIDDEN"),
        "{install:?}"
    );
    assert!(!root.join("opt").exists(), "nothing was written");

    let inside = push_bundle(&p, "shop", &TestBundle::new("srv").destination("/srv/shop"))
        .await
        .unwrap();
    let d = deploy(&p, "shop", "web", &inside, WAIT).await;
    assert_eq!(d.status, DeploymentStatus::Succeeded, "{d:#?}");
    assert_eq!(
        std::fs::read_to_string(root.join("srv/shop/VERSION")).unwrap(),
        "srv\n"
    );
    a.stop().await;
    p.stop().await;
}

/// A zip as Windows tools make it: no Unix modes at all (made by Python's zipfile with
/// `create_system = 0`).
fn windows_zip(out: &Path, files: &[(&str, &str)]) {
    let mut script = String::from(
        "import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED)\n",
    );
    for (name, body) in files {
        script.push_str(&format!(
            "i = zipfile.ZipInfo({name:?}); i.create_system = 0; i.external_attr = 0\nz.writestr(i, {body:?})\n"
        ));
    }
    script.push_str("z.close()\n");
    let status = std::process::Command::new("python3")
        .arg("-c")
        .arg(&script)
        .arg(out)
        .status()
        .expect("python3 runs");
    assert!(status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_windows_made_zip_of_a_folder_with_no_modes_and_scripts_without_shebang_deploys_like_codedeploy()
 {
    let p = TestPlatform::start().await.expect("platform");
    let token = p.enrollment_token().await.unwrap();
    let agent = AgentProcess::start(Path::new(BIN), &options(&p, &token)).unwrap();
    wait_enrolled(&p, WEB, 1, WAIT).await;
    create_app_and_group(&p, "shop", "web", WEB, "AllAtOnce")
        .await
        .unwrap();
    let archive = p.dir.path().join("windows.zip");
    windows_zip(
        &archive,
        &[
            // `zip -r shop.zip shop-1.0/`: everything under one folder, the appspec in it.
            (
                "shop-1.0/appspec.yml",
                "version: 0.0\nos: linux\nfiles:\n  - source: site\n    destination: /opt/site\nhooks:\n  AfterInstall:\n    - location: scripts/after.sh\n",
            ),
            ("shop-1.0/site/index.html", "hello\n"),
            // No #!: run by /bin/sh, as execvp (and CodeDeploy's agent) would.
            (
                "shop-1.0/scripts/after.sh",
                "echo \"from sh: $LIFECYCLE_EVENT\" > \"$LIFTOFF_INSTALL_ROOT/after-ran\"\n",
            ),
        ],
    );
    let rev = p
        .api()
        .push_revision("shop", &archive, Some("win"), None, None)
        .await
        .unwrap();
    let d = deploy(&p, "shop", "web", &rev, WAIT).await;
    assert_eq!(d.status, DeploymentStatus::Succeeded, "{:#?}", d.hosts);
    let root = p.dir.path().join("host-0");
    assert_eq!(
        std::fs::read_to_string(root.join("after-ran")).unwrap(),
        "from sh: AfterInstall\n"
    );
    assert_eq!(
        std::fs::read_to_string(root.join("opt/site/index.html")).unwrap(),
        "hello\n"
    );
    let after = event(&d.hosts[0], "AfterInstall");
    assert_eq!(after.status, EventStatus::Succeeded);
    assert!(
        after
            .output_tail
            .contains("no #! line; running it with /bin/sh")
            && after.output_tail.contains("made it executable"),
        "{after:?}"
    );
    agent.stop().await;
}
