from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.lifecycle_action import LifecycleAction


T = TypeVar("T", bound="AutoscalingEventAccepted")


@_attrs_define
class AutoscalingEventAccepted:
    """The answer to an accepted event.

    Attributes:
        action (LifecycleAction): A lifecycle action and the answer recorded for it.
        duplicate (bool): True when this event id was seen before: nothing was done again.
        event_id (str):
    """

    action: LifecycleAction
    duplicate: bool
    event_id: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        action = self.action.to_dict()

        duplicate = self.duplicate

        event_id = self.event_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "action": action,
                "duplicate": duplicate,
                "event_id": event_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.lifecycle_action import LifecycleAction  # noqa: PLC0415

        d = dict(src_dict)
        action = LifecycleAction.from_dict(d.pop("action"))

        duplicate = d.pop("duplicate")

        event_id = d.pop("event_id")

        autoscaling_event_accepted = cls(
            action=action,
            duplicate=duplicate,
            event_id=event_id,
        )

        autoscaling_event_accepted.additional_properties = d
        return autoscaling_event_accepted

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
