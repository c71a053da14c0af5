from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_body import ErrorBody
from ...models.host_command_result import HostCommandResult
from ...types import Response


def _get_kwargs(
    id: UUID,
    command: UUID,
    *,
    body: HostCommandResult,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/hosts/{id}/commands/{command}/result".format(
            id=quote(str(id), safe=""),
            command=quote(str(command), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Any | ErrorBody | None:
    if response.status_code == 200:
        response_200 = cast(Any, None)
        return response_200

    if response.status_code == 400:
        response_400 = ErrorBody.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorBody.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = ErrorBody.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = ErrorBody.from_dict(response.json())

        return response_404

    if response.status_code == 413:
        response_413 = ErrorBody.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = ErrorBody.from_dict(response.json())

        return response_415

    if response.status_code == 429:
        response_429 = ErrorBody.from_dict(response.json())

        return response_429

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Any | ErrorBody]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    id: UUID,
    command: UUID,
    *,
    client: AuthenticatedClient,
    body: HostCommandResult,
) -> Response[Any | ErrorBody]:
    """The agent's answer to a command it got with a heartbeat (host credential of that host).

    Args:
        id (UUID):
        command (UUID):
        body (HostCommandResult): The agent's answer to a [`HostCommand`].

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | ErrorBody]
    """

    kwargs = _get_kwargs(
        id=id,
        command=command,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    id: UUID,
    command: UUID,
    *,
    client: AuthenticatedClient,
    body: HostCommandResult,
) -> Any | ErrorBody | None:
    """The agent's answer to a command it got with a heartbeat (host credential of that host).

    Args:
        id (UUID):
        command (UUID):
        body (HostCommandResult): The agent's answer to a [`HostCommand`].

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | ErrorBody
    """

    return sync_detailed(
        id=id,
        command=command,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    id: UUID,
    command: UUID,
    *,
    client: AuthenticatedClient,
    body: HostCommandResult,
) -> Response[Any | ErrorBody]:
    """The agent's answer to a command it got with a heartbeat (host credential of that host).

    Args:
        id (UUID):
        command (UUID):
        body (HostCommandResult): The agent's answer to a [`HostCommand`].

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | ErrorBody]
    """

    kwargs = _get_kwargs(
        id=id,
        command=command,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    id: UUID,
    command: UUID,
    *,
    client: AuthenticatedClient,
    body: HostCommandResult,
) -> Any | ErrorBody | None:
    """The agent's answer to a command it got with a heartbeat (host credential of that host).

    Args:
        id (UUID):
        command (UUID):
        body (HostCommandResult): The agent's answer to a [`HostCommand`].

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | ErrorBody
    """

    return (
        await asyncio_detailed(
            id=id,
            command=command,
            client=client,
            body=body,
        )
    ).parsed
