import datetime
from http import HTTPStatus
from typing import Any
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.audit_page import AuditPage
from ...models.error_body import ErrorBody
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    actor: str | Unset = UNSET,
    action: str | Unset = UNSET,
    application: str | Unset = UNSET,
    deployment_group: str | Unset = UNSET,
    deployment_id: UUID | Unset = UNSET,
    revision_id: UUID | Unset = UNSET,
    host_id: UUID | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,
    order: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["actor"] = actor

    params["action"] = action

    params["application"] = application

    params["deployment_group"] = deployment_group

    json_deployment_id: str | Unset = UNSET
    if not isinstance(deployment_id, Unset):
        json_deployment_id = str(deployment_id)
    params["deployment_id"] = json_deployment_id

    json_revision_id: str | Unset = UNSET
    if not isinstance(revision_id, Unset):
        json_revision_id = str(revision_id)
    params["revision_id"] = json_revision_id

    json_host_id: str | Unset = UNSET
    if not isinstance(host_id, Unset):
        json_host_id = str(host_id)
    params["host_id"] = json_host_id

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
        "url": "/v1/audit",
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> AuditPage | ErrorBody | None:
    if response.status_code == 200:
        response_200 = AuditPage.from_dict(response.json())

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
) -> Response[AuditPage | ErrorBody]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    actor: str | Unset = UNSET,
    action: str | Unset = UNSET,
    application: str | Unset = UNSET,
    deployment_group: str | Unset = UNSET,
    deployment_id: UUID | Unset = UNSET,
    revision_id: UUID | Unset = UNSET,
    host_id: UUID | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,
    order: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> Response[AuditPage | ErrorBody]:
    """Who (token subject and team) did what, when, to which object; the caller's team only.

    Args:
        actor (str | Unset):
        action (str | Unset):
        application (str | Unset):
        deployment_group (str | Unset):
        deployment_id (UUID | Unset):
        revision_id (UUID | Unset):
        host_id (UUID | Unset):
        since (datetime.datetime | Unset):
        until (datetime.datetime | Unset):
        order (str | Unset):
        limit (int | Unset):
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AuditPage | ErrorBody]
    """

    kwargs = _get_kwargs(
        actor=actor,
        action=action,
        application=application,
        deployment_group=deployment_group,
        deployment_id=deployment_id,
        revision_id=revision_id,
        host_id=host_id,
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
    actor: str | Unset = UNSET,
    action: str | Unset = UNSET,
    application: str | Unset = UNSET,
    deployment_group: str | Unset = UNSET,
    deployment_id: UUID | Unset = UNSET,
    revision_id: UUID | Unset = UNSET,
    host_id: UUID | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,
    order: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> AuditPage | ErrorBody | None:
    """Who (token subject and team) did what, when, to which object; the caller's team only.

    Args:
        actor (str | Unset):
        action (str | Unset):
        application (str | Unset):
        deployment_group (str | Unset):
        deployment_id (UUID | Unset):
        revision_id (UUID | Unset):
        host_id (UUID | Unset):
        since (datetime.datetime | Unset):
        until (datetime.datetime | Unset):
        order (str | Unset):
        limit (int | Unset):
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AuditPage | ErrorBody
    """

    return sync_detailed(
        client=client,
        actor=actor,
        action=action,
        application=application,
        deployment_group=deployment_group,
        deployment_id=deployment_id,
        revision_id=revision_id,
        host_id=host_id,
        since=since,
        until=until,
        order=order,
        limit=limit,
        cursor=cursor,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    actor: str | Unset = UNSET,
    action: str | Unset = UNSET,
    application: str | Unset = UNSET,
    deployment_group: str | Unset = UNSET,
    deployment_id: UUID | Unset = UNSET,
    revision_id: UUID | Unset = UNSET,
    host_id: UUID | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,
    order: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> Response[AuditPage | ErrorBody]:
    """Who (token subject and team) did what, when, to which object; the caller's team only.

    Args:
        actor (str | Unset):
        action (str | Unset):
        application (str | Unset):
        deployment_group (str | Unset):
        deployment_id (UUID | Unset):
        revision_id (UUID | Unset):
        host_id (UUID | Unset):
        since (datetime.datetime | Unset):
        until (datetime.datetime | Unset):
        order (str | Unset):
        limit (int | Unset):
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AuditPage | ErrorBody]
    """

    kwargs = _get_kwargs(
        actor=actor,
        action=action,
        application=application,
        deployment_group=deployment_group,
        deployment_id=deployment_id,
        revision_id=revision_id,
        host_id=host_id,
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
    actor: str | Unset = UNSET,
    action: str | Unset = UNSET,
    application: str | Unset = UNSET,
    deployment_group: str | Unset = UNSET,
    deployment_id: UUID | Unset = UNSET,
    revision_id: UUID | Unset = UNSET,
    host_id: UUID | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,
    order: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> AuditPage | ErrorBody | None:
    """Who (token subject and team) did what, when, to which object; the caller's team only.

    Args:
        actor (str | Unset):
        action (str | Unset):
        application (str | Unset):
        deployment_group (str | Unset):
        deployment_id (UUID | Unset):
        revision_id (UUID | Unset):
        host_id (UUID | Unset):
        since (datetime.datetime | Unset):
        until (datetime.datetime | Unset):
        order (str | Unset):
        limit (int | Unset):
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AuditPage | ErrorBody
    """

    return (
        await asyncio_detailed(
            client=client,
            actor=actor,
            action=action,
            application=application,
            deployment_group=deployment_group,
            deployment_id=deployment_id,
            revision_id=revision_id,
            host_id=host_id,
            since=since,
            until=until,
            order=order,
            limit=limit,
            cursor=cursor,
        )
    ).parsed
