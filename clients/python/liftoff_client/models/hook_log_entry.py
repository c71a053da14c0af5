from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="HookLogEntry")


@_attrs_define
class HookLogEntry:
    """One lifecycle event's output in a [`HookLogBatch`].

    Attributes:
        event (str): Lifecycle event, e.g. `AfterInstall`.
        original_bytes (int):
        output (str):
        truncated (bool | Unset):
    """

    event: str
    original_bytes: int
    output: str
    truncated: bool | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        event = self.event

        original_bytes = self.original_bytes

        output = self.output

        truncated = self.truncated

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "event": event,
                "original_bytes": original_bytes,
                "output": output,
            }
        )
        if truncated is not UNSET:
            field_dict["truncated"] = truncated

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        event = d.pop("event")

        original_bytes = d.pop("original_bytes")

        output = d.pop("output")

        truncated = d.pop("truncated", UNSET)

        hook_log_entry = cls(
            event=event,
            original_bytes=original_bytes,
            output=output,
            truncated=truncated,
        )

        return hook_log_entry
