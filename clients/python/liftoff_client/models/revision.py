from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="Revision")


@_attrs_define
class Revision:
    """
    Attributes:
        application (str):
        created (bool): False when the same bytes had been pushed before (same revision returned).
        created_at (datetime.datetime):
        created_by (str):
        format_ (str):
        hook_events (list[str]): Lifecycle events the appspec has scripts for, in lifecycle order.
        revision_id (UUID):
        sha256 (str):
        size_bytes (int):
        description (None | str | Unset):
        first_deployed_at (datetime.datetime | None | Unset): When a deployment of this revision first started (any
            group, any outcome).
        last_deployed_at (datetime.datetime | None | Unset): When a deployment of this revision last started.
        source_url (None | str | Unset): Where the bundle was fetched from, for revisions registered by URL (scheme,
            host and
            path; the query, which often carries a signature, is not kept).
        version_label (None | str | Unset):
        warnings (list[str] | Unset): What the appspec check found that CodeDeploy tolerates and a team should fix
            (unknown
            keys, patterns that can never match, overlapping permissions, quirks of YAML ...), in the
            answer to a push; empty when reading revisions later.
    """

    application: str
    created: bool
    created_at: datetime.datetime
    created_by: str
    format_: str
    hook_events: list[str]
    revision_id: UUID
    sha256: str
    size_bytes: int
    description: None | str | Unset = UNSET
    first_deployed_at: datetime.datetime | None | Unset = UNSET
    last_deployed_at: datetime.datetime | None | Unset = UNSET
    source_url: None | str | Unset = UNSET
    version_label: None | str | Unset = UNSET
    warnings: list[str] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        application = self.application

        created = self.created

        created_at = self.created_at.isoformat()

        created_by = self.created_by

        format_ = self.format_

        hook_events = self.hook_events

        revision_id = str(self.revision_id)

        sha256 = self.sha256

        size_bytes = self.size_bytes

        description: None | str | Unset
        if isinstance(self.description, Unset):
            description = UNSET
        else:
            description = self.description

        first_deployed_at: None | str | Unset
        if isinstance(self.first_deployed_at, Unset):
            first_deployed_at = UNSET
        elif isinstance(self.first_deployed_at, datetime.datetime):
            first_deployed_at = self.first_deployed_at.isoformat()
        else:
            first_deployed_at = self.first_deployed_at

        last_deployed_at: None | str | Unset
        if isinstance(self.last_deployed_at, Unset):
            last_deployed_at = UNSET
        elif isinstance(self.last_deployed_at, datetime.datetime):
            last_deployed_at = self.last_deployed_at.isoformat()
        else:
            last_deployed_at = self.last_deployed_at

        source_url: None | str | Unset
        if isinstance(self.source_url, Unset):
            source_url = UNSET
        else:
            source_url = self.source_url

        version_label: None | str | Unset
        if isinstance(self.version_label, Unset):
            version_label = UNSET
        else:
            version_label = self.version_label

        warnings: list[str] | Unset = UNSET
        if not isinstance(self.warnings, Unset):
            warnings = self.warnings

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "application": application,
                "created": created,
                "created_at": created_at,
                "created_by": created_by,
                "format": format_,
                "hook_events": hook_events,
                "revision_id": revision_id,
                "sha256": sha256,
                "size_bytes": size_bytes,
            }
        )
        if description is not UNSET:
            field_dict["description"] = description
        if first_deployed_at is not UNSET:
            field_dict["first_deployed_at"] = first_deployed_at
        if last_deployed_at is not UNSET:
            field_dict["last_deployed_at"] = last_deployed_at
        if source_url is not UNSET:
            field_dict["source_url"] = source_url
        if version_label is not UNSET:
            field_dict["version_label"] = version_label
        if warnings is not UNSET:
            field_dict["warnings"] = warnings

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        application = d.pop("application")

        created = d.pop("created")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        created_by = d.pop("created_by")

        format_ = d.pop("format")

        hook_events = cast(list[str], d.pop("hook_events"))

        revision_id = UUID(d.pop("revision_id"))

        sha256 = d.pop("sha256")

        size_bytes = d.pop("size_bytes")

        def _parse_description(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        description = _parse_description(d.pop("description", UNSET))

        def _parse_first_deployed_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                first_deployed_at_type_0 = datetime.datetime.fromisoformat(data)

                return first_deployed_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        first_deployed_at = _parse_first_deployed_at(d.pop("first_deployed_at", UNSET))

        def _parse_last_deployed_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_deployed_at_type_0 = datetime.datetime.fromisoformat(data)

                return last_deployed_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        last_deployed_at = _parse_last_deployed_at(d.pop("last_deployed_at", UNSET))

        def _parse_source_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        source_url = _parse_source_url(d.pop("source_url", UNSET))

        def _parse_version_label(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        version_label = _parse_version_label(d.pop("version_label", UNSET))

        warnings = cast(list[str], d.pop("warnings", UNSET))

        revision = cls(
            application=application,
            created=created,
            created_at=created_at,
            created_by=created_by,
            format_=format_,
            hook_events=hook_events,
            revision_id=revision_id,
            sha256=sha256,
            size_bytes=size_bytes,
            description=description,
            first_deployed_at=first_deployed_at,
            last_deployed_at=last_deployed_at,
            source_url=source_url,
            version_label=version_label,
            warnings=warnings,
        )

        revision.additional_properties = d
        return revision

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
