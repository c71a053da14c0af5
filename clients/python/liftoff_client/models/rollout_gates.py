from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="RolloutGates")


@_attrs_define
class RolloutGates:
    """The gates of a running rollout: no new host starts outside the group's deployment windows
    or while a freeze of its team or application is in force. The windows are copied at
    hand-off; later edits, and every freeze, are pushed to the scheduler by deployment-api
    (`POST /v1/gate-changes`).

        Attributes:
            overridden_freezes (list[UUID] | Unset): Freezes an admin overrode to create the deployment: they do not pause
                it.
            windows (list[str] | Unset): The group's effective windows at hand-off (`DAYS HH:MM-HH:MM ZONE`; empty: any
                time).
    """

    overridden_freezes: list[UUID] | Unset = UNSET
    windows: list[str] | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        overridden_freezes: list[str] | Unset = UNSET
        if not isinstance(self.overridden_freezes, Unset):
            overridden_freezes = []
            for overridden_freezes_item_data in self.overridden_freezes:
                overridden_freezes_item = str(overridden_freezes_item_data)
                overridden_freezes.append(overridden_freezes_item)

        windows: list[str] | Unset = UNSET
        if not isinstance(self.windows, Unset):
            windows = self.windows

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if overridden_freezes is not UNSET:
            field_dict["overridden_freezes"] = overridden_freezes
        if windows is not UNSET:
            field_dict["windows"] = windows

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        _overridden_freezes = d.pop("overridden_freezes", UNSET)
        overridden_freezes: list[UUID] | Unset = UNSET
        if _overridden_freezes is not UNSET:
            overridden_freezes = []
            for overridden_freezes_item_data in _overridden_freezes:
                overridden_freezes_item = UUID(overridden_freezes_item_data)

                overridden_freezes.append(overridden_freezes_item)

        windows = cast(list[str], d.pop("windows", UNSET))

        rollout_gates = cls(
            overridden_freezes=overridden_freezes,
            windows=windows,
        )

        return rollout_gates
