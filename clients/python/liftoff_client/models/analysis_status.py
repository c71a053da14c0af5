from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.analysis_state import AnalysisState

if TYPE_CHECKING:
    from ..models.measurement import Measurement


T = TypeVar("T", bound="AnalysisStatus")


@_attrs_define
class AnalysisStatus:
    """A deployment's analysis as its status shows it.

    Attributes:
        failed (int):
        failure_limit (int):
        inconclusive (int):
        inconclusive_limit (int):
        measurements (list[Measurement]): The latest measurements, newest first (at most 10).
        passed (int):
        query (str):
        state (AnalysisState):
    """

    failed: int
    failure_limit: int
    inconclusive: int
    inconclusive_limit: int
    measurements: list[Measurement]
    passed: int
    query: str
    state: AnalysisState
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        failed = self.failed

        failure_limit = self.failure_limit

        inconclusive = self.inconclusive

        inconclusive_limit = self.inconclusive_limit

        measurements = []
        for measurements_item_data in self.measurements:
            measurements_item = measurements_item_data.to_dict()
            measurements.append(measurements_item)

        passed = self.passed

        query = self.query

        state = self.state.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "failed": failed,
                "failure_limit": failure_limit,
                "inconclusive": inconclusive,
                "inconclusive_limit": inconclusive_limit,
                "measurements": measurements,
                "passed": passed,
                "query": query,
                "state": state,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.measurement import Measurement  # noqa: PLC0415

        d = dict(src_dict)
        failed = d.pop("failed")

        failure_limit = d.pop("failure_limit")

        inconclusive = d.pop("inconclusive")

        inconclusive_limit = d.pop("inconclusive_limit")

        measurements = []
        _measurements = d.pop("measurements")
        for measurements_item_data in _measurements:
            measurements_item = Measurement.from_dict(measurements_item_data)

            measurements.append(measurements_item)

        passed = d.pop("passed")

        query = d.pop("query")

        state = AnalysisState(d.pop("state"))

        analysis_status = cls(
            failed=failed,
            failure_limit=failure_limit,
            inconclusive=inconclusive,
            inconclusive_limit=inconclusive_limit,
            measurements=measurements,
            passed=passed,
            query=query,
            state=state,
        )

        analysis_status.additional_properties = d
        return analysis_status

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
