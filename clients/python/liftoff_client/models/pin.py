from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="Pin")


@_attrs_define
class Pin:
    """Keeps a revision's record (its events, spans and logs) past the retention period.

    Attributes:
        pinned_at (datetime.datetime):
        pinned_by (str):
        revision_id (UUID):
        note (None | str | Unset):
    """

    pinned_at: datetime.datetime
    pinned_by: str
    revision_id: UUID
    note: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        pinned_at = self.pinned_at.isoformat()

        pinned_by = self.pinned_by

        revision_id = str(self.revision_id)

        note: None | str | Unset
        if isinstance(self.note, Unset):
            note = UNSET
        else:
            note = self.note

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "pinned_at": pinned_at,
                "pinned_by": pinned_by,
                "revision_id": revision_id,
            }
        )
        if note is not UNSET:
            field_dict["note"] = note

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        pinned_at = datetime.datetime.fromisoformat(d.pop("pinned_at"))

        pinned_by = d.pop("pinned_by")

        revision_id = UUID(d.pop("revision_id"))

        def _parse_note(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        note = _parse_note(d.pop("note", UNSET))

        pin = cls(
            pinned_at=pinned_at,
            pinned_by=pinned_by,
            revision_id=revision_id,
            note=note,
        )

        pin.additional_properties = d
        return pin

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
