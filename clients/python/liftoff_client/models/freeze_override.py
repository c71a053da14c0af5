from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="FreezeOverride")


@_attrs_define
class FreezeOverride:
    """An admin lets a running deployment go on despite the freezes in force now
    (`POST /v1/deployments/{id}/freeze-override`): its rollout no longer pauses for them.

        Attributes:
            reason (str): Why (printable, at most 1 KiB), recorded in the audit log (`freeze.overridden`).
    """

    reason: str

    def to_dict(self) -> dict[str, Any]:
        reason = self.reason

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "reason": reason,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        reason = d.pop("reason")

        freeze_override = cls(
            reason=reason,
        )

        return freeze_override
