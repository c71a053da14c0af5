from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.stage_approval import StageApproval


T = TypeVar("T", bound="Stage")


@_attrs_define
class Stage:
    """An application's stage: its groups and the revision that last succeeded there.

    Attributes:
        deployment_groups (list[str]):
        name (str):
        approval (None | StageApproval | Unset):
        last_succeeded_at (datetime.datetime | None | Unset):
        last_successful_deployment_id (None | Unset | UUID):
        last_successful_revision_id (None | Unset | UUID):
    """

    deployment_groups: list[str]
    name: str
    approval: None | StageApproval | Unset = UNSET
    last_succeeded_at: datetime.datetime | None | Unset = UNSET
    last_successful_deployment_id: None | Unset | UUID = UNSET
    last_successful_revision_id: None | Unset | UUID = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.stage_approval import StageApproval  # noqa: PLC0415

        deployment_groups = self.deployment_groups

        name = self.name

        approval: dict[str, Any] | None | Unset
        if isinstance(self.approval, Unset):
            approval = UNSET
        elif isinstance(self.approval, StageApproval):
            approval = self.approval.to_dict()
        else:
            approval = self.approval

        last_succeeded_at: None | str | Unset
        if isinstance(self.last_succeeded_at, Unset):
            last_succeeded_at = UNSET
        elif isinstance(self.last_succeeded_at, datetime.datetime):
            last_succeeded_at = self.last_succeeded_at.isoformat()
        else:
            last_succeeded_at = self.last_succeeded_at

        last_successful_deployment_id: None | str | Unset
        if isinstance(self.last_successful_deployment_id, Unset):
            last_successful_deployment_id = UNSET
        elif isinstance(self.last_successful_deployment_id, UUID):
            last_successful_deployment_id = str(self.last_successful_deployment_id)
        else:
            last_successful_deployment_id = self.last_successful_deployment_id

        last_successful_revision_id: None | str | Unset
        if isinstance(self.last_successful_revision_id, Unset):
            last_successful_revision_id = UNSET
        elif isinstance(self.last_successful_revision_id, UUID):
            last_successful_revision_id = str(self.last_successful_revision_id)
        else:
            last_successful_revision_id = self.last_successful_revision_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "deployment_groups": deployment_groups,
                "name": name,
            }
        )
        if approval is not UNSET:
            field_dict["approval"] = approval
        if last_succeeded_at is not UNSET:
            field_dict["last_succeeded_at"] = last_succeeded_at
        if last_successful_deployment_id is not UNSET:
            field_dict["last_successful_deployment_id"] = last_successful_deployment_id
        if last_successful_revision_id is not UNSET:
            field_dict["last_successful_revision_id"] = last_successful_revision_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.stage_approval import StageApproval  # noqa: PLC0415

        d = dict(src_dict)
        deployment_groups = cast(list[str], d.pop("deployment_groups"))

        name = d.pop("name")

        def _parse_approval(data: object) -> None | StageApproval | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                approval_type_0 = StageApproval.from_dict(data)

                return approval_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | StageApproval | Unset, data)

        approval = _parse_approval(d.pop("approval", UNSET))

        def _parse_last_succeeded_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_succeeded_at_type_0 = datetime.datetime.fromisoformat(data)

                return last_succeeded_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        last_succeeded_at = _parse_last_succeeded_at(d.pop("last_succeeded_at", UNSET))

        def _parse_last_successful_deployment_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_successful_deployment_id_type_0 = UUID(data)

                return last_successful_deployment_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        last_successful_deployment_id = _parse_last_successful_deployment_id(
            d.pop("last_successful_deployment_id", UNSET)
        )

        def _parse_last_successful_revision_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_successful_revision_id_type_0 = UUID(data)

                return last_successful_revision_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        last_successful_revision_id = _parse_last_successful_revision_id(d.pop("last_successful_revision_id", UNSET))

        stage = cls(
            deployment_groups=deployment_groups,
            name=name,
            approval=approval,
            last_succeeded_at=last_succeeded_at,
            last_successful_deployment_id=last_successful_deployment_id,
            last_successful_revision_id=last_successful_revision_id,
        )

        stage.additional_properties = d
        return stage

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
