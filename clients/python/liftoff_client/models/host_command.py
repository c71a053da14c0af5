from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.host_command_kind import HostCommandKind

T = TypeVar("T", bound="HostCommand")


@_attrs_define
class HostCommand:
    """
    Attributes:
        command_id (UUID):
        issued_at (datetime.datetime):
        kind (HostCommandKind): What the registry asks an agent to do, delivered with heartbeat answers.
    """

    command_id: UUID
    issued_at: datetime.datetime
    kind: HostCommandKind
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        command_id = str(self.command_id)

        issued_at = self.issued_at.isoformat()

        kind = self.kind.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "command_id": command_id,
                "issued_at": issued_at,
                "kind": kind,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        command_id = UUID(d.pop("command_id"))

        issued_at = datetime.datetime.fromisoformat(d.pop("issued_at"))

        kind = HostCommandKind(d.pop("kind"))

        host_command = cls(
            command_id=command_id,
            issued_at=issued_at,
            kind=kind,
        )

        host_command.additional_properties = d
        return host_command

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
