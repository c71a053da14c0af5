from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="HookLog")


@_attrs_define
class HookLog:
    """The stored output of one lifecycle event of one command on one host.

    Attributes:
        bytes_ (int): Bytes of `output`.
        command_id (UUID):
        deployment_id (UUID):
        event (str):
        host_id (UUID):
        original_bytes (int): Bytes the hook wrote in all.
        output (str):
        revision_id (UUID):
        truncated (bool):
        uploaded_at (datetime.datetime):
    """

    bytes_: int
    command_id: UUID
    deployment_id: UUID
    event: str
    host_id: UUID
    original_bytes: int
    output: str
    revision_id: UUID
    truncated: bool
    uploaded_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        bytes_ = self.bytes_

        command_id = str(self.command_id)

        deployment_id = str(self.deployment_id)

        event = self.event

        host_id = str(self.host_id)

        original_bytes = self.original_bytes

        output = self.output

        revision_id = str(self.revision_id)

        truncated = self.truncated

        uploaded_at = self.uploaded_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "bytes": bytes_,
                "command_id": command_id,
                "deployment_id": deployment_id,
                "event": event,
                "host_id": host_id,
                "original_bytes": original_bytes,
                "output": output,
                "revision_id": revision_id,
                "truncated": truncated,
                "uploaded_at": uploaded_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        bytes_ = d.pop("bytes")

        command_id = UUID(d.pop("command_id"))

        deployment_id = UUID(d.pop("deployment_id"))

        event = d.pop("event")

        host_id = UUID(d.pop("host_id"))

        original_bytes = d.pop("original_bytes")

        output = d.pop("output")

        revision_id = UUID(d.pop("revision_id"))

        truncated = d.pop("truncated")

        uploaded_at = datetime.datetime.fromisoformat(d.pop("uploaded_at"))

        hook_log = cls(
            bytes_=bytes_,
            command_id=command_id,
            deployment_id=deployment_id,
            event=event,
            host_id=host_id,
            original_bytes=original_bytes,
            output=output,
            revision_id=revision_id,
            truncated=truncated,
            uploaded_at=uploaded_at,
        )

        hook_log.additional_properties = d
        return hook_log

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
