from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.concurrency_policy import ConcurrencyPolicy
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.health_analysis import HealthAnalysis
    from ..models.update_deployment_group_selector import UpdateDeploymentGroupSelector


T = TypeVar("T", bound="UpdateDeploymentGroup")


@_attrs_define
class UpdateDeploymentGroup:
    """Changes to a deployment group; absent fields stay as they are. Running deployments keep
    what they started with; the next one uses the new settings.

        Attributes:
            auto_rollback (bool | None | Unset):
            concurrency_policy (ConcurrencyPolicy | None | Unset):
            deployment_config (None | str | Unset):
            health_analysis (HealthAnalysis | None | Unset):
            selector (None | Unset | UpdateDeploymentGroupSelector):
            stage (None | str | Unset): A stage name, or `null` to take the group out of the stages.
            traffic_hooks (bool | None | Unset): Whether the bundle's traffic hooks run (see `CreateDeploymentGroup`).
    """

    auto_rollback: bool | None | Unset = UNSET
    concurrency_policy: ConcurrencyPolicy | None | Unset = UNSET
    deployment_config: None | str | Unset = UNSET
    health_analysis: HealthAnalysis | None | Unset = UNSET
    selector: None | Unset | UpdateDeploymentGroupSelector = UNSET
    stage: None | str | Unset = UNSET
    traffic_hooks: bool | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.health_analysis import HealthAnalysis  # noqa: PLC0415
        from ..models.update_deployment_group_selector import UpdateDeploymentGroupSelector  # noqa: PLC0415

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

        selector: dict[str, Any] | None | Unset
        if isinstance(self.selector, Unset):
            selector = UNSET
        elif isinstance(self.selector, UpdateDeploymentGroupSelector):
            selector = self.selector.to_dict()
        else:
            selector = self.selector

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

        field_dict.update({})
        if auto_rollback is not UNSET:
            field_dict["auto_rollback"] = auto_rollback
        if concurrency_policy is not UNSET:
            field_dict["concurrency_policy"] = concurrency_policy
        if deployment_config is not UNSET:
            field_dict["deployment_config"] = deployment_config
        if health_analysis is not UNSET:
            field_dict["health_analysis"] = health_analysis
        if selector is not UNSET:
            field_dict["selector"] = selector
        if stage is not UNSET:
            field_dict["stage"] = stage
        if traffic_hooks is not UNSET:
            field_dict["traffic_hooks"] = traffic_hooks

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.health_analysis import HealthAnalysis  # noqa: PLC0415
        from ..models.update_deployment_group_selector import UpdateDeploymentGroupSelector  # noqa: PLC0415

        d = dict(src_dict)

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

        def _parse_selector(data: object) -> None | Unset | UpdateDeploymentGroupSelector:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                selector_update_deployment_group_selector = UpdateDeploymentGroupSelector.from_dict(data)

                return selector_update_deployment_group_selector
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UpdateDeploymentGroupSelector, data)

        selector = _parse_selector(d.pop("selector", UNSET))

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

        update_deployment_group = cls(
            auto_rollback=auto_rollback,
            concurrency_policy=concurrency_policy,
            deployment_config=deployment_config,
            health_analysis=health_analysis,
            selector=selector,
            stage=stage,
            traffic_hooks=traffic_hooks,
        )

        return update_deployment_group
