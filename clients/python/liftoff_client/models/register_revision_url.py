from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="RegisterRevisionUrl")


@_attrs_define
class RegisterRevisionUrl:
    """A revision registered by URL: the server fetches the bundle (HTTP or HTTPS only, never
    from loopback, link-local, private or metadata addresses unless an operator allows them)
    and checks it exactly like an upload.

        Attributes:
            sha256 (str): Lowercase hex SHA-256 the fetched bytes must have.
            url (str):
            description (None | str | Unset):
            version_label (None | str | Unset):
    """

    sha256: str
    url: str
    description: None | str | Unset = UNSET
    version_label: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        sha256 = self.sha256

        url = self.url

        description: None | str | Unset
        if isinstance(self.description, Unset):
            description = UNSET
        else:
            description = self.description

        version_label: None | str | Unset
        if isinstance(self.version_label, Unset):
            version_label = UNSET
        else:
            version_label = self.version_label

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "sha256": sha256,
                "url": url,
            }
        )
        if description is not UNSET:
            field_dict["description"] = description
        if version_label is not UNSET:
            field_dict["version_label"] = version_label

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        sha256 = d.pop("sha256")

        url = d.pop("url")

        def _parse_description(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        description = _parse_description(d.pop("description", UNSET))

        def _parse_version_label(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        version_label = _parse_version_label(d.pop("version_label", UNSET))

        register_revision_url = cls(
            sha256=sha256,
            url=url,
            description=description,
            version_label=version_label,
        )

        return register_revision_url
