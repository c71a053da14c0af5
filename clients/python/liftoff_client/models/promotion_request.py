from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.promotion_request_status import PromotionRequestStatus
from ..types import UNSET, Unset

T = TypeVar("T", bound="PromotionRequest")


@_attrs_define
class PromotionRequest:
    """A promotion into a stage that requires approval: the revision to promote is fixed when it
    is requested; approving starts one deployment per group of `to`.

        Attributes:
            application (str):
            deployment_ids (list[UUID]): The deployments the approval started.
            expires_at (datetime.datetime):
            from_ (str):
            request_id (UUID):
            requested_at (datetime.datetime):
            requested_by (str):
            revision_id (UUID):
            source_deployment_id (UUID):
            status (PromotionRequestStatus): Where a promotion request stands.
            to (str):
            config (None | str | Unset):
            decided_at (datetime.datetime | None | Unset):
            decided_by (None | str | Unset):
            description (None | str | Unset):
            reason (None | str | Unset): The rejection's reason.
    """

    application: str
    deployment_ids: list[UUID]
    expires_at: datetime.datetime
    from_: str
    request_id: UUID
    requested_at: datetime.datetime
    requested_by: str
    revision_id: UUID
    source_deployment_id: UUID
    status: PromotionRequestStatus
    to: str
    config: None | str | Unset = UNSET
    decided_at: datetime.datetime | None | Unset = UNSET
    decided_by: None | str | Unset = UNSET
    description: None | str | Unset = UNSET
    reason: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        application = self.application

        deployment_ids = []
        for deployment_ids_item_data in self.deployment_ids:
            deployment_ids_item = str(deployment_ids_item_data)
            deployment_ids.append(deployment_ids_item)

        expires_at = self.expires_at.isoformat()

        from_ = self.from_

        request_id = str(self.request_id)

        requested_at = self.requested_at.isoformat()

        requested_by = self.requested_by

        revision_id = str(self.revision_id)

        source_deployment_id = str(self.source_deployment_id)

        status = self.status.value

        to = self.to

        config: None | str | Unset
        if isinstance(self.config, Unset):
            config = UNSET
        else:
            config = self.config

        decided_at: None | str | Unset
        if isinstance(self.decided_at, Unset):
            decided_at = UNSET
        elif isinstance(self.decided_at, datetime.datetime):
            decided_at = self.decided_at.isoformat()
        else:
            decided_at = self.decided_at

        decided_by: None | str | Unset
        if isinstance(self.decided_by, Unset):
            decided_by = UNSET
        else:
            decided_by = self.decided_by

        description: None | str | Unset
        if isinstance(self.description, Unset):
            description = UNSET
        else:
            description = self.description

        reason: None | str | Unset
        if isinstance(self.reason, Unset):
            reason = UNSET
        else:
            reason = self.reason

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "application": application,
                "deployment_ids": deployment_ids,
                "expires_at": expires_at,
                "from": from_,
                "request_id": request_id,
                "requested_at": requested_at,
                "requested_by": requested_by,
                "revision_id": revision_id,
                "source_deployment_id": source_deployment_id,
                "status": status,
                "to": to,
            }
        )
        if config is not UNSET:
            field_dict["config"] = config
        if decided_at is not UNSET:
            field_dict["decided_at"] = decided_at
        if decided_by is not UNSET:
            field_dict["decided_by"] = decided_by
        if description is not UNSET:
            field_dict["description"] = description
        if reason is not UNSET:
            field_dict["reason"] = reason

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        application = d.pop("application")

        deployment_ids = []
        _deployment_ids = d.pop("deployment_ids")
        for deployment_ids_item_data in _deployment_ids:
            deployment_ids_item = UUID(deployment_ids_item_data)

            deployment_ids.append(deployment_ids_item)

        expires_at = datetime.datetime.fromisoformat(d.pop("expires_at"))

        from_ = d.pop("from")

        request_id = UUID(d.pop("request_id"))

        requested_at = datetime.datetime.fromisoformat(d.pop("requested_at"))

        requested_by = d.pop("requested_by")

        revision_id = UUID(d.pop("revision_id"))

        source_deployment_id = UUID(d.pop("source_deployment_id"))

        status = PromotionRequestStatus(d.pop("status"))

        to = d.pop("to")

        def _parse_config(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        config = _parse_config(d.pop("config", UNSET))

        def _parse_decided_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                decided_at_type_0 = datetime.datetime.fromisoformat(data)

                return decided_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        decided_at = _parse_decided_at(d.pop("decided_at", UNSET))

        def _parse_decided_by(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        decided_by = _parse_decided_by(d.pop("decided_by", UNSET))

        def _parse_description(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        description = _parse_description(d.pop("description", UNSET))

        def _parse_reason(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        reason = _parse_reason(d.pop("reason", UNSET))

        promotion_request = cls(
            application=application,
            deployment_ids=deployment_ids,
            expires_at=expires_at,
            from_=from_,
            request_id=request_id,
            requested_at=requested_at,
            requested_by=requested_by,
            revision_id=revision_id,
            source_deployment_id=source_deployment_id,
            status=status,
            to=to,
            config=config,
            decided_at=decided_at,
            decided_by=decided_by,
            description=description,
            reason=reason,
        )

        promotion_request.additional_properties = d
        return promotion_request

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
