from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.concurrency_policy import ConcurrencyPolicy
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.deployment_group_selector import DeploymentGroupSelector
    from ..models.health_analysis import HealthAnalysis


T = TypeVar("T", bound="DeploymentGroup")


@_attrs_define
class DeploymentGroup:
    """
    Attributes:
        application (str):
        auto_rollback (bool):
        concurrency_policy (ConcurrencyPolicy): What happens when a deployment is asked for while one runs in the group.
        created_at (datetime.datetime):
        deployment_config (str):
        name (str):
        selector (DeploymentGroupSelector):
        health_analysis (HealthAnalysis | None | Unset):
        last_successful_deployment_id (None | Unset | UUID):
        last_successful_revision_id (None | Unset | UUID): The revision new hosts get: the last one that succeeded in
            this group.
        stage (None | str | Unset):
        traffic_hooks (bool | Unset): The bundle's traffic hooks run, in CodeDeploy's in-place order.
    """

    application: str
    auto_rollback: bool
    concurrency_policy: ConcurrencyPolicy
    created_at: datetime.datetime
    deployment_config: str
    name: str
    selector: DeploymentGroupSelector
    health_analysis: HealthAnalysis | None | Unset = UNSET
    last_successful_deployment_id: None | Unset | UUID = UNSET
    last_successful_revision_id: None | Unset | UUID = UNSET
    stage: None | str | Unset = UNSET
    traffic_hooks: bool | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.health_analysis import HealthAnalysis  # noqa: PLC0415

        application = self.application

        auto_rollback = self.auto_rollback

        concurrency_policy = self.concurrency_policy.value

        created_at = self.created_at.isoformat()

        deployment_config = self.deployment_config

        name = self.name

        selector = self.selector.to_dict()

        health_analysis: dict[str, Any] | None | Unset
        if isinstance(self.health_analysis, Unset):
            health_analysis = UNSET
        elif isinstance(self.health_analysis, HealthAnalysis):
            health_analysis = self.health_analysis.to_dict()
        else:
            health_analysis = self.health_analysis

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

        stage: None | str | Unset
        if isinstance(self.stage, Unset):
            stage = UNSET
        else:
            stage = self.stage

        traffic_hooks = self.traffic_hooks

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "application": application,
                "auto_rollback": auto_rollback,
                "concurrency_policy": concurrency_policy,
                "created_at": created_at,
                "deployment_config": deployment_config,
                "name": name,
                "selector": selector,
            }
        )
        if health_analysis is not UNSET:
            field_dict["health_analysis"] = health_analysis
        if last_successful_deployment_id is not UNSET:
            field_dict["last_successful_deployment_id"] = last_successful_deployment_id
        if last_successful_revision_id is not UNSET:
            field_dict["last_successful_revision_id"] = last_successful_revision_id
        if stage is not UNSET:
            field_dict["stage"] = stage
        if traffic_hooks is not UNSET:
            field_dict["traffic_hooks"] = traffic_hooks

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.deployment_group_selector import DeploymentGroupSelector  # noqa: PLC0415
        from ..models.health_analysis import HealthAnalysis  # noqa: PLC0415

        d = dict(src_dict)
        application = d.pop("application")

        auto_rollback = d.pop("auto_rollback")

        concurrency_policy = ConcurrencyPolicy(d.pop("concurrency_policy"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        deployment_config = d.pop("deployment_config")

        name = d.pop("name")

        selector = DeploymentGroupSelector.from_dict(d.pop("selector"))

        def _parse_health_analysis(data: object) -> HealthAnalysis | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                health_analysis_type_0 = HealthAnalysis.from_dict(data)

                return health_analysis_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(HealthAnalysis | None | Unset, data)

        health_analysis = _parse_health_analysis(d.pop("health_analysis", UNSET))

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

        def _parse_stage(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        stage = _parse_stage(d.pop("stage", UNSET))

        traffic_hooks = d.pop("traffic_hooks", UNSET)

        deployment_group = cls(
            application=application,
            auto_rollback=auto_rollback,
            concurrency_policy=concurrency_policy,
            created_at=created_at,
            deployment_config=deployment_config,
            name=name,
            selector=selector,
            health_analysis=health_analysis,
            last_successful_deployment_id=last_successful_deployment_id,
            last_successful_revision_id=last_successful_revision_id,
            stage=stage,
            traffic_hooks=traffic_hooks,
        )

        deployment_group.additional_properties = d
        return deployment_group

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
