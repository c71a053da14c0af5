from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_body import ErrorBody
from ...types import UNSET, Response, Unset


def _get_kwargs(
    id: UUID,
    *,
    events: bool | Unset = UNSET,
    hosts: bool | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["events"] = events

    params["hosts"] = hosts

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/deployments/{id}/stream".format(
            id=quote(str(id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> ErrorBody | str | None:
    if response.status_code == 200:
        response_200 = response.text
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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[ErrorBody | str]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    id: UUID,
    *,
    client: AuthenticatedClient,
    events: bool | Unset = UNSET,
    hosts: bool | Unset = UNSET,
) -> Response[ErrorBody | str]:
    """A deployment's changes, live: one `deployment` event now, then one per change of its state
    or per-host progress. Ends when the deployment is terminal, or after at most 30 s (reconnect
    for more).

    Args:
        id (UUID):
        events (bool | Unset):
        hosts (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | str]
    """

    kwargs = _get_kwargs(
        id=id,
        events=events,
        hosts=hosts,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    id: UUID,
    *,
    client: AuthenticatedClient,
    events: bool | Unset = UNSET,
    hosts: bool | Unset = UNSET,
) -> ErrorBody | str | None:
    """A deployment's changes, live: one `deployment` event now, then one per change of its state
    or per-host progress. Ends when the deployment is terminal, or after at most 30 s (reconnect
    for more).

    Args:
        id (UUID):
        events (bool | Unset):
        hosts (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | str
    """

    return sync_detailed(
        id=id,
        client=client,
        events=events,
        hosts=hosts,
    ).parsed


async def asyncio_detailed(
    id: UUID,
    *,
    client: AuthenticatedClient,
    events: bool | Unset = UNSET,
    hosts: bool | Unset = UNSET,
) -> Response[ErrorBody | str]:
    """A deployment's changes, live: one `deployment` event now, then one per change of its state
    or per-host progress. Ends when the deployment is terminal, or after at most 30 s (reconnect
    for more).

    Args:
        id (UUID):
        events (bool | Unset):
        hosts (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | str]
    """

    kwargs = _get_kwargs(
        id=id,
        events=events,
        hosts=hosts,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    id: UUID,
    *,
    client: AuthenticatedClient,
    events: bool | Unset = UNSET,
    hosts: bool | Unset = UNSET,
) -> ErrorBody | str | None:
    """A deployment's changes, live: one `deployment` event now, then one per change of its state
    or per-host progress. Ends when the deployment is terminal, or after at most 30 s (reconnect
    for more).

    Args:
        id (UUID):
        events (bool | Unset):
        hosts (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | str
    """

    return (
        await asyncio_detailed(
            id=id,
            client=client,
            events=events,
            hosts=hosts,
        )
    ).parsed
