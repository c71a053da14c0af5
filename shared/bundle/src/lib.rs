//! Deployment bundles: the `appspec.yml` format, safe unpacking and packing of `.tar.gz`, `.tar`
//! and `.zip` revisions, and the agent's Install step (copy `files`, apply `permissions`).

pub mod appspec;
pub mod archive;
pub mod install;

pub use appspec::{
    AppSpec, AppSpecError, AppSpecOs, FileExistsBehavior, FileMapping, HookScript, LifecycleEvent,
    Permission, find_appspec,
};
pub use archive::{
    ArchiveFormat, BundleError, BundleErrorCode, UnpackLimits, UnpackReport, load_appspec,
    pack_dir_tar_gz, read_appspec_from_archive, sha256_bytes, sha256_file, unpack,
};
pub use install::{
    InstallError, InstallManifest, InstallPolicy, install_files, install_files_under_policy,
    install_files_with_default,
};
