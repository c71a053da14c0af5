from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.delivery_status import DeliveryStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.delivery_attempt import DeliveryAttempt


T = TypeVar("T", bound="WebhookDelivery")


@_attrs_define
class WebhookDelivery:
    """One event on its way to one subscription.

    Attributes:
        attempt_log (list[DeliveryAttempt]): Oldest first.
        attempts (int):
        created_at (datetime.datetime):
        delivery_id (UUID):
        event_id (UUID): The CloudEvent's `id` and the `webhook-id` header: the event's id in history.
        event_type (str):
        status (DeliveryStatus): Where a delivery stands.
        subject (str): What the event is about (`deployments/<id>`, `hosts/<id>`): deliveries of one subject
            arrive in the order history recorded them.
        webhook_id (UUID):
        finished_at (datetime.datetime | None | Unset):
        next_attempt_at (datetime.datetime | None | Unset):
    """

    attempt_log: list[DeliveryAttempt]
    attempts: int
    created_at: datetime.datetime
    delivery_id: UUID
    event_id: UUID
    event_type: str
    status: DeliveryStatus
    subject: str
    webhook_id: UUID
    finished_at: datetime.datetime | None | Unset = UNSET
    next_attempt_at: datetime.datetime | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        attempt_log = []
        for attempt_log_item_data in self.attempt_log:
            attempt_log_item = attempt_log_item_data.to_dict()
            attempt_log.append(attempt_log_item)

        attempts = self.attempts

        created_at = self.created_at.isoformat()

        delivery_id = str(self.delivery_id)

        event_id = str(self.event_id)

        event_type = self.event_type

        status = self.status.value

        subject = self.subject

        webhook_id = str(self.webhook_id)

        finished_at: None | str | Unset
        if isinstance(self.finished_at, Unset):
            finished_at = UNSET
        elif isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        next_attempt_at: None | str | Unset
        if isinstance(self.next_attempt_at, Unset):
            next_attempt_at = UNSET
        elif isinstance(self.next_attempt_at, datetime.datetime):
            next_attempt_at = self.next_attempt_at.isoformat()
        else:
            next_attempt_at = self.next_attempt_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "attempt_log": attempt_log,
                "attempts": attempts,
                "created_at": created_at,
                "delivery_id": delivery_id,
                "event_id": event_id,
                "event_type": event_type,
                "status": status,
                "subject": subject,
                "webhook_id": webhook_id,
            }
        )
        if finished_at is not UNSET:
            field_dict["finished_at"] = finished_at
        if next_attempt_at is not UNSET:
            field_dict["next_attempt_at"] = next_attempt_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.delivery_attempt import DeliveryAttempt  # noqa: PLC0415

        d = dict(src_dict)
        attempt_log = []
        _attempt_log = d.pop("attempt_log")
        for attempt_log_item_data in _attempt_log:
            attempt_log_item = DeliveryAttempt.from_dict(attempt_log_item_data)

            attempt_log.append(attempt_log_item)

        attempts = d.pop("attempts")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        delivery_id = UUID(d.pop("delivery_id"))

        event_id = UUID(d.pop("event_id"))

        event_type = d.pop("event_type")

        status = DeliveryStatus(d.pop("status"))

        subject = d.pop("subject")

        webhook_id = UUID(d.pop("webhook_id"))

        def _parse_finished_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                finished_at_type_0 = datetime.datetime.fromisoformat(data)

                return finished_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        finished_at = _parse_finished_at(d.pop("finished_at", UNSET))

        def _parse_next_attempt_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                next_attempt_at_type_0 = datetime.datetime.fromisoformat(data)

                return next_attempt_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        next_attempt_at = _parse_next_attempt_at(d.pop("next_attempt_at", UNSET))

        webhook_delivery = cls(
            attempt_log=attempt_log,
            attempts=attempts,
            created_at=created_at,
            delivery_id=delivery_id,
            event_id=event_id,
            event_type=event_type,
            status=status,
            subject=subject,
            webhook_id=webhook_id,
            finished_at=finished_at,
            next_attempt_at=next_attempt_at,
        )

        webhook_delivery.additional_properties = d
        return webhook_delivery

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
