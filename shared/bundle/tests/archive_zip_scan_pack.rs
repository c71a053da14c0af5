//! Zip bundles under the same rules as tar, the upload-time scan that reads the appspec without
//! extracting, and deterministic packing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;

use common::*;
use liftoff_bundle::{
    ArchiveFormat, BundleErrorCode as Code, LifecycleEvent, read_appspec_from_archive,
};
use tar::EntryType;

const APPSPEC: &[u8] = b"version: 0.0\nos: linux\nhooks:\n  AfterInstall:\n    - location: scripts/after.sh\n      timeout: 60\n";

#[test]
fn detects_formats_by_magic() {
    assert_eq!(
        ArchiveFormat::detect(&tar_gz(&[file("a", b"x")])),
        Some(ArchiveFormat::TarGz)
    );
    assert_eq!(
        ArchiveFormat::detect(&tar_bytes(&[file("a", b"x")])),
        Some(ArchiveFormat::Tar)
    );
    assert_eq!(
        ArchiveFormat::detect(&zip_bytes(&[ZipMember::File("a", b"x", 0o644)])),
        Some(ArchiveFormat::Zip)
    );
    assert_eq!(
        ArchiveFormat::detect(&zip_bytes(&[])),
        Some(ArchiveFormat::Zip),
        "empty zip"
    );
    assert_eq!(ArchiveFormat::detect(b"PK\x01\x02"), None);
    assert_eq!(ArchiveFormat::detect(&[0u8; 600]), None);
}

#[test]
fn unpacks_a_zip_with_modes_dirs_and_inner_symlinks() {
    let fx = Fixture::new();
    let report = fx
        .unpack(&zip_bytes(&[
            ZipMember::File("appspec.yml", APPSPEC, 0o644),
            ZipMember::Dir("scripts/"),
            ZipMember::File("scripts/after.sh", b"#!/bin/sh\n", 0o755),
            ZipMember::Symlink("scripts/latest.sh", "after.sh"),
        ]))
        .unwrap();
    assert_eq!((report.files, report.dirs, report.symlinks), (2, 1, 1));
    assert_eq!(mode_of(&fx.dest.join("scripts/after.sh")), 0o755);
    assert_eq!(
        fs::read_link(fx.dest.join("scripts/latest.sh"))
            .unwrap()
            .to_str(),
        Some("after.sh")
    );
    fx.assert_outside_untouched();
}

#[test]
fn zip_traversal_links_and_special_files_are_refused() {
    let fx = Fixture::new();
    fx.assert_refused(
        fx.unpack(&zip_bytes(&[ZipMember::File(
            "../outside/evil",
            b"x",
            0o644,
        )])),
        Code::PathInvalid,
    );
    let fx = Fixture::new();
    fx.assert_refused(
        fx.unpack(&zip_bytes(&[ZipMember::File("/etc/x", b"x", 0o644)])),
        Code::PathInvalid,
    );
    let fx = Fixture::new();
    let bytes = zip_bytes(&[
        ZipMember::Symlink("s", ".."),
        ZipMember::File("s/outside/canary", b"pwned", 0o644),
    ]);
    fx.assert_refused(fx.unpack(&bytes), Code::LinkInvalid);
    let fx = Fixture::new();
    let bytes = zip_bytes(&[
        ZipMember::Symlink("dupAAAA", "x"),
        ZipMember::File("dupBBBB", b"pwned", 0o644),
    ]);
    let err = fx.assert_refused(
        fx.unpack(&rename_in_zip(bytes, "dupBBBB", "dupAAAA")),
        Code::PathInvalid,
    );
    assert!(err.message.contains("same name"), "{}", err.message);
    // Same-named after normalization only (`./f`): the tracker's symlink rule applies.
    let fx = Fixture::new();
    let bytes = zip_bytes(&[
        ZipMember::Symlink("f", "x"),
        ZipMember::File("./f", b"pwned", 0o644),
    ]);
    let err = fx.assert_refused(fx.unpack(&bytes), Code::LinkInvalid);
    assert!(err.message.contains("earlier symlink"), "{}", err.message);
    let fx = Fixture::new();
    fx.assert_refused(
        fx.unpack(&zip_bytes(&[ZipMember::Raw("pipe", b"", 0o010644)])),
        Code::EntryForbidden,
    );
    let fx = Fixture::new();
    fx.assert_refused(
        fx.unpack(&zip_bytes(&[ZipMember::Raw("tty", b"", 0o020644)])),
        Code::EntryForbidden,
    );
}

#[test]
fn zip_setuid_is_stripped() {
    let fx = Fixture::new();
    let report = fx
        .unpack(&zip_bytes(&[ZipMember::Raw("suid", b"x", 0o104755)]))
        .unwrap();
    assert_eq!(report.stripped_mode_bits, 1);
    assert_eq!(mode_of(&fx.dest.join("suid")), 0o755);
}

#[test]
fn a_zip_bomb_is_stopped() {
    let fx = Fixture::new();
    let bomb = zip_bytes(&[ZipMember::File("zeros", &vec![0u8; 4 << 20], 0o644)]);
    fx.assert_refused(fx.unpack(&bomb), Code::TooLarge);
}

#[test]
fn a_truncated_zip_is_corrupt() {
    let fx = Fixture::new();
    let bytes = zip_bytes(&[ZipMember::File("a", &[7u8; 5000], 0o644)]);
    fx.assert_refused(fx.unpack(&bytes[..bytes.len() - 30]), Code::Corrupt);
}

fn scan(bytes: &[u8]) -> Result<liftoff_bundle::AppSpec, liftoff_bundle::BundleError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("upload");
    fs::write(&path, bytes).unwrap();
    let result = read_appspec_from_archive(&path);
    let left: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(left.len(), 1, "the scan wrote to disk");
    result
}

#[test]
fn upload_scan_reads_the_root_appspec_of_any_format() {
    let members = || {
        vec![
            file("appspec.yml", APPSPEC),
            file_mode("scripts/after.sh", b"#!/bin/sh\n", 0o755),
        ]
    };
    for bytes in [
        tar_gz(&members()),
        tar_bytes(&members()),
        zip_bytes(&[ZipMember::File("appspec.yml", APPSPEC, 0o644)]),
    ] {
        let spec = scan(&bytes).unwrap();
        assert_eq!(
            spec.hooks_for(LifecycleEvent::AfterInstall)[0].location,
            "scripts/after.sh"
        );
    }
    let spec = scan(&tar_gz(&[file("./appspec.yaml", APPSPEC)])).unwrap();
    assert_eq!(
        spec.hooks_for(LifecycleEvent::AfterInstall)[0].timeout_secs,
        60
    );
    let both = tar_gz(&[
        file("appspec.yaml", b"not: [valid"),
        file("appspec.yml", APPSPEC),
    ]);
    assert!(scan(&both).is_ok(), "appspec.yml wins over appspec.yaml");
}

#[test]
fn upload_scan_reports_missing_and_invalid_appspecs() {
    // Two folders deep, or one folder beside other root entries: not a bundle root.
    let err = scan(&tar_gz(&[file("myapp/v1/appspec.yml", APPSPEC)])).unwrap_err();
    assert_eq!(err.code, Code::AppSpecMissing);
    assert!(
        err.message.contains("myapp/v1/appspec.yml"),
        "{}",
        err.message
    );
    let err = scan(&tar_gz(&[
        file("myapp/appspec.yml", APPSPEC),
        file("README", b"read me\n"),
    ]))
    .unwrap_err();
    assert_eq!(err.code, Code::AppSpecMissing);
    assert!(err.message.contains("myapp/appspec.yml"), "{}", err.message);
    let err = scan(&tar_gz(&[file(
        "appspec.yml",
        b"version: 0.0\nos: linux\nhooks:\n  Before Install: []\n",
    )]))
    .unwrap_err();
    assert_eq!(err.code, Code::AppSpecInvalid);
    assert!(
        err.message.contains("unknown lifecycle event"),
        "{}",
        err.message
    );
    let err = scan(&tar_gz(&[
        file("real.yml", APPSPEC),
        symlink("appspec.yml", "real.yml"),
    ]))
    .unwrap_err();
    assert_eq!(err.code, Code::AppSpecInvalid);
}

#[test]
fn upload_scan_refuses_what_the_agent_would_refuse() {
    let with = |m: Member| tar_gz(&[file("appspec.yml", APPSPEC), m]);
    assert_eq!(
        scan(&with(file("../../x", b"x"))).unwrap_err().code,
        Code::PathInvalid
    );
    assert_eq!(
        scan(&with(symlink("s", "/etc"))).unwrap_err().code,
        Code::LinkInvalid
    );
    assert_eq!(
        scan(&with(hardlink("h", "/etc/shadow"))).unwrap_err().code,
        Code::LinkInvalid
    );
    assert_eq!(
        scan(&with(special("p", EntryType::Fifo))).unwrap_err().code,
        Code::EntryForbidden
    );
    assert_eq!(
        scan(&with(file("zeros", &vec![0u8; 4 << 20])))
            .unwrap_err()
            .code,
        Code::TooLarge
    );
    let zip = zip_bytes(&[
        ZipMember::File("appspec.yml", APPSPEC, 0o644),
        ZipMember::File("a/../../x", b"x", 0o644),
    ]);
    assert_eq!(scan(&zip).unwrap_err().code, Code::PathInvalid);
    assert_eq!(scan(b"plain text").unwrap_err().code, Code::UnknownFormat);
    let truncated = tar_gz(&[
        file("appspec.yml", APPSPEC),
        file(
            "big",
            &(0..100_000u32)
                .flat_map(|i| i.to_le_bytes())
                .collect::<Vec<_>>(),
        ),
    ]);
    assert_eq!(
        scan(&truncated[..truncated.len() / 2]).unwrap_err().code,
        Code::Corrupt
    );
}

fn sample_tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::write(root.join("appspec.yml"), APPSPEC).unwrap();
    fs::create_dir_all(root.join("scripts")).unwrap();
    fs::write(root.join("scripts/after.sh"), b"#!/bin/sh\n").unwrap();
    fs::set_permissions(
        root.join("scripts/after.sh"),
        fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    let deep = format!("{}/file.txt", ["long-directory-name"; 8].join("/"));
    fs::create_dir_all(root.join(&deep).parent().unwrap()).unwrap();
    fs::write(root.join(&deep), b"deep").unwrap();
    std::os::unix::fs::symlink("scripts/after.sh", root.join("latest")).unwrap();
    dir
}

#[test]
fn packing_is_deterministic_and_round_trips() {
    let tree = sample_tree();
    let (mut first, mut second) = (Vec::new(), Vec::new());
    liftoff_bundle::pack_dir_tar_gz(tree.path(), &mut first).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(10));
    let touched = tree.path().join("appspec.yml");
    fs::write(&touched, APPSPEC).unwrap();
    liftoff_bundle::pack_dir_tar_gz(tree.path(), &mut second).unwrap();
    assert_eq!(
        liftoff_bundle::sha256_bytes(&first),
        liftoff_bundle::sha256_bytes(&second)
    );

    let fx = Fixture::new();
    let report = fx.unpack(&first).unwrap();
    assert_eq!(report.files, 3);
    assert_eq!(report.symlinks, 1);
    assert_eq!(mode_of(&fx.dest.join("scripts/after.sh")), 0o755);
    assert_eq!(
        fs::read_link(fx.dest.join("latest")).unwrap().to_str(),
        Some("scripts/after.sh")
    );
    let deep = format!("{}/file.txt", ["long-directory-name"; 8].join("/"));
    assert_eq!(fs::read(fx.dest.join(deep)).unwrap(), b"deep");
    assert!(scan(&first).is_ok());

    let archive = tar::Archive::new(flate2::read::GzDecoder::new(first.as_slice()));
    let mut archive = archive;
    for entry in archive.entries().unwrap() {
        let entry = entry.unwrap();
        let h = entry.header();
        assert_eq!(
            (h.mtime().unwrap(), h.uid().unwrap(), h.gid().unwrap()),
            (0, 0, 0)
        );
    }
}

#[test]
fn packing_refuses_special_files() {
    let tree = sample_tree();
    nix::unistd::mkfifo(
        &tree.path().join("pipe"),
        nix::sys::stat::Mode::from_bits_truncate(0o644),
    )
    .unwrap();
    let mut out = Vec::new();
    let err = liftoff_bundle::pack_dir_tar_gz(tree.path(), &mut out).unwrap_err();
    assert!(err.to_string().contains("FIFOs"), "{err}");
}

#[test]
fn sha256_helpers_agree() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f");
    fs::write(&path, b"abc").unwrap();
    let expected = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    assert_eq!(liftoff_bundle::sha256_bytes(b"abc"), expected);
    assert_eq!(liftoff_bundle::sha256_file(&path).unwrap(), expected);
}

#[test]
fn one_folder_holding_the_whole_bundle_is_its_root_like_codedeploy_reads_it() {
    // What `zip -r app.zip app/` makes: every entry under `app/`, the appspec inside it.
    let members = || {
        vec![
            ZipMember::Dir("app/"),
            ZipMember::File("app/appspec.yml", APPSPEC, 0o644),
            ZipMember::File("app/scripts/after.sh", b"#!/bin/sh\n", 0o755),
            ZipMember::File("app/app/app", b"same name, one level down\n", 0o644),
        ]
    };
    let spec = scan(&zip_bytes(&members())).unwrap();
    assert_eq!(
        spec.hooks_for(LifecycleEvent::AfterInstall)[0].location,
        "scripts/after.sh"
    );
    let fx = Fixture::new();
    fx.unpack(&zip_bytes(&members())).unwrap();
    let mut top: Vec<String> = fs::read_dir(&fx.dest)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    top.sort();
    assert_eq!(
        top,
        ["app", "appspec.yml", "scripts"],
        "the folder's contents moved up"
    );
    assert_eq!(
        fs::read(fx.dest.join("app/app")).unwrap(),
        b"same name, one level down\n"
    );
    // The same as a tarball.
    let spec = scan(&tar_gz(&[
        file("shop-1.0/appspec.yml", APPSPEC),
        file_mode("shop-1.0/scripts/after.sh", b"#!/bin/sh\n", 0o755),
    ]))
    .unwrap();
    assert_eq!(spec.hooks_for(LifecycleEvent::AfterInstall).len(), 1);
}
