from http import HTTPStatus
from typing import Any
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_body import ErrorBody
from ...models.host_revision_list import HostRevisionList
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    application: str | Unset = UNSET,
    revision_id: UUID | Unset = UNSET,
    host_id: UUID | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["application"] = application

    json_revision_id: str | Unset = UNSET
    if not isinstance(revision_id, Unset):
        json_revision_id = str(revision_id)
    params["revision_id"] = json_revision_id

    json_host_id: str | Unset = UNSET
    if not isinstance(host_id, Unset):
        json_host_id = str(host_id)
    params["host_id"] = json_host_id

    params["limit"] = limit

    params["cursor"] = cursor

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/history/hosts",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorBody | HostRevisionList | None:
    if response.status_code == 200:
        response_200 = HostRevisionList.from_dict(response.json())

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
) -> Response[ErrorBody | HostRevisionList]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    application: str | Unset = UNSET,
    revision_id: UUID | Unset = UNSET,
    host_id: UUID | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> Response[ErrorBody | HostRevisionList]:
    """Which revision of which application each host runs now, and since when (the time it
    started running that revision, kept across redeploys of the same revision). Ordered by
    application, then host.

    Args:
        application (str | Unset):
        revision_id (UUID | Unset):
        host_id (UUID | Unset):
        limit (int | Unset):
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | HostRevisionList]
    """

    kwargs = _get_kwargs(
        application=application,
        revision_id=revision_id,
        host_id=host_id,
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
    application: str | Unset = UNSET,
    revision_id: UUID | Unset = UNSET,
    host_id: UUID | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> ErrorBody | HostRevisionList | None:
    """Which revision of which application each host runs now, and since when (the time it
    started running that revision, kept across redeploys of the same revision). Ordered by
    application, then host.

    Args:
        application (str | Unset):
        revision_id (UUID | Unset):
        host_id (UUID | Unset):
        limit (int | Unset):
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | HostRevisionList
    """

    return sync_detailed(
        client=client,
        application=application,
        revision_id=revision_id,
        host_id=host_id,
        limit=limit,
        cursor=cursor,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    application: str | Unset = UNSET,
    revision_id: UUID | Unset = UNSET,
    host_id: UUID | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> Response[ErrorBody | HostRevisionList]:
    """Which revision of which application each host runs now, and since when (the time it
    started running that revision, kept across redeploys of the same revision). Ordered by
    application, then host.

    Args:
        application (str | Unset):
        revision_id (UUID | Unset):
        host_id (UUID | Unset):
        limit (int | Unset):
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | HostRevisionList]
    """

    kwargs = _get_kwargs(
        application=application,
        revision_id=revision_id,
        host_id=host_id,
        limit=limit,
        cursor=cursor,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    application: str | Unset = UNSET,
    revision_id: UUID | Unset = UNSET,
    host_id: UUID | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> ErrorBody | HostRevisionList | None:
    """Which revision of which application each host runs now, and since when (the time it
    started running that revision, kept across redeploys of the same revision). Ordered by
    application, then host.

    Args:
        application (str | Unset):
        revision_id (UUID | Unset):
        host_id (UUID | Unset):
        limit (int | Unset):
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | HostRevisionList
    """

    return (
        await asyncio_detailed(
            client=client,
            application=application,
            revision_id=revision_id,
            host_id=host_id,
            limit=limit,
            cursor=cursor,
        )
    ).parsed
