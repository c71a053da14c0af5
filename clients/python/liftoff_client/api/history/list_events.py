import datetime
from http import HTTPStatus
from typing import Any
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_body import ErrorBody
from ...models.event_page import EventPage
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    deployment_id: UUID | Unset = UNSET,
    host_id: UUID | Unset = UNSET,
    application: str | Unset = UNSET,
    deployment_group: str | Unset = UNSET,
    revision_id: UUID | Unset = UNSET,
    event_type: str | Unset = UNSET,
    source: str | Unset = UNSET,
    actor: str | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,
    order: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_deployment_id: str | Unset = UNSET
    if not isinstance(deployment_id, Unset):
        json_deployment_id = str(deployment_id)
    params["deployment_id"] = json_deployment_id

    json_host_id: str | Unset = UNSET
    if not isinstance(host_id, Unset):
        json_host_id = str(host_id)
    params["host_id"] = json_host_id

    params["application"] = application

    params["deployment_group"] = deployment_group

    json_revision_id: str | Unset = UNSET
    if not isinstance(revision_id, Unset):
        json_revision_id = str(revision_id)
    params["revision_id"] = json_revision_id

    params["event_type"] = event_type

    params["source"] = source

    params["actor"] = actor

    json_since: str | Unset = UNSET
    if not isinstance(since, Unset):
        json_since = since.isoformat()
    params["since"] = json_since

    json_until: str | Unset = UNSET
    if not isinstance(until, Unset):
        json_until = until.isoformat()
    params["until"] = json_until

    params["order"] = order

    params["limit"] = limit

    params["cursor"] = cursor

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/events",
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> ErrorBody | EventPage | None:
    if response.status_code == 200:
        response_200 = EventPage.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ErrorBody.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorBody.from_dict(response.json())

        return response_401

    if response.status_code == 429:
        response_429 = ErrorBody.from_dict(response.json())

        return response_429

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ErrorBody | EventPage]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    deployment_id: UUID | Unset = UNSET,
    host_id: UUID | Unset = UNSET,
    application: str | Unset = UNSET,
    deployment_group: str | Unset = UNSET,
    revision_id: UUID | Unset = UNSET,
    event_type: str | Unset = UNSET,
    source: str | Unset = UNSET,
    actor: str | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,
    order: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> Response[ErrorBody | EventPage]:
    """Events visible to the caller's team, filtered, in log order (`seq`), with cursor pagination.
    A page once read never gains an event later: appends are serialized, so `seq` order is
    commit order.

    Args:
        deployment_id (UUID | Unset):
        host_id (UUID | Unset):
        application (str | Unset):
        deployment_group (str | Unset):
        revision_id (UUID | Unset):
        event_type (str | Unset):
        source (str | Unset):
        actor (str | Unset):
        since (datetime.datetime | Unset):
        until (datetime.datetime | Unset):
        order (str | Unset):
        limit (int | Unset):
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | EventPage]
    """

    kwargs = _get_kwargs(
        deployment_id=deployment_id,
        host_id=host_id,
        application=application,
        deployment_group=deployment_group,
        revision_id=revision_id,
        event_type=event_type,
        source=source,
        actor=actor,
        since=since,
        until=until,
        order=order,
        limit=limit,
        cursor=cursor,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    deployment_id: UUID | Unset = UNSET,
    host_id: UUID | Unset = UNSET,
    application: str | Unset = UNSET,
    deployment_group: str | Unset = UNSET,
    revision_id: UUID | Unset = UNSET,
    event_type: str | Unset = UNSET,
    source: str | Unset = UNSET,
    actor: str | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,
    order: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> ErrorBody | EventPage | None:
    """Events visible to the caller's team, filtered, in log order (`seq`), with cursor pagination.
    A page once read never gains an event later: appends are serialized, so `seq` order is
    commit order.

    Args:
        deployment_id (UUID | Unset):
        host_id (UUID | Unset):
        application (str | Unset):
        deployment_group (str | Unset):
        revision_id (UUID | Unset):
        event_type (str | Unset):
        source (str | Unset):
        actor (str | Unset):
        since (datetime.datetime | Unset):
        until (datetime.datetime | Unset):
        order (str | Unset):
        limit (int | Unset):
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | EventPage
    """

    return sync_detailed(
        client=client,
        deployment_id=deployment_id,
        host_id=host_id,
        application=application,
        deployment_group=deployment_group,
        revision_id=revision_id,
        event_type=event_type,
        source=source,
        actor=actor,
        since=since,
        until=until,
        order=order,
        limit=limit,
        cursor=cursor,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    deployment_id: UUID | Unset = UNSET,
    host_id: UUID | Unset = UNSET,
    application: str | Unset = UNSET,
    deployment_group: str | Unset = UNSET,
    revision_id: UUID | Unset = UNSET,
    event_type: str | Unset = UNSET,
    source: str | Unset = UNSET,
    actor: str | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,
    order: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> Response[ErrorBody | EventPage]:
    """Events visible to the caller's team, filtered, in log order (`seq`), with cursor pagination.
    A page once read never gains an event later: appends are serialized, so `seq` order is
    commit order.

    Args:
        deployment_id (UUID | Unset):
        host_id (UUID | Unset):
        application (str | Unset):
        deployment_group (str | Unset):
        revision_id (UUID | Unset):
        event_type (str | Unset):
        source (str | Unset):
        actor (str | Unset):
        since (datetime.datetime | Unset):
        until (datetime.datetime | Unset):
        order (str | Unset):
        limit (int | Unset):
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | EventPage]
    """

    kwargs = _get_kwargs(
        deployment_id=deployment_id,
        host_id=host_id,
        application=application,
        deployment_group=deployment_group,
        revision_id=revision_id,
        event_type=event_type,
        source=source,
        actor=actor,
        since=since,
        until=until,
        order=order,
        limit=limit,
        cursor=cursor,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    deployment_id: UUID | Unset = UNSET,
    host_id: UUID | Unset = UNSET,
    application: str | Unset = UNSET,
    deployment_group: str | Unset = UNSET,
    revision_id: UUID | Unset = UNSET,
    event_type: str | Unset = UNSET,
    source: str | Unset = UNSET,
    actor: str | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,
    order: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> ErrorBody | EventPage | None:
    """Events visible to the caller's team, filtered, in log order (`seq`), with cursor pagination.
    A page once read never gains an event later: appends are serialized, so `seq` order is
    commit order.

    Args:
        deployment_id (UUID | Unset):
        host_id (UUID | Unset):
        application (str | Unset):
        deployment_group (str | Unset):
        revision_id (UUID | Unset):
        event_type (str | Unset):
        source (str | Unset):
        actor (str | Unset):
        since (datetime.datetime | Unset):
        until (datetime.datetime | Unset):
        order (str | Unset):
        limit (int | Unset):
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | EventPage
    """

    return (
        await asyncio_detailed(
            client=client,
            deployment_id=deployment_id,
            host_id=host_id,
            application=application,
            deployment_group=deployment_group,
            revision_id=revision_id,
            event_type=event_type,
            source=source,
            actor=actor,
            since=since,
            until=until,
            order=order,
            limit=limit,
            cursor=cursor,
        )
    ).parsed
