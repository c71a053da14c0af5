from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ApplicationDeleted")


@_attrs_define
class ApplicationDeleted:
    """What deleting an application removed.

    Attributes:
        bundles_freed (int): Bundles no other application used, whose bytes were freed.
        deployment_groups (int):
        deployments (int):
        name (str):
        revisions (int):
    """

    bundles_freed: int
    deployment_groups: int
    deployments: int
    name: str
    revisions: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        bundles_freed = self.bundles_freed

        deployment_groups = self.deployment_groups

        deployments = self.deployments

        name = self.name

        revisions = self.revisions

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "bundles_freed": bundles_freed,
                "deployment_groups": deployment_groups,
                "deployments": deployments,
                "name": name,
                "revisions": revisions,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        bundles_freed = d.pop("bundles_freed")

        deployment_groups = d.pop("deployment_groups")

        deployments = d.pop("deployments")

        name = d.pop("name")

        revisions = d.pop("revisions")

        application_deleted = cls(
            bundles_freed=bundles_freed,
            deployment_groups=deployment_groups,
            deployments=deployments,
            name=name,
            revisions=revisions,
        )

        application_deleted.additional_properties = d
        return application_deleted

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
