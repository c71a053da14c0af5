from http import HTTPStatus
from typing import Any
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_body import ErrorBody
from ...models.host_list import HostList
from ...models.host_state import HostState
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    tag: list[str] | Unset = UNSET,
    zone: str | Unset = UNSET,
    state: HostState | Unset = UNSET,
    host: list[UUID] | Unset = UNSET,
    team: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_tag: list[str] | Unset = UNSET
    if not isinstance(tag, Unset):
        json_tag = tag

    params["tag"] = json_tag

    params["zone"] = zone

    json_state: str | Unset = UNSET
    if not isinstance(state, Unset):
        json_state = state.value

    params["state"] = json_state

    json_host: list[str] | Unset = UNSET
    if not isinstance(host, Unset):
        json_host = []
        for host_item_data in host:
            host_item = str(host_item_data)
            json_host.append(host_item)

    params["host"] = json_host

    params["team"] = team

    params["limit"] = limit

    params["cursor"] = cursor

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/hosts",
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> ErrorBody | HostList | None:
    if response.status_code == 200:
        response_200 = HostList.from_dict(response.json())

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
) -> Response[ErrorBody | HostList]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    tag: list[str] | Unset = UNSET,
    zone: str | Unset = UNSET,
    state: HostState | Unset = UNSET,
    host: list[UUID] | Unset = UNSET,
    team: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> Response[ErrorBody | HostList]:
    """Lists the caller's hosts, filtered by tags (a group's selector), zone, state and id.

    Args:
        tag (list[str] | Unset):
        zone (str | Unset):
        state (HostState | Unset):
        host (list[UUID] | Unset):
        team (str | Unset):
        limit (int | Unset):
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | HostList]
    """

    kwargs = _get_kwargs(
        tag=tag,
        zone=zone,
        state=state,
        host=host,
        team=team,
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
    tag: list[str] | Unset = UNSET,
    zone: str | Unset = UNSET,
    state: HostState | Unset = UNSET,
    host: list[UUID] | Unset = UNSET,
    team: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> ErrorBody | HostList | None:
    """Lists the caller's hosts, filtered by tags (a group's selector), zone, state and id.

    Args:
        tag (list[str] | Unset):
        zone (str | Unset):
        state (HostState | Unset):
        host (list[UUID] | Unset):
        team (str | Unset):
        limit (int | Unset):
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | HostList
    """

    return sync_detailed(
        client=client,
        tag=tag,
        zone=zone,
        state=state,
        host=host,
        team=team,
        limit=limit,
        cursor=cursor,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    tag: list[str] | Unset = UNSET,
    zone: str | Unset = UNSET,
    state: HostState | Unset = UNSET,
    host: list[UUID] | Unset = UNSET,
    team: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> Response[ErrorBody | HostList]:
    """Lists the caller's hosts, filtered by tags (a group's selector), zone, state and id.

    Args:
        tag (list[str] | Unset):
        zone (str | Unset):
        state (HostState | Unset):
        host (list[UUID] | Unset):
        team (str | Unset):
        limit (int | Unset):
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | HostList]
    """

    kwargs = _get_kwargs(
        tag=tag,
        zone=zone,
        state=state,
        host=host,
        team=team,
        limit=limit,
        cursor=cursor,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    tag: list[str] | Unset = UNSET,
    zone: str | Unset = UNSET,
    state: HostState | Unset = UNSET,
    host: list[UUID] | Unset = UNSET,
    team: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> ErrorBody | HostList | None:
    """Lists the caller's hosts, filtered by tags (a group's selector), zone, state and id.

    Args:
        tag (list[str] | Unset):
        zone (str | Unset):
        state (HostState | Unset):
        host (list[UUID] | Unset):
        team (str | Unset):
        limit (int | Unset):
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | HostList
    """

    return (
        await asyncio_detailed(
            client=client,
            tag=tag,
            zone=zone,
            state=state,
            host=host,
            team=team,
            limit=limit,
            cursor=cursor,
        )
    ).parsed
