from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="RotateWebhookSecret")


@_attrs_define
class RotateWebhookSecret:
    """`POST /v1/webhooks/{id}/rotate-secret`.

    Attributes:
        overlap_secs (int | None | Unset): How long deliveries keep carrying a signature with the old secret too
            (default 86400,
            at most 7 days; 0 retires it at once).
    """

    overlap_secs: int | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        overlap_secs: int | None | Unset
        if isinstance(self.overlap_secs, Unset):
            overlap_secs = UNSET
        else:
            overlap_secs = self.overlap_secs

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if overlap_secs is not UNSET:
            field_dict["overlap_secs"] = overlap_secs

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_overlap_secs(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        overlap_secs = _parse_overlap_secs(d.pop("overlap_secs", UNSET))

        rotate_webhook_secret = cls(
            overlap_secs=overlap_secs,
        )

        return rotate_webhook_secret
