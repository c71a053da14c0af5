from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.concurrency_policy import ConcurrencyPolicy
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.create_deployment_group_selector import CreateDeploymentGroupSelector
    from ..models.health_analysis import HealthAnalysis


T = TypeVar("T", bound="CreateDeploymentGroup")


@_attrs_define
class CreateDeploymentGroup:
    """
    Attributes:
        name (str):
        selector (CreateDeploymentGroupSelector): Tag selector: a host is in the group when, for every key, its tag has
            one of the values.
        auto_rollback (bool | None | Unset):
        concurrency_policy (ConcurrencyPolicy | None | Unset):
        deployment_config (None | str | Unset): Deployment configuration name; defaults to `AllAtOnce`.
        health_analysis (HealthAnalysis | None | Unset):
        stage (None | str | Unset):
        traffic_hooks (bool | None | Unset): Traffic to the group's hosts is managed by the bundle's hooks:
            `BeforeBlockTraffic` and
            `AfterBlockTraffic` run before `ApplicationStop`, `BeforeAllowTraffic` and
            `AfterAllowTraffic` after `ValidateService` (CodeDeploy's in-place order). Default false:
            those hooks are skipped.
    """

    name: str
    selector: CreateDeploymentGroupSelector
    auto_rollback: bool | None | Unset = UNSET
    concurrency_policy: ConcurrencyPolicy | None | Unset = UNSET
    deployment_config: None | str | Unset = UNSET
    health_analysis: HealthAnalysis | None | Unset = UNSET
    stage: None | str | Unset = UNSET
    traffic_hooks: bool | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.health_analysis import HealthAnalysis  # noqa: PLC0415

        name = self.name

        selector = self.selector.to_dict()

        auto_rollback: bool | None | Unset
        if isinstance(self.auto_rollback, Unset):
            auto_rollback = UNSET
        else:
            auto_rollback = self.auto_rollback

        concurrency_policy: None | str | Unset
        if isinstance(self.concurrency_policy, Unset):
            concurrency_policy = UNSET
        elif isinstance(self.concurrency_policy, ConcurrencyPolicy):
            concurrency_policy = self.concurrency_policy.value
        else:
            concurrency_policy = self.concurrency_policy

        deployment_config: None | str | Unset
        if isinstance(self.deployment_config, Unset):
            deployment_config = UNSET
        else:
            deployment_config = self.deployment_config

        health_analysis: dict[str, Any] | None | Unset
        if isinstance(self.health_analysis, Unset):
            health_analysis = UNSET
        elif isinstance(self.health_analysis, HealthAnalysis):
            health_analysis = self.health_analysis.to_dict()
        else:
            health_analysis = self.health_analysis

        stage: None | str | Unset
        if isinstance(self.stage, Unset):
            stage = UNSET
        else:
            stage = self.stage

        traffic_hooks: bool | None | Unset
        if isinstance(self.traffic_hooks, Unset):
            traffic_hooks = UNSET
        else:
            traffic_hooks = self.traffic_hooks

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
                "selector": selector,
            }
        )
        if auto_rollback is not UNSET:
            field_dict["auto_rollback"] = auto_rollback
        if concurrency_policy is not UNSET:
            field_dict["concurrency_policy"] = concurrency_policy
        if deployment_config is not UNSET:
            field_dict["deployment_config"] = deployment_config
        if health_analysis is not UNSET:
            field_dict["health_analysis"] = health_analysis
        if stage is not UNSET:
            field_dict["stage"] = stage
        if traffic_hooks is not UNSET:
            field_dict["traffic_hooks"] = traffic_hooks

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.create_deployment_group_selector import CreateDeploymentGroupSelector  # noqa: PLC0415
        from ..models.health_analysis import HealthAnalysis  # noqa: PLC0415

        d = dict(src_dict)
        name = d.pop("name")

        selector = CreateDeploymentGroupSelector.from_dict(d.pop("selector"))

        def _parse_auto_rollback(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        auto_rollback = _parse_auto_rollback(d.pop("auto_rollback", UNSET))

        def _parse_concurrency_policy(data: object) -> ConcurrencyPolicy | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                concurrency_policy_type_0 = ConcurrencyPolicy(data)

                return concurrency_policy_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ConcurrencyPolicy | None | Unset, data)

        concurrency_policy = _parse_concurrency_policy(d.pop("concurrency_policy", UNSET))

        def _parse_deployment_config(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        deployment_config = _parse_deployment_config(d.pop("deployment_config", UNSET))

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

        def _parse_stage(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        stage = _parse_stage(d.pop("stage", UNSET))

        def _parse_traffic_hooks(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        traffic_hooks = _parse_traffic_hooks(d.pop("traffic_hooks", UNSET))

        create_deployment_group = cls(
            name=name,
            selector=selector,
            auto_rollback=auto_rollback,
            concurrency_policy=concurrency_policy,
            deployment_config=deployment_config,
            health_analysis=health_analysis,
            stage=stage,
            traffic_hooks=traffic_hooks,
        )

        return create_deployment_group
