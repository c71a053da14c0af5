//! `liftoff revision push DIR`: a directory to a deterministic `.tar.gz` (sorted entries,
//! mtime 0, uid/gid 0, no user names, modes kept), so the same tree always has the same digest.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// Packs the contents of `dir` (not `dir` itself) into `out` as a gzip-compressed tar.
/// Symlinks are stored as symlinks; devices, FIFOs and sockets are refused (the agent would
/// refuse them too), as are names that are not UTF-8.
pub fn pack_dir_tar_gz(dir: &Path, out: &mut dyn Write) -> io::Result<()> {
    if !fs::metadata(dir)?.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} is not a directory", dir.display()),
        ));
    }
    let gz = flate2::GzBuilder::new()
        .mtime(0)
        .write(out, flate2::Compression::default());
    let mut builder = tar::Builder::new(gz);
    builder.follow_symlinks(false);
    append_dir(&mut builder, dir, "")?;
    builder.into_inner()?.finish()?;
    Ok(())
}

fn append_dir<W: Write>(builder: &mut tar::Builder<W>, dir: &Path, prefix: &str) -> io::Result<()> {
    let mut names = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().into_string().map_err(|raw| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{}: file name {raw:?} is not UTF-8", dir.display()),
            )
        })?;
        names.push(name);
    }
    names.sort();
    for name in names {
        let path = dir.join(&name);
        let rel = format!("{prefix}{name}");
        let meta = fs::symlink_metadata(&path)?;
        let kind = meta.file_type();
        let mut header = tar::Header::new_gnu();
        header.set_mtime(0);
        header.set_uid(0);
        header.set_gid(0);
        header.set_mode(meta.permissions().mode() & 0o7777);
        if kind.is_symlink() {
            let target = fs::read_link(&path)?;
            header.set_entry_type(tar::EntryType::Symlink);
            header.set_size(0);
            builder.append_link(&mut header, &rel, &target)?;
        } else if kind.is_dir() {
            header.set_entry_type(tar::EntryType::Directory);
            header.set_size(0);
            builder.append_data(&mut header, format!("{rel}/"), io::empty())?;
            append_dir(builder, &path, &format!("{rel}/"))?;
        } else if kind.is_file() {
            let file = File::open(&path)?;
            let len = file.metadata()?.len();
            header.set_entry_type(tar::EntryType::Regular);
            header.set_size(len);
            builder.append_data(&mut header, &rel, file.take(len))?;
        } else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "{}: devices, FIFOs and sockets cannot be packed into a bundle",
                    path.display()
                ),
            ));
        }
    }
    Ok(())
}
