//! Builders for hand-made (often malicious) archives and a fixture that proves nothing outside
//! the destination changed.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::io::{Cursor, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use liftoff_bundle::{BundleError, BundleErrorCode, UnpackLimits, UnpackReport};

/// One tar member, written with raw headers so that nothing sanitizes the name on the way in.
pub struct Member {
    pub name: Vec<u8>,
    pub kind: tar::EntryType,
    pub data: Vec<u8>,
    pub link: Vec<u8>,
    pub mode: u32,
}

pub fn file(name: &str, data: &[u8]) -> Member {
    Member {
        name: name.as_bytes().to_vec(),
        kind: tar::EntryType::Regular,
        data: data.to_vec(),
        link: Vec::new(),
        mode: 0o644,
    }
}

pub fn file_mode(name: &str, data: &[u8], mode: u32) -> Member {
    Member {
        mode,
        ..file(name, data)
    }
}

pub fn dir(name: &str) -> Member {
    Member {
        kind: tar::EntryType::Directory,
        mode: 0o755,
        ..file(name, b"")
    }
}

pub fn symlink(name: &str, target: &str) -> Member {
    Member {
        kind: tar::EntryType::Symlink,
        link: target.as_bytes().to_vec(),
        mode: 0o777,
        ..file(name, b"")
    }
}

pub fn hardlink(name: &str, target: &str) -> Member {
    Member {
        kind: tar::EntryType::Link,
        link: target.as_bytes().to_vec(),
        ..file(name, b"")
    }
}

pub fn special(name: &str, kind: tar::EntryType) -> Member {
    Member {
        kind,
        ..file(name, b"")
    }
}

/// A raw extension member (PAX `x`, GNU `L`) carrying `data`.
pub fn extension(kind: tar::EntryType, data: &[u8]) -> Member {
    Member {
        name: b"././@LongLink".to_vec(),
        kind,
        data: data.to_vec(),
        link: Vec::new(),
        mode: 0o644,
    }
}

/// One PAX record: `"<len> key=value\n"` where len counts the whole record.
pub fn pax_record(key: &str, value: &[u8]) -> Vec<u8> {
    let body_len = key.len() + value.len() + 3; // ' ', '=', '\n'
    let mut len = body_len + 1;
    while len != body_len + len.to_string().len() {
        len = body_len + len.to_string().len();
    }
    let mut out = format!("{len} {key}=").into_bytes();
    out.extend_from_slice(value);
    out.push(b'\n');
    out
}

pub fn tar_bytes(members: &[Member]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for m in members {
        let mut header = tar::Header::new_ustar();
        let name = &m.name[..m.name.len().min(100)];
        header.as_old_mut().name[..name.len()].copy_from_slice(name);
        let link = &m.link[..m.link.len().min(100)];
        header.as_old_mut().linkname[..link.len()].copy_from_slice(link);
        header.set_entry_type(m.kind);
        header.set_size(m.data.len() as u64);
        header.set_mode(m.mode);
        header.set_mtime(1_600_000_000);
        header.set_uid(0);
        header.set_gid(0);
        header.set_cksum();
        builder.append(&header, m.data.as_slice()).unwrap();
    }
    builder.into_inner().unwrap()
}

pub fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

pub fn tar_gz(members: &[Member]) -> Vec<u8> {
    gz(&tar_bytes(members))
}

/// A zip built with the zip crate; `attrs` overrides the external attributes (file type bits
/// in the high 16 bits) of the named members.
pub enum ZipMember<'a> {
    File(&'a str, &'a [u8], u32),
    Dir(&'a str),
    Symlink(&'a str, &'a str),
    Raw(&'a str, &'a [u8], u32),
}

pub fn zip_bytes(members: &[ZipMember<'_>]) -> Vec<u8> {
    use zip::write::SimpleFileOptions;
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let base = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for m in members {
        match m {
            ZipMember::File(name, data, mode) => {
                zip.start_file(*name, base.unix_permissions(*mode)).unwrap();
                zip.write_all(data).unwrap();
            }
            ZipMember::Dir(name) => zip.add_directory(*name, base).unwrap(),
            ZipMember::Symlink(name, target) => zip.add_symlink(*name, *target, base).unwrap(),
            ZipMember::Raw(name, data, full_mode) => {
                zip.start_file(*name, base.external_attributes(full_mode << 16))
                    .unwrap();
                zip.write_all(data).unwrap();
            }
        }
    }
    zip.finish().unwrap().into_inner()
}

/// Renames every occurrence of `from` in a zip's headers to `to` (same length): the zip writer
/// refuses duplicate names, attackers do not.
pub fn rename_in_zip(mut bytes: Vec<u8>, from: &str, to: &str) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let (from, to) = (from.as_bytes(), to.as_bytes());
    let mut i = 0;
    while i + from.len() <= bytes.len() {
        if &bytes[i..i + from.len()] == from {
            bytes[i..i + from.len()].copy_from_slice(to);
        }
        i += 1;
    }
    bytes
}

/// A temp dir with `outside/canary` (the file attacks aim at) and a `dest` path that does not
/// exist yet.
pub struct Fixture {
    pub root: tempfile::TempDir,
    pub outside: PathBuf,
    pub canary: PathBuf,
    pub dest: PathBuf,
    canary_state: (Vec<u8>, u32, i64),
}

impl Fixture {
    pub fn new() -> Fixture {
        let root = tempfile::tempdir().unwrap();
        let outside = root.path().join("outside");
        fs::create_dir(&outside).unwrap();
        let canary = outside.join("canary");
        fs::write(&canary, b"canary bytes\n").unwrap();
        fs::set_permissions(&canary, fs::Permissions::from_mode(0o640)).unwrap();
        let state = canary_state(&canary);
        Fixture {
            dest: root.path().join("releases").join("d-1"),
            outside,
            canary,
            canary_state: state,
            root,
        }
    }

    pub fn archive_path(&self) -> PathBuf {
        self.root.path().join("bundle.bin")
    }

    pub fn unpack_with(
        &self,
        bytes: &[u8],
        limits: &UnpackLimits,
    ) -> Result<UnpackReport, BundleError> {
        let archive = self.archive_path();
        fs::write(&archive, bytes).unwrap();
        let digest = liftoff_bundle::sha256_bytes(bytes);
        liftoff_bundle::unpack(&archive, &digest, &self.dest, limits)
    }

    pub fn unpack(&self, bytes: &[u8]) -> Result<UnpackReport, BundleError> {
        self.unpack_with(bytes, &UnpackLimits::default())
    }

    /// The unpack was refused with `code`, `dest` is gone, and nothing outside it changed.
    pub fn assert_refused(
        &self,
        result: Result<UnpackReport, BundleError>,
        code: BundleErrorCode,
    ) -> BundleError {
        let err = match result {
            Ok(report) => panic!("expected {code}, but the bundle unpacked: {report:?}"),
            Err(err) => err,
        };
        assert_eq!(err.code, code, "wrong code; message: {}", err.message);
        assert!(
            !self.dest.exists(),
            "{} was not cleaned up",
            self.dest.display()
        );
        self.assert_outside_untouched();
        err
    }

    pub fn assert_outside_untouched(&self) {
        assert_eq!(
            canary_state(&self.canary),
            self.canary_state,
            "the canary changed"
        );
        let mut names: Vec<String> = fs::read_dir(&self.outside)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["canary"], "something was created beside the canary");
        let mut top: Vec<String> = fs::read_dir(self.root.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n != "bundle.bin")
            .collect();
        top.sort();
        assert!(
            top == ["outside", "releases"] || top == ["outside"],
            "unexpected entries next to the destination: {top:?}"
        );
        if let Ok(entries) = fs::read_dir(self.root.path().join("releases")) {
            let left: Vec<_> = entries.map(|e| e.unwrap().file_name()).collect();
            assert!(
                left.is_empty() || self.dest.exists(),
                "left behind in releases/: {left:?}"
            );
        }
    }
}

fn canary_state(path: &Path) -> (Vec<u8>, u32, i64) {
    let meta = fs::metadata(path).unwrap();
    (fs::read(path).unwrap(), meta.mode(), meta.mtime())
}

pub fn mode_of(path: &Path) -> u32 {
    fs::symlink_metadata(path).unwrap().permissions().mode() & 0o7777
}
