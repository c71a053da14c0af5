from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.zone_mode import ZoneMode
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.health_analysis import HealthAnalysis
    from ..models.minimum_healthy_all_but_one import MinimumHealthyAllButOne
    from ..models.minimum_healthy_fleet_percent import MinimumHealthyFleetPercent
    from ..models.minimum_healthy_host_count import MinimumHealthyHostCount


T = TypeVar("T", bound="DeploymentConfig")


@_attrs_define
class DeploymentConfig:
    """
    Attributes:
        builtin (bool):
        minimum_healthy (MinimumHealthyAllButOne | MinimumHealthyFleetPercent | MinimumHealthyHostCount): Minimum
            healthy hosts, CodeDeploy's way.
        name (str):
        canary_batch_size (int | None | Unset): Hosts in a first canary batch, when the configuration has one; the
            deployment waits
            in `AwaitingApproval` after it until `approve`.
        health_analysis (HealthAnalysis | None | Unset):
        zone_bake_secs (int | Unset): With `zone-at-a-time`: seconds to wait after one zone finishes before the next
            starts.
        zone_mode (ZoneMode | Unset): How a rollout moves through the zones of a fleet.
    """

    builtin: bool
    minimum_healthy: MinimumHealthyAllButOne | MinimumHealthyFleetPercent | MinimumHealthyHostCount
    name: str
    canary_batch_size: int | None | Unset = UNSET
    health_analysis: HealthAnalysis | None | Unset = UNSET
    zone_bake_secs: int | Unset = UNSET
    zone_mode: ZoneMode | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.health_analysis import HealthAnalysis  # noqa: PLC0415
        from ..models.minimum_healthy_fleet_percent import MinimumHealthyFleetPercent  # noqa: PLC0415
        from ..models.minimum_healthy_host_count import MinimumHealthyHostCount  # noqa: PLC0415

        builtin = self.builtin

        minimum_healthy: dict[str, Any]
        if isinstance(self.minimum_healthy, MinimumHealthyHostCount):
            minimum_healthy = self.minimum_healthy.to_dict()
        elif isinstance(self.minimum_healthy, MinimumHealthyFleetPercent):
            minimum_healthy = self.minimum_healthy.to_dict()
        else:
            minimum_healthy = self.minimum_healthy.to_dict()

        name = self.name

        canary_batch_size: int | None | Unset
        if isinstance(self.canary_batch_size, Unset):
            canary_batch_size = UNSET
        else:
            canary_batch_size = self.canary_batch_size

        health_analysis: dict[str, Any] | None | Unset
        if isinstance(self.health_analysis, Unset):
            health_analysis = UNSET
        elif isinstance(self.health_analysis, HealthAnalysis):
            health_analysis = self.health_analysis.to_dict()
        else:
            health_analysis = self.health_analysis

        zone_bake_secs = self.zone_bake_secs

        zone_mode: str | Unset = UNSET
        if not isinstance(self.zone_mode, Unset):
            zone_mode = self.zone_mode.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "builtin": builtin,
                "minimum_healthy": minimum_healthy,
                "name": name,
            }
        )
        if canary_batch_size is not UNSET:
            field_dict["canary_batch_size"] = canary_batch_size
        if health_analysis is not UNSET:
            field_dict["health_analysis"] = health_analysis
        if zone_bake_secs is not UNSET:
            field_dict["zone_bake_secs"] = zone_bake_secs
        if zone_mode is not UNSET:
            field_dict["zone_mode"] = zone_mode

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.health_analysis import HealthAnalysis  # noqa: PLC0415
        from ..models.minimum_healthy_all_but_one import MinimumHealthyAllButOne  # noqa: PLC0415
        from ..models.minimum_healthy_fleet_percent import MinimumHealthyFleetPercent  # noqa: PLC0415
        from ..models.minimum_healthy_host_count import MinimumHealthyHostCount  # noqa: PLC0415

        d = dict(src_dict)
        builtin = d.pop("builtin")

        def _parse_minimum_healthy(
            data: object,
        ) -> MinimumHealthyAllButOne | MinimumHealthyFleetPercent | MinimumHealthyHostCount:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_minimum_healthy_minimum_healthy_host_count = MinimumHealthyHostCount.from_dict(data)

                return componentsschemas_minimum_healthy_minimum_healthy_host_count
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_minimum_healthy_minimum_healthy_fleet_percent = MinimumHealthyFleetPercent.from_dict(
                    data
                )

                return componentsschemas_minimum_healthy_minimum_healthy_fleet_percent
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            componentsschemas_minimum_healthy_minimum_healthy_all_but_one = MinimumHealthyAllButOne.from_dict(data)

            return componentsschemas_minimum_healthy_minimum_healthy_all_but_one

        minimum_healthy = _parse_minimum_healthy(d.pop("minimum_healthy"))

        name = d.pop("name")

        def _parse_canary_batch_size(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        canary_batch_size = _parse_canary_batch_size(d.pop("canary_batch_size", UNSET))

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

        zone_bake_secs = d.pop("zone_bake_secs", UNSET)

        _zone_mode = d.pop("zone_mode", UNSET)
        zone_mode: ZoneMode | Unset
        if isinstance(_zone_mode, Unset):
            zone_mode = UNSET
        else:
            zone_mode = ZoneMode(_zone_mode)

        deployment_config = cls(
            builtin=builtin,
            minimum_healthy=minimum_healthy,
            name=name,
            canary_batch_size=canary_batch_size,
            health_analysis=health_analysis,
            zone_bake_secs=zone_bake_secs,
            zone_mode=zone_mode,
        )

        deployment_config.additional_properties = d
        return deployment_config

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
