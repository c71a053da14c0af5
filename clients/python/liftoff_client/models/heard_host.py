from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define

T = TypeVar("T", bound="HeardHost")


@_attrs_define
class HeardHost:
    """
    Attributes:
        age_ms (int): How long before sending the feed the host's poll arrived.
        host_id (UUID):
    """

    age_ms: int
    host_id: UUID

    def to_dict(self) -> dict[str, Any]:
        age_ms = self.age_ms

        host_id = str(self.host_id)

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "age_ms": age_ms,
                "host_id": host_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        age_ms = d.pop("age_ms")

        host_id = UUID(d.pop("host_id"))

        heard_host = cls(
            age_ms=age_ms,
            host_id=host_id,
        )

        return heard_host
