from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="StageApproval")


@_attrs_define
class StageApproval:
    """A stage's two-person rule: a promotion into it is a request until someone other than the
    requester (deployer or admin) approves it, within `expires_after_secs`.

        Attributes:
            expires_after_secs (int): How long a request may wait for its approval (60 s to 30 days).
    """

    expires_after_secs: int

    def to_dict(self) -> dict[str, Any]:
        expires_after_secs = self.expires_after_secs

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "expires_after_secs": expires_after_secs,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        expires_after_secs = d.pop("expires_after_secs")

        stage_approval = cls(
            expires_after_secs=expires_after_secs,
        )

        return stage_approval
