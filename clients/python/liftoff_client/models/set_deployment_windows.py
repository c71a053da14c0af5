from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.outside_window import OutsideWindow
from ..types import UNSET, Unset

T = TypeVar("T", bound="SetDeploymentWindows")


@_attrs_define
class SetDeploymentWindows:
    """`PUT /v1/applications/{app}/deployment-groups/{group}/windows`: the weekly spans in which the
    group's deployments may start. An empty list removes the gate.

        Attributes:
            windows (list[str]): Each `DAYS HH:MM-HH:MM ZONE`: days `Mon`..`Sun`, a range (`Mon-Thu`, may wrap: `Fri-Mon`)
                or a list (`Mon,Wed,Fri`); local times, end after start (`24:00` allowed); an IANA zone
                (`Europe/Berlin`, `UTC`). Example: `Mon-Thu 09:00-16:00 Europe/Berlin`.
            outside_window (OutsideWindow | Unset): What happens to a deployment asked for outside every deployment window
                of its group.
    """

    windows: list[str]
    outside_window: OutsideWindow | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        windows = self.windows

        outside_window: str | Unset = UNSET
        if not isinstance(self.outside_window, Unset):
            outside_window = self.outside_window.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "windows": windows,
            }
        )
        if outside_window is not UNSET:
            field_dict["outside_window"] = outside_window

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        windows = cast(list[str], d.pop("windows"))

        _outside_window = d.pop("outside_window", UNSET)
        outside_window: OutsideWindow | Unset
        if isinstance(_outside_window, Unset):
            outside_window = UNSET
        else:
            outside_window = OutsideWindow(_outside_window)

        set_deployment_windows = cls(
            windows=windows,
            outside_window=outside_window,
        )

        return set_deployment_windows
