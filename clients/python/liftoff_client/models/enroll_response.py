from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="EnrollResponse")


@_attrs_define
class EnrollResponse:
    """
    Attributes:
        credential (str): The host's own credential (a bearer token for the agent API only).
        heartbeat_interval_secs (int):
        host_id (UUID):
    """

    credential: str
    heartbeat_interval_secs: int
    host_id: UUID
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        credential = self.credential

        heartbeat_interval_secs = self.heartbeat_interval_secs

        host_id = str(self.host_id)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "credential": credential,
                "heartbeat_interval_secs": heartbeat_interval_secs,
                "host_id": host_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        credential = d.pop("credential")

        heartbeat_interval_secs = d.pop("heartbeat_interval_secs")

        host_id = UUID(d.pop("host_id"))

        enroll_response = cls(
            credential=credential,
            heartbeat_interval_secs=heartbeat_interval_secs,
            host_id=host_id,
        )

        enroll_response.additional_properties = d
        return enroll_response

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
