from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="HostRunningRevision")


@_attrs_define
class HostRunningRevision:
    """Which revision of an application a host runs, and since when. (Named apart from the
    registry's `HostRevision`, which says what installed it: one client namespace holds both.)

        Attributes:
            application (str):
            deployment_id (UUID):
            host_id (UUID):
            revision_id (UUID):
            since (datetime.datetime):
            deployment_group (None | str | Unset):
    """

    application: str
    deployment_id: UUID
    host_id: UUID
    revision_id: UUID
    since: datetime.datetime
    deployment_group: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        application = self.application

        deployment_id = str(self.deployment_id)

        host_id = str(self.host_id)

        revision_id = str(self.revision_id)

        since = self.since.isoformat()

        deployment_group: None | str | Unset
        if isinstance(self.deployment_group, Unset):
            deployment_group = UNSET
        else:
            deployment_group = self.deployment_group

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "application": application,
                "deployment_id": deployment_id,
                "host_id": host_id,
                "revision_id": revision_id,
                "since": since,
            }
        )
        if deployment_group is not UNSET:
            field_dict["deployment_group"] = deployment_group

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        application = d.pop("application")

        deployment_id = UUID(d.pop("deployment_id"))

        host_id = UUID(d.pop("host_id"))

        revision_id = UUID(d.pop("revision_id"))

        since = datetime.datetime.fromisoformat(d.pop("since"))

        def _parse_deployment_group(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        deployment_group = _parse_deployment_group(d.pop("deployment_group", UNSET))

        host_running_revision = cls(
            application=application,
            deployment_id=deployment_id,
            host_id=host_id,
            revision_id=revision_id,
            since=since,
            deployment_group=deployment_group,
        )

        host_running_revision.additional_properties = d
        return host_running_revision

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
