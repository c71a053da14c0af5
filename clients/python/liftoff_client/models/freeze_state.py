from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="FreezeState")


@_attrs_define
class FreezeState:
    """A freeze as deployment-api has it, after a change (created, lifted).

    Attributes:
        freeze_id (UUID):
        team (str):
        until (datetime.datetime):
        application (None | str | Unset): Absent: every application of the team.
        lifted_at (datetime.datetime | None | Unset):
    """

    freeze_id: UUID
    team: str
    until: datetime.datetime
    application: None | str | Unset = UNSET
    lifted_at: datetime.datetime | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        freeze_id = str(self.freeze_id)

        team = self.team

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

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "freeze_id": freeze_id,
                "team": team,
                "until": until,
            }
        )
        if application is not UNSET:
            field_dict["application"] = application
        if lifted_at is not UNSET:
            field_dict["lifted_at"] = lifted_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        freeze_id = UUID(d.pop("freeze_id"))

        team = d.pop("team")

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

        freeze_state = cls(
            freeze_id=freeze_id,
            team=team,
            until=until,
            application=application,
            lifted_at=lifted_at,
        )

        freeze_state.additional_properties = d
        return freeze_state

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
