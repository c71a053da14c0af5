from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="GroupDeploymentAt")


@_attrs_define
class GroupDeploymentAt:
    """One deployment of a group, as history knows it.

    Attributes:
        deployment_id (UUID):
        revision_id (UUID):
        started_at (datetime.datetime):
        status (str): Its status at the time asked about: `InProgress`, `Succeeded`, `Failed` or `Stopped`.
    """

    deployment_id: UUID
    revision_id: UUID
    started_at: datetime.datetime
    status: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        deployment_id = str(self.deployment_id)

        revision_id = str(self.revision_id)

        started_at = self.started_at.isoformat()

        status = self.status

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "deployment_id": deployment_id,
                "revision_id": revision_id,
                "started_at": started_at,
                "status": status,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        deployment_id = UUID(d.pop("deployment_id"))

        revision_id = UUID(d.pop("revision_id"))

        started_at = datetime.datetime.fromisoformat(d.pop("started_at"))

        status = d.pop("status")

        group_deployment_at = cls(
            deployment_id=deployment_id,
            revision_id=revision_id,
            started_at=started_at,
            status=status,
        )

        group_deployment_at.additional_properties = d
        return group_deployment_at

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
