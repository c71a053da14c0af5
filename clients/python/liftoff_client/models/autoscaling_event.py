from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.lifecycle_result import LifecycleResult
from ..models.scale_direction import ScaleDirection
from ..types import UNSET, Unset

T = TypeVar("T", bound="AutoscalingEvent")


@_attrs_define
class AutoscalingEvent:
    """The generic event shape (EventBridge "EC2 Instance-launch/terminate Lifecycle Action"
    events are accepted as they are, too).

        Attributes:
            id (str): Unique per event; a second delivery of the same id changes nothing.
            instance_id (str): The instance; a host carries it in its `instance-id` tag.
            type_ (ScaleDirection):
            default_result (LifecycleResult | None | Unset):
            group (None | str | Unset):
            heartbeat_timeout_secs (int | None | Unset): How long the autoscaler waits for the answer (default 3600 s, as
                EC2 Auto Scaling).
            lifecycle_action_token (None | str | Unset):
            lifecycle_hook_name (None | str | Unset):
    """

    id: str
    instance_id: str
    type_: ScaleDirection
    default_result: LifecycleResult | None | Unset = UNSET
    group: None | str | Unset = UNSET
    heartbeat_timeout_secs: int | None | Unset = UNSET
    lifecycle_action_token: None | str | Unset = UNSET
    lifecycle_hook_name: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        instance_id = self.instance_id

        type_ = self.type_.value

        default_result: None | str | Unset
        if isinstance(self.default_result, Unset):
            default_result = UNSET
        elif isinstance(self.default_result, LifecycleResult):
            default_result = self.default_result.value
        else:
            default_result = self.default_result

        group: None | str | Unset
        if isinstance(self.group, Unset):
            group = UNSET
        else:
            group = self.group

        heartbeat_timeout_secs: int | None | Unset
        if isinstance(self.heartbeat_timeout_secs, Unset):
            heartbeat_timeout_secs = UNSET
        else:
            heartbeat_timeout_secs = self.heartbeat_timeout_secs

        lifecycle_action_token: None | str | Unset
        if isinstance(self.lifecycle_action_token, Unset):
            lifecycle_action_token = UNSET
        else:
            lifecycle_action_token = self.lifecycle_action_token

        lifecycle_hook_name: None | str | Unset
        if isinstance(self.lifecycle_hook_name, Unset):
            lifecycle_hook_name = UNSET
        else:
            lifecycle_hook_name = self.lifecycle_hook_name

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "id": id,
                "instance_id": instance_id,
                "type": type_,
            }
        )
        if default_result is not UNSET:
            field_dict["default_result"] = default_result
        if group is not UNSET:
            field_dict["group"] = group
        if heartbeat_timeout_secs is not UNSET:
            field_dict["heartbeat_timeout_secs"] = heartbeat_timeout_secs
        if lifecycle_action_token is not UNSET:
            field_dict["lifecycle_action_token"] = lifecycle_action_token
        if lifecycle_hook_name is not UNSET:
            field_dict["lifecycle_hook_name"] = lifecycle_hook_name

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        instance_id = d.pop("instance_id")

        type_ = ScaleDirection(d.pop("type"))

        def _parse_default_result(data: object) -> LifecycleResult | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                default_result_type_0 = LifecycleResult(data)

                return default_result_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(LifecycleResult | None | Unset, data)

        default_result = _parse_default_result(d.pop("default_result", UNSET))

        def _parse_group(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        group = _parse_group(d.pop("group", UNSET))

        def _parse_heartbeat_timeout_secs(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        heartbeat_timeout_secs = _parse_heartbeat_timeout_secs(d.pop("heartbeat_timeout_secs", UNSET))

        def _parse_lifecycle_action_token(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        lifecycle_action_token = _parse_lifecycle_action_token(d.pop("lifecycle_action_token", UNSET))

        def _parse_lifecycle_hook_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        lifecycle_hook_name = _parse_lifecycle_hook_name(d.pop("lifecycle_hook_name", UNSET))

        autoscaling_event = cls(
            id=id,
            instance_id=instance_id,
            type_=type_,
            default_result=default_result,
            group=group,
            heartbeat_timeout_secs=heartbeat_timeout_secs,
            lifecycle_action_token=lifecycle_action_token,
            lifecycle_hook_name=lifecycle_hook_name,
        )

        return autoscaling_event
