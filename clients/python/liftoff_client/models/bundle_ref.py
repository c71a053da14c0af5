from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="BundleRef")


@_attrs_define
class BundleRef:
    """A bundle stored content-addressed by its SHA-256, as the agent must fetch it.

    Attributes:
        download_path (str): Path (relative to the control-plane URL) the agent downloads the bundle from.
        format_ (str): `tar.gz`, `tar` or `zip`.
        sha256 (str): Lowercase hex SHA-256 of the archive bytes.
        size_bytes (int):
    """

    download_path: str
    format_: str
    sha256: str
    size_bytes: int

    def to_dict(self) -> dict[str, Any]:
        download_path = self.download_path

        format_ = self.format_

        sha256 = self.sha256

        size_bytes = self.size_bytes

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "download_path": download_path,
                "format": format_,
                "sha256": sha256,
                "size_bytes": size_bytes,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        download_path = d.pop("download_path")

        format_ = d.pop("format")

        sha256 = d.pop("sha256")

        size_bytes = d.pop("size_bytes")

        bundle_ref = cls(
            download_path=download_path,
            format_=format_,
            sha256=sha256,
            size_bytes=size_bytes,
        )

        return bundle_ref
