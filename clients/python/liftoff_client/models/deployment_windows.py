from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.outside_window import OutsideWindow
from ..models.window_source import WindowSource
from ..types import UNSET, Unset

T = TypeVar("T", bound="DeploymentWindows")


@_attrs_define
class DeploymentWindows:
    """A group's deployment windows, and whether one is open now.

    Attributes:
        application (str):
        deployment_group (str): The group; `*` for the application's own windows (those of every group without its
            own).
        now (datetime.datetime): The time the answer was computed for.
        open_now (bool):
        outside_window (OutsideWindow): What happens to a deployment asked for outside every deployment window of its
            group.
        windows (list[str]): Empty: no gate, deployments start at any time.
        next_open (datetime.datetime | None | Unset): When the next window opens, if none is open now.
        source (WindowSource | Unset): Where a group's deployment windows come from.
    """

    application: str
    deployment_group: str
    now: datetime.datetime
    open_now: bool
    outside_window: OutsideWindow
    windows: list[str]
    next_open: datetime.datetime | None | Unset = UNSET
    source: WindowSource | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        application = self.application

        deployment_group = self.deployment_group

        now = self.now.isoformat()

        open_now = self.open_now

        outside_window = self.outside_window.value

        windows = self.windows

        next_open: None | str | Unset
        if isinstance(self.next_open, Unset):
            next_open = UNSET
        elif isinstance(self.next_open, datetime.datetime):
            next_open = self.next_open.isoformat()
        else:
            next_open = self.next_open

        source: str | Unset = UNSET
        if not isinstance(self.source, Unset):
            source = self.source.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "application": application,
                "deployment_group": deployment_group,
                "now": now,
                "open_now": open_now,
                "outside_window": outside_window,
                "windows": windows,
            }
        )
        if next_open is not UNSET:
            field_dict["next_open"] = next_open
        if source is not UNSET:
            field_dict["source"] = source

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        application = d.pop("application")

        deployment_group = d.pop("deployment_group")

        now = datetime.datetime.fromisoformat(d.pop("now"))

        open_now = d.pop("open_now")

        outside_window = OutsideWindow(d.pop("outside_window"))

        windows = cast(list[str], d.pop("windows"))

        def _parse_next_open(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                next_open_type_0 = datetime.datetime.fromisoformat(data)

                return next_open_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        next_open = _parse_next_open(d.pop("next_open", UNSET))

        _source = d.pop("source", UNSET)
        source: WindowSource | Unset
        if isinstance(_source, Unset):
            source = UNSET
        else:
            source = WindowSource(_source)

        deployment_windows = cls(
            application=application,
            deployment_group=deployment_group,
            now=now,
            open_now=open_now,
            outside_window=outside_window,
            windows=windows,
            next_open=next_open,
            source=source,
        )

        deployment_windows.additional_properties = d
        return deployment_windows

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
