from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="CreateWebhook")


@_attrs_define
class CreateWebhook:
    """`POST /v1/webhooks`.

    Attributes:
        events (list[str]): Exact event types (`deployment.succeeded`), families (`deployment.*`) or `*`.
        url (str): Where events are POSTed: http or https, subject to the same address rules as revision
            URLs (`--url-allow` opens blocks).
        application (None | str | Unset): Only events of this application.
        deployment_group (None | str | Unset): Only events of this deployment group.
    """

    events: list[str]
    url: str
    application: None | str | Unset = UNSET
    deployment_group: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        events = self.events

        url = self.url

        application: None | str | Unset
        if isinstance(self.application, Unset):
            application = UNSET
        else:
            application = self.application

        deployment_group: None | str | Unset
        if isinstance(self.deployment_group, Unset):
            deployment_group = UNSET
        else:
            deployment_group = self.deployment_group

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "events": events,
                "url": url,
            }
        )
        if application is not UNSET:
            field_dict["application"] = application
        if deployment_group is not UNSET:
            field_dict["deployment_group"] = deployment_group

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        events = cast(list[str], d.pop("events"))

        url = d.pop("url")

        def _parse_application(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        application = _parse_application(d.pop("application", UNSET))

        def _parse_deployment_group(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        deployment_group = _parse_deployment_group(d.pop("deployment_group", UNSET))

        create_webhook = cls(
            events=events,
            url=url,
            application=application,
            deployment_group=deployment_group,
        )

        return create_webhook
