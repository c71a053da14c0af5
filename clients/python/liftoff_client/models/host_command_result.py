from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="HostCommandResult")


@_attrs_define
class HostCommandResult:
    """The agent's answer to a [`HostCommand`].

    Attributes:
        succeeded (bool): True when every hook ran and exited 0 (or there was nothing to stop).
        message (None | str | Unset):
        output_tail (str | Unset): The tail of the hooks' output (at most 64 KiB).
    """

    succeeded: bool
    message: None | str | Unset = UNSET
    output_tail: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        succeeded = self.succeeded

        message: None | str | Unset
        if isinstance(self.message, Unset):
            message = UNSET
        else:
            message = self.message

        output_tail = self.output_tail

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "succeeded": succeeded,
            }
        )
        if message is not UNSET:
            field_dict["message"] = message
        if output_tail is not UNSET:
            field_dict["output_tail"] = output_tail

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        succeeded = d.pop("succeeded")

        def _parse_message(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        message = _parse_message(d.pop("message", UNSET))

        output_tail = d.pop("output_tail", UNSET)

        host_command_result = cls(
            succeeded=succeeded,
            message=message,
            output_tail=output_tail,
        )

        return host_command_result
