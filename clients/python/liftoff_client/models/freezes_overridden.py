from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="FreezesOverridden")


@_attrs_define
class FreezesOverridden:
    """Freezes a running deployment goes on despite (an admin's override after hand-off).

    Attributes:
        deployment_id (UUID):
        freeze_ids (list[UUID]):
    """

    deployment_id: UUID
    freeze_ids: list[UUID]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        deployment_id = str(self.deployment_id)

        freeze_ids = []
        for freeze_ids_item_data in self.freeze_ids:
            freeze_ids_item = str(freeze_ids_item_data)
            freeze_ids.append(freeze_ids_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "deployment_id": deployment_id,
                "freeze_ids": freeze_ids,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        deployment_id = UUID(d.pop("deployment_id"))

        freeze_ids = []
        _freeze_ids = d.pop("freeze_ids")
        for freeze_ids_item_data in _freeze_ids:
            freeze_ids_item = UUID(freeze_ids_item_data)

            freeze_ids.append(freeze_ids_item)

        freezes_overridden = cls(
            deployment_id=deployment_id,
            freeze_ids=freeze_ids,
        )

        freezes_overridden.additional_properties = d
        return freezes_overridden

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
