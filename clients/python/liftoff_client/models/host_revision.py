from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="HostRevision")


@_attrs_define
class HostRevision:
    """The revision a host runs for one application.

    Attributes:
        application (str):
        deployment_group (str):
        deployment_id (UUID): The deployment that installed it, and the group it deployed.
        installed_at (datetime.datetime): When that deployment finished successfully on this host.
        revision_id (UUID):
    """

    application: str
    deployment_group: str
    deployment_id: UUID
    installed_at: datetime.datetime
    revision_id: UUID
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        application = self.application

        deployment_group = self.deployment_group

        deployment_id = str(self.deployment_id)

        installed_at = self.installed_at.isoformat()

        revision_id = str(self.revision_id)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "application": application,
                "deployment_group": deployment_group,
                "deployment_id": deployment_id,
                "installed_at": installed_at,
                "revision_id": revision_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        application = d.pop("application")

        deployment_group = d.pop("deployment_group")

        deployment_id = UUID(d.pop("deployment_id"))

        installed_at = datetime.datetime.fromisoformat(d.pop("installed_at"))

        revision_id = UUID(d.pop("revision_id"))

        host_revision = cls(
            application=application,
            deployment_group=deployment_group,
            deployment_id=deployment_id,
            installed_at=installed_at,
            revision_id=revision_id,
        )

        host_revision.additional_properties = d
        return host_revision

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
