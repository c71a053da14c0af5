from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.command_status import CommandStatus

T = TypeVar("T", bound="AckResponse")


@_attrs_define
class AckResponse:
    """The answer to an acknowledgement: run it only when `proceed` is true.

    Attributes:
        proceed (bool):
        status (CommandStatus):
    """

    proceed: bool
    status: CommandStatus
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        proceed = self.proceed

        status = self.status.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "proceed": proceed,
                "status": status,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        proceed = d.pop("proceed")

        status = CommandStatus(d.pop("status"))

        ack_response = cls(
            proceed=proceed,
            status=status,
        )

        ack_response.additional_properties = d
        return ack_response

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
