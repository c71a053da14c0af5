from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

from ..models.host_target_status import HostTargetStatus
from ..models.rollout_status import RolloutStatus
from ..types import UNSET, Unset

T = TypeVar("T", bound="InstallOutcome")


@_attrs_define
class InstallOutcome:
    """The scheduler's word that a host's part of a deployment ended (`host_id` and
    `host_status` set), or that a rollout ended (`rollout_status` set, no host), so the
    registry settles a scale-out install without asking. Written in the transaction of the
    change; the registry applies each `event_id` once, and keeps an outcome that arrives before
    the install it concludes until that install is recorded.

        Attributes:
            deployment_id (UUID):
            event_id (UUID):
            occurred_at (datetime.datetime):
            team (str):
            error_code (None | str | Unset):
            host_id (None | Unset | UUID): The host whose part ended; absent when the rollout ended.
            host_status (HostTargetStatus | None | Unset):
            message (None | str | Unset):
            rollout_status (None | RolloutStatus | Unset):
    """

    deployment_id: UUID
    event_id: UUID
    occurred_at: datetime.datetime
    team: str
    error_code: None | str | Unset = UNSET
    host_id: None | Unset | UUID = UNSET
    host_status: HostTargetStatus | None | Unset = UNSET
    message: None | str | Unset = UNSET
    rollout_status: None | RolloutStatus | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        deployment_id = str(self.deployment_id)

        event_id = str(self.event_id)

        occurred_at = self.occurred_at.isoformat()

        team = self.team

        error_code: None | str | Unset
        if isinstance(self.error_code, Unset):
            error_code = UNSET
        else:
            error_code = self.error_code

        host_id: None | str | Unset
        if isinstance(self.host_id, Unset):
            host_id = UNSET
        elif isinstance(self.host_id, UUID):
            host_id = str(self.host_id)
        else:
            host_id = self.host_id

        host_status: None | str | Unset
        if isinstance(self.host_status, Unset):
            host_status = UNSET
        elif isinstance(self.host_status, HostTargetStatus):
            host_status = self.host_status.value
        else:
            host_status = self.host_status

        message: None | str | Unset
        if isinstance(self.message, Unset):
            message = UNSET
        else:
            message = self.message

        rollout_status: None | str | Unset
        if isinstance(self.rollout_status, Unset):
            rollout_status = UNSET
        elif isinstance(self.rollout_status, RolloutStatus):
            rollout_status = self.rollout_status.value
        else:
            rollout_status = self.rollout_status

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "deployment_id": deployment_id,
                "event_id": event_id,
                "occurred_at": occurred_at,
                "team": team,
            }
        )
        if error_code is not UNSET:
            field_dict["error_code"] = error_code
        if host_id is not UNSET:
            field_dict["host_id"] = host_id
        if host_status is not UNSET:
            field_dict["host_status"] = host_status
        if message is not UNSET:
            field_dict["message"] = message
        if rollout_status is not UNSET:
            field_dict["rollout_status"] = rollout_status

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        deployment_id = UUID(d.pop("deployment_id"))

        event_id = UUID(d.pop("event_id"))

        occurred_at = datetime.datetime.fromisoformat(d.pop("occurred_at"))

        team = d.pop("team")

        def _parse_error_code(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        error_code = _parse_error_code(d.pop("error_code", UNSET))

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

        def _parse_host_status(data: object) -> HostTargetStatus | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                host_status_type_0 = HostTargetStatus(data)

                return host_status_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(HostTargetStatus | None | Unset, data)

        host_status = _parse_host_status(d.pop("host_status", UNSET))

        def _parse_message(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        message = _parse_message(d.pop("message", UNSET))

        def _parse_rollout_status(data: object) -> None | RolloutStatus | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                rollout_status_type_0 = RolloutStatus(data)

                return rollout_status_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | RolloutStatus | Unset, data)

        rollout_status = _parse_rollout_status(d.pop("rollout_status", UNSET))

        install_outcome = cls(
            deployment_id=deployment_id,
            event_id=event_id,
            occurred_at=occurred_at,
            team=team,
            error_code=error_code,
            host_id=host_id,
            host_status=host_status,
            message=message,
            rollout_status=rollout_status,
        )

        return install_outcome
