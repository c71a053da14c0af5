from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.install_mode import InstallMode
from ..models.install_status import InstallStatus
from ..types import UNSET, Unset

T = TypeVar("T", bound="HostInstall")


@_attrs_define
class HostInstall:
    """
    Attributes:
        application (str):
        created_at (datetime.datetime):
        deployment_group (str):
        deployment_id (UUID):
        mode (InstallMode): How a host that entered a deployment group gets the group's revision.
        revision_id (UUID):
        status (InstallStatus):
        updated_at (datetime.datetime):
        error (None | str | Unset):
    """

    application: str
    created_at: datetime.datetime
    deployment_group: str
    deployment_id: UUID
    mode: InstallMode
    revision_id: UUID
    status: InstallStatus
    updated_at: datetime.datetime
    error: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        application = self.application

        created_at = self.created_at.isoformat()

        deployment_group = self.deployment_group

        deployment_id = str(self.deployment_id)

        mode = self.mode.value

        revision_id = str(self.revision_id)

        status = self.status.value

        updated_at = self.updated_at.isoformat()

        error: None | str | Unset
        if isinstance(self.error, Unset):
            error = UNSET
        else:
            error = self.error

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "application": application,
                "created_at": created_at,
                "deployment_group": deployment_group,
                "deployment_id": deployment_id,
                "mode": mode,
                "revision_id": revision_id,
                "status": status,
                "updated_at": updated_at,
            }
        )
        if error is not UNSET:
            field_dict["error"] = error

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        application = d.pop("application")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        deployment_group = d.pop("deployment_group")

        deployment_id = UUID(d.pop("deployment_id"))

        mode = InstallMode(d.pop("mode"))

        revision_id = UUID(d.pop("revision_id"))

        status = InstallStatus(d.pop("status"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        def _parse_error(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        error = _parse_error(d.pop("error", UNSET))

        host_install = cls(
            application=application,
            created_at=created_at,
            deployment_group=deployment_group,
            deployment_id=deployment_id,
            mode=mode,
            revision_id=revision_id,
            status=status,
            updated_at=updated_at,
            error=error,
        )

        host_install.additional_properties = d
        return host_install

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
