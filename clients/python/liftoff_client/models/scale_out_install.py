from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.install_mode import InstallMode

T = TypeVar("T", bound="ScaleOutInstall")


@_attrs_define
class ScaleOutInstall:
    """One group the host entered that has something to install.

    Attributes:
        application (str):
        deployment_group (str):
        deployment_group_id (UUID):
        deployment_id (UUID):
        mode (InstallMode): How a host that entered a deployment group gets the group's revision.
        revision_id (UUID):
    """

    application: str
    deployment_group: str
    deployment_group_id: UUID
    deployment_id: UUID
    mode: InstallMode
    revision_id: UUID
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        application = self.application

        deployment_group = self.deployment_group

        deployment_group_id = str(self.deployment_group_id)

        deployment_id = str(self.deployment_id)

        mode = self.mode.value

        revision_id = str(self.revision_id)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "application": application,
                "deployment_group": deployment_group,
                "deployment_group_id": deployment_group_id,
                "deployment_id": deployment_id,
                "mode": mode,
                "revision_id": revision_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        application = d.pop("application")

        deployment_group = d.pop("deployment_group")

        deployment_group_id = UUID(d.pop("deployment_group_id"))

        deployment_id = UUID(d.pop("deployment_id"))

        mode = InstallMode(d.pop("mode"))

        revision_id = UUID(d.pop("revision_id"))

        scale_out_install = cls(
            application=application,
            deployment_group=deployment_group,
            deployment_group_id=deployment_group_id,
            deployment_id=deployment_id,
            mode=mode,
            revision_id=revision_id,
        )

        scale_out_install.additional_properties = d
        return scale_out_install

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
