from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="HealthAnalysis")


@_attrs_define
class HealthAnalysis:
    """A group's health analysis.

    Attributes:
        prometheus_url (str): Prometheus base URL (`http://prometheus:9090`); the same outgoing-URL rules as
            revision URLs and webhooks apply (`--url-allow` opens private blocks).
        query (str): PromQL instant-vector condition: any series in the result is a breach.
        bake_secs (int | Unset): Seconds the analysis runs after each batch finishes before the next starts, and after
            the last one before the deployment succeeds (0 to 86400; default 60).
        failure_limit (int | Unset): Failed measurements that stop the deployment (1 to 100; default 1).
        inconclusive_limit (int | Unset): Inconclusive measurements that stop the deployment (1 to 100; default 3).
        interval_secs (int | Unset): Seconds between measurements (1 to 3600; default 30).
    """

    prometheus_url: str
    query: str
    bake_secs: int | Unset = UNSET
    failure_limit: int | Unset = UNSET
    inconclusive_limit: int | Unset = UNSET
    interval_secs: int | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        prometheus_url = self.prometheus_url

        query = self.query

        bake_secs = self.bake_secs

        failure_limit = self.failure_limit

        inconclusive_limit = self.inconclusive_limit

        interval_secs = self.interval_secs

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "prometheus_url": prometheus_url,
                "query": query,
            }
        )
        if bake_secs is not UNSET:
            field_dict["bake_secs"] = bake_secs
        if failure_limit is not UNSET:
            field_dict["failure_limit"] = failure_limit
        if inconclusive_limit is not UNSET:
            field_dict["inconclusive_limit"] = inconclusive_limit
        if interval_secs is not UNSET:
            field_dict["interval_secs"] = interval_secs

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        prometheus_url = d.pop("prometheus_url")

        query = d.pop("query")

        bake_secs = d.pop("bake_secs", UNSET)

        failure_limit = d.pop("failure_limit", UNSET)

        inconclusive_limit = d.pop("inconclusive_limit", UNSET)

        interval_secs = d.pop("interval_secs", UNSET)

        health_analysis = cls(
            prometheus_url=prometheus_url,
            query=query,
            bake_secs=bake_secs,
            failure_limit=failure_limit,
            inconclusive_limit=inconclusive_limit,
            interval_secs=interval_secs,
        )

        return health_analysis
