from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.lifecycle_action_status import LifecycleActionStatus
from ..models.lifecycle_result import LifecycleResult
from ..models.scale_direction import ScaleDirection
from ..types import UNSET, Unset

T = TypeVar("T", bound="LifecycleAction")


@_attrs_define
class LifecycleAction:
    """A lifecycle action and the answer recorded for it.

    Attributes:
        action_id (UUID):
        created_at (datetime.datetime):
        deadline (datetime.datetime):
        default_result (LifecycleResult): The answer an autoscaler gets for a lifecycle action (EC2 Auto Scaling's
            names).
        direction (ScaleDirection):
        event_id (str):
        instance_id (str):
        status (LifecycleActionStatus):
        completed_at (datetime.datetime | None | Unset):
        group (None | str | Unset):
        host_id (None | Unset | UUID): The host the instance enrolled as, once known.
        lifecycle_action_token (None | str | Unset):
        lifecycle_hook_name (None | str | Unset):
        message (None | str | Unset):
        result (LifecycleResult | None | Unset):
    """

    action_id: UUID
    created_at: datetime.datetime
    deadline: datetime.datetime
    default_result: LifecycleResult
    direction: ScaleDirection
    event_id: str
    instance_id: str
    status: LifecycleActionStatus
    completed_at: datetime.datetime | None | Unset = UNSET
    group: None | str | Unset = UNSET
    host_id: None | Unset | UUID = UNSET
    lifecycle_action_token: None | str | Unset = UNSET
    lifecycle_hook_name: None | str | Unset = UNSET
    message: None | str | Unset = UNSET
    result: LifecycleResult | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        action_id = str(self.action_id)

        created_at = self.created_at.isoformat()

        deadline = self.deadline.isoformat()

        default_result = self.default_result.value

        direction = self.direction.value

        event_id = self.event_id

        instance_id = self.instance_id

        status = self.status.value

        completed_at: None | str | Unset
        if isinstance(self.completed_at, Unset):
            completed_at = UNSET
        elif isinstance(self.completed_at, datetime.datetime):
            completed_at = self.completed_at.isoformat()
        else:
            completed_at = self.completed_at

        group: None | str | Unset
        if isinstance(self.group, Unset):
            group = UNSET
        else:
            group = self.group

        host_id: None | str | Unset
        if isinstance(self.host_id, Unset):
            host_id = UNSET
        elif isinstance(self.host_id, UUID):
            host_id = str(self.host_id)
        else:
            host_id = self.host_id

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

        message: None | str | Unset
        if isinstance(self.message, Unset):
            message = UNSET
        else:
            message = self.message

        result: None | str | Unset
        if isinstance(self.result, Unset):
            result = UNSET
        elif isinstance(self.result, LifecycleResult):
            result = self.result.value
        else:
            result = self.result

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "action_id": action_id,
                "created_at": created_at,
                "deadline": deadline,
                "default_result": default_result,
                "direction": direction,
                "event_id": event_id,
                "instance_id": instance_id,
                "status": status,
            }
        )
        if completed_at is not UNSET:
            field_dict["completed_at"] = completed_at
        if group is not UNSET:
            field_dict["group"] = group
        if host_id is not UNSET:
            field_dict["host_id"] = host_id
        if lifecycle_action_token is not UNSET:
            field_dict["lifecycle_action_token"] = lifecycle_action_token
        if lifecycle_hook_name is not UNSET:
            field_dict["lifecycle_hook_name"] = lifecycle_hook_name
        if message is not UNSET:
            field_dict["message"] = message
        if result is not UNSET:
            field_dict["result"] = result

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        action_id = UUID(d.pop("action_id"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        deadline = datetime.datetime.fromisoformat(d.pop("deadline"))

        default_result = LifecycleResult(d.pop("default_result"))

        direction = ScaleDirection(d.pop("direction"))

        event_id = d.pop("event_id")

        instance_id = d.pop("instance_id")

        status = LifecycleActionStatus(d.pop("status"))

        def _parse_completed_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                completed_at_type_0 = datetime.datetime.fromisoformat(data)

                return completed_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        completed_at = _parse_completed_at(d.pop("completed_at", UNSET))

        def _parse_group(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        group = _parse_group(d.pop("group", UNSET))

        def _parse_host_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                host_id_type_0 = UUID(data)

                return host_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        host_id = _parse_host_id(d.pop("host_id", UNSET))

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

        def _parse_message(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        message = _parse_message(d.pop("message", UNSET))

        def _parse_result(data: object) -> LifecycleResult | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                result_type_0 = LifecycleResult(data)

                return result_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(LifecycleResult | None | Unset, data)

        result = _parse_result(d.pop("result", UNSET))

        lifecycle_action = cls(
            action_id=action_id,
            created_at=created_at,
            deadline=deadline,
            default_result=default_result,
            direction=direction,
            event_id=event_id,
            instance_id=instance_id,
            status=status,
            completed_at=completed_at,
            group=group,
            host_id=host_id,
            lifecycle_action_token=lifecycle_action_token,
            lifecycle_hook_name=lifecycle_hook_name,
            message=message,
            result=result,
        )

        lifecycle_action.additional_properties = d
        return lifecycle_action

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
