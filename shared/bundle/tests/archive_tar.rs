//! Unpacking tar and tar.gz bundles: the happy path, and every archive attack of reliability.md
//! section G. Each refusal also proves the canary outside the destination kept its bytes, mode
//! and mtime, and that the destination was removed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::fs;
use std::os::unix::fs::MetadataExt;

use common::*;
use liftoff_bundle::{BundleErrorCode as Code, UnpackLimits};
use tar::EntryType;

#[test]
fn unpacks_files_dirs_links_and_keeps_exec_bits() {
    let fx = Fixture::new();
    let report = fx
        .unpack(&tar_gz(&[
            dir("scripts/"),
            file_mode("scripts/start.sh", b"#!/bin/sh\necho hi\n", 0o755),
            file("appspec.yml", b"version: 0.0\nos: linux\n"),
            file("app/deep/index.html", b"<html/>"),
            symlink("app/current", "deep/index.html"),
            hardlink("app/copy.html", "app/deep/index.html"),
        ]))
        .unwrap();
    assert_eq!(report.files, 4);
    assert_eq!(report.symlinks, 1);
    assert_eq!(report.dirs, 3, "scripts, app, app/deep");
    let script =
        b"#!/bin/sh\necho hi\n".len() + b"version: 0.0\nos: linux\n".len() + b"<html/>".len();
    assert_eq!(report.bytes, script as u64);
    assert_eq!(report.stripped_mode_bits, 0);
    assert_eq!(mode_of(&fx.dest.join("scripts/start.sh")), 0o755);
    assert_eq!(mode_of(&fx.dest.join("appspec.yml")), 0o644);
    assert_eq!(
        fs::read_link(fx.dest.join("app/current")).unwrap().to_str(),
        Some("deep/index.html")
    );
    assert_eq!(fs::read(fx.dest.join("app/copy.html")).unwrap(), b"<html/>");
    let meta = fs::metadata(fx.dest.join("appspec.yml")).unwrap();
    assert_eq!(meta.mtime(), 1_600_000_000);
    assert_eq!(
        meta.uid(),
        nix::unistd::geteuid().as_raw(),
        "archive owners are ignored"
    );
    fx.assert_outside_untouched();
}

#[test]
fn plain_tar_unpacks_too() {
    let fx = Fixture::new();
    let report = fx.unpack(&tar_bytes(&[file("a.txt", b"a")])).unwrap();
    assert_eq!(report.files, 1);
}

#[test]
fn digest_mismatch_is_refused_before_anything_is_read() {
    let fx = Fixture::new();
    let bytes = tar_gz(&[file("a.txt", b"a"), file("../outside/evil", b"x")]);
    fs::write(fx.archive_path(), &bytes).unwrap();
    let wrong = liftoff_bundle::sha256_bytes(b"something else");
    let result = liftoff_bundle::unpack(
        &fx.archive_path(),
        &wrong,
        &fx.dest,
        &UnpackLimits::default(),
    );
    let err = fx.assert_refused(result, Code::DigestMismatch);
    assert!(err.message.contains(&wrong));
    assert!(
        !fx.dest.parent().unwrap().exists(),
        "not even the parent was created"
    );
    let garbage = liftoff_bundle::unpack(
        &fx.archive_path(),
        "not-hex",
        &fx.dest,
        &UnpackLimits::default(),
    );
    fx.assert_refused(garbage, Code::DigestMismatch);
}

#[test]
fn traversal_and_absolute_names_are_refused() {
    let absolute = format!("{}/evil", Fixture::new().outside.display());
    for name in [
        "../x",
        "a/../../x",
        "/etc/x",
        absolute.as_str(),
        "C:\\x",
        "\\x",
        "a\\..\\..\\x",
    ] {
        let fx = Fixture::new();
        let absolute_here = format!("{}/evil", fx.outside.display());
        let name = if name == absolute {
            absolute_here.as_str()
        } else {
            name
        };
        let err = fx.assert_refused(
            fx.unpack(&tar_gz(&[file("ok.txt", b"1"), file(name, b"x")])),
            Code::PathInvalid,
        );
        assert!(err.message.contains("entry"), "{}", err.message);
    }
}

#[test]
fn nul_long_and_non_utf8_names_are_refused() {
    let long = "d/".repeat(2100) + "x";
    let cases: Vec<Vec<u8>> = vec![b"a\0b".to_vec(), long.into_bytes(), vec![b'a', 0xff, 0xfe]];
    for name in cases {
        let fx = Fixture::new();
        let pax = extension(EntryType::XHeader, &pax_record("path", &name));
        let err = fx.assert_refused(
            fx.unpack(&tar_gz(&[pax, file("placeholder", b"x")])),
            Code::PathInvalid,
        );
        assert!(!err.message.is_empty());
    }
    // The same through a GNU long-name member.
    let fx = Fixture::new();
    let long = extension(EntryType::GNULongName, b"../../outside/evil\0");
    fx.assert_refused(
        fx.unpack(&tar_gz(&[long, file("placeholder", b"x")])),
        Code::PathInvalid,
    );
}

#[test]
fn symlink_out_then_write_through_it_is_refused() {
    let fx = Fixture::new();
    let target = fx.outside.display().to_string();
    let bytes = tar_gz(&[symlink("s", &target), file("s/canary", b"pwned")]);
    fx.assert_refused(fx.unpack(&bytes), Code::LinkInvalid);

    let fx = Fixture::new();
    fx.assert_refused(
        fx.unpack(&tar_gz(&[symlink("s", "/etc"), file("s/passwd", b"x")])),
        Code::LinkInvalid,
    );
}

#[test]
fn two_step_link_planting_is_refused_at_the_first_step() {
    // GNU tar CVE-2025-45582: deployment 1 plants x -> ../../home/u/.ssh, deployment 2 ships
    // x/authorized_keys. The link is refused outright, and each deployment gets a fresh dir.
    let fx = Fixture::new();
    fx.assert_refused(
        fx.unpack(&tar_gz(&[symlink("x", "../../outside")])),
        Code::LinkInvalid,
    );
    let fx = Fixture::new();
    let report = fx
        .unpack(&tar_gz(&[file("x/authorized_keys", b"key")]))
        .unwrap();
    assert_eq!(report.dirs, 1);
    assert!(fx.dest.join("x").is_dir());
    fx.assert_outside_untouched();
}

#[test]
fn long_names_come_from_gnu_and_pax_headers() {
    let fx = Fixture::new();
    let deep = format!("{}/f.txt", ["segment-of-a-long-path"; 8].join("/"));
    let gnu = extension(EntryType::GNULongName, format!("{deep}\0").as_bytes());
    let pax = extension(EntryType::XHeader, &pax_record("path", b"pax/named.txt"));
    fx.unpack(&tar_gz(&[
        gnu,
        file("short", b"1"),
        pax,
        file("other", b"2"),
    ]))
    .unwrap();
    assert_eq!(fs::read(fx.dest.join(&deep)).unwrap(), b"1");
    assert_eq!(fs::read(fx.dest.join("pax/named.txt")).unwrap(), b"2");
    assert!(!fx.dest.join("short").exists() && !fx.dest.join("other").exists());
}

#[test]
fn paths_through_any_symlink_are_refused() {
    // RUSTSEC-2021-0080: s -> .. then s/x/y; and even a link that stays inside is never
    // followed while creating a path.
    let fx = Fixture::new();
    fx.assert_refused(
        fx.unpack(&tar_gz(&[symlink("s", ".."), file("s/x/y", b"x")])),
        Code::LinkInvalid,
    );
    let fx = Fixture::new();
    let bytes = tar_gz(&[dir("real/"), symlink("s", "real"), file("s/x", b"x")]);
    let err = fx.assert_refused(fx.unpack(&bytes), Code::LinkInvalid);
    assert!(
        err.message.contains("passes through the symlink"),
        "{}",
        err.message
    );
}

#[test]
fn symlink_then_file_or_dir_of_the_same_name_is_refused() {
    // RUSTSEC-2018-0002: a regular file written after a symlink of the same name.
    let fx = Fixture::new();
    let target = fx.canary.display().to_string();
    fx.assert_refused(
        fx.unpack(&tar_gz(&[symlink("f", "x"), file("f", b"pwned")])),
        Code::LinkInvalid,
    );
    let fx2 = Fixture::new();
    fx2.assert_refused(
        fx2.unpack(&tar_gz(&[symlink("f", &target), file("f", b"pwned")])),
        Code::LinkInvalid,
    );
    // RUSTSEC-2026-0067: a directory entry after a symlink, whose mode would be applied
    // through the link.
    let fx3 = Fixture::new();
    let bytes = tar_gz(&[
        dir("inner/"),
        symlink("d", "inner"),
        Member {
            mode: 0o777,
            ..dir("d/")
        },
    ]);
    fx3.assert_refused(fx3.unpack(&bytes), Code::LinkInvalid);
}

#[test]
fn hardlinks_must_name_an_earlier_regular_file_inside() {
    for target in ["/etc/shadow", "../outside/canary", "later.txt", "s", "d"] {
        let fx = Fixture::new();
        let bytes = tar_gz(&[
            dir("d/"),
            symlink("s", "d"),
            hardlink("h", target),
            file("later.txt", b"x"),
        ]);
        let err = fx.assert_refused(fx.unpack(&bytes), Code::LinkInvalid);
        assert!(err.message.contains("hardlink"), "{}", err.message);
    }
}

#[test]
fn rewriting_a_hardlinked_name_never_writes_through_the_link() {
    // node-tar CVE-2026-23745 style: a later file of the same name replaces the link itself.
    let fx = Fixture::new();
    let bytes = tar_gz(&[
        file("a", b"original"),
        hardlink("h", "a"),
        file("h", b"replaced"),
    ]);
    fx.unpack(&bytes).unwrap();
    assert_eq!(fs::read(fx.dest.join("a")).unwrap(), b"original");
    assert_eq!(fs::read(fx.dest.join("h")).unwrap(), b"replaced");
}

#[test]
fn a_later_regular_file_replaces_an_earlier_one_only() {
    let fx = Fixture::new();
    fx.unpack(&tar_gz(&[file("a", b"one"), file("a", b"two")]))
        .unwrap();
    assert_eq!(fs::read(fx.dest.join("a")).unwrap(), b"two");
    let fx = Fixture::new();
    fx.assert_refused(
        fx.unpack(&tar_gz(&[dir("a/"), file("a", b"x")])),
        Code::PathInvalid,
    );
    let fx = Fixture::new();
    fx.assert_refused(
        fx.unpack(&tar_gz(&[file("a", b"x"), file("a/b", b"x")])),
        Code::PathInvalid,
    );
}

#[test]
fn symlink_chains_and_empty_targets_are_refused() {
    // t looks inside lexically (a/b/c/x) but the kernel would resolve s first: s -> root,
    // then `..` leaves the bundle. Chains are refused whatever order the entries come in.
    let fx = Fixture::new();
    let bytes = tar_gz(&[symlink("a/b/c/t", "s/../x"), symlink("a/b/c/s", "../../..")]);
    let err = fx.assert_refused(fx.unpack(&bytes), Code::LinkInvalid);
    assert!(
        err.message.contains("chains of symlinks"),
        "{}",
        err.message
    );
    let fx = Fixture::new();
    fx.assert_refused(fx.unpack(&tar_gz(&[symlink("e", "")])), Code::LinkInvalid);
}

#[test]
fn devices_and_fifos_are_refused() {
    for kind in [EntryType::Fifo, EntryType::Char, EntryType::Block] {
        let fx = Fixture::new();
        let err = fx.assert_refused(
            fx.unpack(&tar_gz(&[file("ok", b"1"), special("dev", kind)])),
            Code::EntryForbidden,
        );
        assert!(err.message.contains("\"dev\""), "{}", err.message);
    }
}

#[test]
fn setuid_setgid_sticky_and_group_write_are_stripped() {
    let fx = Fixture::new();
    let report = fx
        .unpack(&tar_gz(&[
            file_mode("suid", b"x", 0o4755),
            file_mode("sgid", b"x", 0o2775),
            Member {
                mode: 0o1777,
                ..dir("tmp/")
            },
            file_mode("plain", b"x", 0o600),
        ]))
        .unwrap();
    assert_eq!(report.stripped_mode_bits, 3);
    assert_eq!(mode_of(&fx.dest.join("suid")), 0o755);
    assert_eq!(mode_of(&fx.dest.join("sgid")), 0o755);
    assert_eq!(mode_of(&fx.dest.join("tmp")), 0o755);
    assert_eq!(mode_of(&fx.dest.join("plain")), 0o600);
}

#[test]
fn a_gzip_bomb_is_stopped_by_the_ratio_limit() {
    let fx = Fixture::new();
    let bomb = tar_gz(&[file("zeros", &vec![0u8; 4 << 20])]);
    assert!(bomb.len() < 40_000, "test setup: {} bytes", bomb.len());
    let err = fx.assert_refused(fx.unpack(&bomb), Code::TooLarge);
    assert!(err.message.contains("times"), "{}", err.message);
}

#[test]
fn total_size_and_entry_count_are_capped() {
    let fx = Fixture::new();
    let limits = UnpackLimits {
        max_total_bytes: 1000,
        ..UnpackLimits::default()
    };
    fx.assert_refused(
        fx.unpack_with(
            &tar_bytes(&[file("a", &[1; 600]), file("b", &[1; 600])]),
            &limits,
        ),
        Code::TooLarge,
    );
    let fx = Fixture::new();
    let many: Vec<Member> = (0..20).map(|i| file(&format!("f{i}"), b"x")).collect();
    let limits = UnpackLimits {
        max_entries: 10,
        ..UnpackLimits::default()
    };
    let err = fx.assert_refused(fx.unpack_with(&tar_gz(&many), &limits), Code::TooLarge);
    assert!(err.message.contains("entries"));
}

#[test]
fn truncated_gzip_and_bad_checksums_are_corrupt() {
    let fx = Fixture::new();
    let full = tar_gz(&[file(
        "a",
        &(0..200_000u32)
            .flat_map(|i| i.to_le_bytes())
            .collect::<Vec<_>>(),
    )]);
    fx.assert_refused(fx.unpack(&full[..full.len() / 2]), Code::Corrupt);

    let fx = Fixture::new();
    let mut tar = tar_bytes(&[file("a", b"x"), file("b", b"y")]);
    tar[1024] ^= 0x01; // first byte of the second header's name
    fx.assert_refused(fx.unpack(&tar), Code::Corrupt);
}

#[test]
fn pax_size_disagreeing_with_the_header_is_refused_without_hidden_entries() {
    // The data of `cover` holds a whole tar header for `hidden`; a reader trusting the PAX size
    // of 0 would see `hidden` as a member of its own (CVE-2025-62518 / RUSTSEC-2026-0068).
    let inner = tar_bytes(&[file("hidden", b"smuggled")]);
    let pax = extension(EntryType::XHeader, &pax_record("size", b"0"));
    let fx = Fixture::new();
    let err = fx.assert_refused(
        fx.unpack(&tar_gz(&[pax, file("cover", &inner[..1024])])),
        Code::Corrupt,
    );
    assert!(err.message.contains("PAX size"), "{}", err.message);
    // An agreeing PAX size is fine.
    let fx = Fixture::new();
    let pax = extension(EntryType::XHeader, &pax_record("size", b"3"));
    fx.unpack(&tar_gz(&[pax, file("ok", b"abc")])).unwrap();
}

#[test]
fn oversized_extension_headers_are_refused_before_buffering() {
    let fx = Fixture::new();
    let huge = extension(EntryType::GNULongName, &vec![b'a'; 100_000]);
    fx.assert_refused(fx.unpack(&tar_gz(&[huge, file("x", b"x")])), Code::Corrupt);
}

#[test]
fn unknown_formats_are_refused() {
    let fx = Fixture::new();
    fx.assert_refused(
        fx.unpack(b"just some text, not an archive"),
        Code::UnknownFormat,
    );
}

#[test]
fn an_existing_empty_dest_is_kept_but_emptied_on_failure() {
    let fx = Fixture::new();
    fs::create_dir_all(&fx.dest).unwrap();
    let result = fx.unpack(&tar_gz(&[
        file("a", b"1"),
        dir("b/"),
        file("b/c", b"2"),
        file("../x", b"3"),
    ]));
    assert_eq!(result.unwrap_err().code, Code::PathInvalid);
    assert!(fx.dest.is_dir());
    assert_eq!(fs::read_dir(&fx.dest).unwrap().count(), 0);
    fx.assert_outside_untouched();
}

#[test]
fn a_non_empty_dest_is_refused_and_left_alone() {
    let fx = Fixture::new();
    fs::create_dir_all(&fx.dest).unwrap();
    fs::write(fx.dest.join("previous"), b"keep").unwrap();
    let err = fx.unpack(&tar_gz(&[file("a", b"1")])).unwrap_err();
    assert_eq!(err.code, Code::Io);
    assert!(err.message.contains("not empty"));
    assert_eq!(fs::read(fx.dest.join("previous")).unwrap(), b"keep");
}
