from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="Freeze")


@_attrs_define
class Freeze:
    """A deployment freeze.

    Attributes:
        created_at (datetime.datetime):
        created_by (str):
        id (UUID):
        reason (str):
        until (datetime.datetime):
        application (None | str | Unset):
        lifted_at (datetime.datetime | None | Unset):
        lifted_by (None | str | Unset):
    """

    created_at: datetime.datetime
    created_by: str
    id: UUID
    reason: str
    until: datetime.datetime
    application: None | str | Unset = UNSET
    lifted_at: datetime.datetime | None | Unset = UNSET
    lifted_by: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at.isoformat()

        created_by = self.created_by

        id = str(self.id)

        reason = self.reason

        until = self.until.isoformat()

        application: None | str | Unset
        if isinstance(self.application, Unset):
            application = UNSET
        else:
            application = self.application

        lifted_at: None | str | Unset
        if isinstance(self.lifted_at, Unset):
            lifted_at = UNSET
        elif isinstance(self.lifted_at, datetime.datetime):
            lifted_at = self.lifted_at.isoformat()
        else:
            lifted_at = self.lifted_at

        lifted_by: None | str | Unset
        if isinstance(self.lifted_by, Unset):
            lifted_by = UNSET
        else:
            lifted_by = self.lifted_by

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created_at": created_at,
                "created_by": created_by,
                "id": id,
                "reason": reason,
                "until": until,
            }
        )
        if application is not UNSET:
            field_dict["application"] = application
        if lifted_at is not UNSET:
            field_dict["lifted_at"] = lifted_at
        if lifted_by is not UNSET:
            field_dict["lifted_by"] = lifted_by

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        created_by = d.pop("created_by")

        id = UUID(d.pop("id"))

        reason = d.pop("reason")

        until = datetime.datetime.fromisoformat(d.pop("until"))

        def _parse_application(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        application = _parse_application(d.pop("application", UNSET))

        def _parse_lifted_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                lifted_at_type_0 = datetime.datetime.fromisoformat(data)

                return lifted_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        lifted_at = _parse_lifted_at(d.pop("lifted_at", UNSET))

        def _parse_lifted_by(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        lifted_by = _parse_lifted_by(d.pop("lifted_by", UNSET))

        freeze = cls(
            created_at=created_at,
            created_by=created_by,
            id=id,
            reason=reason,
            until=until,
            application=application,
            lifted_at=lifted_at,
            lifted_by=lifted_by,
        )

        freeze.additional_properties = d
        return freeze

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
