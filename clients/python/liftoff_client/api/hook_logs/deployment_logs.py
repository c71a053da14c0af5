from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_body import ErrorBody
from ...models.hook_log_page import HookLogPage
from ...types import UNSET, Response, Unset


def _get_kwargs(
    deployment: UUID,
    *,
    host_id: UUID | Unset = UNSET,
    event: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_host_id: str | Unset = UNSET
    if not isinstance(host_id, Unset):
        json_host_id = str(host_id)
    params["host_id"] = json_host_id

    params["event"] = event

    params["limit"] = limit

    params["cursor"] = cursor

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/history/deployments/{deployment}/logs".format(
            deployment=quote(str(deployment), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorBody | HookLogPage | None:
    if response.status_code == 200:
        response_200 = HookLogPage.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ErrorBody.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorBody.from_dict(response.json())

        return response_401

    if response.status_code == 404:
        response_404 = ErrorBody.from_dict(response.json())

        return response_404

    if response.status_code == 429:
        response_429 = ErrorBody.from_dict(response.json())

        return response_429

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ErrorBody | HookLogPage]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    deployment: UUID,
    *,
    client: AuthenticatedClient,
    host_id: UUID | Unset = UNSET,
    event: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> Response[ErrorBody | HookLogPage]:
    """The full hook output of each host × event of a deployment, in upload order, each with
    its size, the size on the host, and whether it was cut at the cap.

    Args:
        deployment (UUID):
        host_id (UUID | Unset):
        event (str | Unset):
        limit (int | Unset):
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | HookLogPage]
    """

    kwargs = _get_kwargs(
        deployment=deployment,
        host_id=host_id,
        event=event,
        limit=limit,
        cursor=cursor,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    deployment: UUID,
    *,
    client: AuthenticatedClient,
    host_id: UUID | Unset = UNSET,
    event: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> ErrorBody | HookLogPage | None:
    """The full hook output of each host × event of a deployment, in upload order, each with
    its size, the size on the host, and whether it was cut at the cap.

    Args:
        deployment (UUID):
        host_id (UUID | Unset):
        event (str | Unset):
        limit (int | Unset):
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | HookLogPage
    """

    return sync_detailed(
        deployment=deployment,
        client=client,
        host_id=host_id,
        event=event,
        limit=limit,
        cursor=cursor,
    ).parsed


async def asyncio_detailed(
    deployment: UUID,
    *,
    client: AuthenticatedClient,
    host_id: UUID | Unset = UNSET,
    event: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> Response[ErrorBody | HookLogPage]:
    """The full hook output of each host × event of a deployment, in upload order, each with
    its size, the size on the host, and whether it was cut at the cap.

    Args:
        deployment (UUID):
        host_id (UUID | Unset):
        event (str | Unset):
        limit (int | Unset):
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | HookLogPage]
    """

    kwargs = _get_kwargs(
        deployment=deployment,
        host_id=host_id,
        event=event,
        limit=limit,
        cursor=cursor,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    deployment: UUID,
    *,
    client: AuthenticatedClient,
    host_id: UUID | Unset = UNSET,
    event: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> ErrorBody | HookLogPage | None:
    """The full hook output of each host × event of a deployment, in upload order, each with
    its size, the size on the host, and whether it was cut at the cap.

    Args:
        deployment (UUID):
        host_id (UUID | Unset):
        event (str | Unset):
        limit (int | Unset):
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | HookLogPage
    """

    return (
        await asyncio_detailed(
            deployment=deployment,
            client=client,
            host_id=host_id,
            event=event,
            limit=limit,
            cursor=cursor,
        )
    ).parsed
