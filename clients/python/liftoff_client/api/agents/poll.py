from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.command_batch import CommandBatch
from ...models.error_body import ErrorBody
from ...types import UNSET, Response, Unset


def _get_kwargs(
    host: UUID,
    *,
    wait_secs: int | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["wait_secs"] = wait_secs

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/agents/{host}/commands".format(
            host=quote(str(host), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> CommandBatch | ErrorBody | None:
    if response.status_code == 200:
        response_200 = CommandBatch.from_dict(response.json())

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

    if response.status_code == 429:
        response_429 = ErrorBody.from_dict(response.json())

        return response_429

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[CommandBatch | ErrorBody]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    host: UUID,
    *,
    client: AuthenticatedClient,
    wait_secs: int | Unset = UNSET,
) -> Response[CommandBatch | ErrorBody]:
    """Long-polls for the host's commands. The answer's status and headers go at once (a poll is the
    host's heartbeat: `Liftoff-Heard: true` says the scheduler passes it on to the registry), the
    body when a command is ready or the wait ends. A credential revoked during the wait ends it
    with an empty answer; the next poll is refused with 401.

    Args:
        host (UUID):
        wait_secs (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CommandBatch | ErrorBody]
    """

    kwargs = _get_kwargs(
        host=host,
        wait_secs=wait_secs,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    host: UUID,
    *,
    client: AuthenticatedClient,
    wait_secs: int | Unset = UNSET,
) -> CommandBatch | ErrorBody | None:
    """Long-polls for the host's commands. The answer's status and headers go at once (a poll is the
    host's heartbeat: `Liftoff-Heard: true` says the scheduler passes it on to the registry), the
    body when a command is ready or the wait ends. A credential revoked during the wait ends it
    with an empty answer; the next poll is refused with 401.

    Args:
        host (UUID):
        wait_secs (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CommandBatch | ErrorBody
    """

    return sync_detailed(
        host=host,
        client=client,
        wait_secs=wait_secs,
    ).parsed


async def asyncio_detailed(
    host: UUID,
    *,
    client: AuthenticatedClient,
    wait_secs: int | Unset = UNSET,
) -> Response[CommandBatch | ErrorBody]:
    """Long-polls for the host's commands. The answer's status and headers go at once (a poll is the
    host's heartbeat: `Liftoff-Heard: true` says the scheduler passes it on to the registry), the
    body when a command is ready or the wait ends. A credential revoked during the wait ends it
    with an empty answer; the next poll is refused with 401.

    Args:
        host (UUID):
        wait_secs (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CommandBatch | ErrorBody]
    """

    kwargs = _get_kwargs(
        host=host,
        wait_secs=wait_secs,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    host: UUID,
    *,
    client: AuthenticatedClient,
    wait_secs: int | Unset = UNSET,
) -> CommandBatch | ErrorBody | None:
    """Long-polls for the host's commands. The answer's status and headers go at once (a poll is the
    host's heartbeat: `Liftoff-Heard: true` says the scheduler passes it on to the registry), the
    body when a command is ready or the wait ends. A credential revoked during the wait ends it
    with an empty answer; the next poll is refused with 401.

    Args:
        host (UUID):
        wait_secs (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CommandBatch | ErrorBody
    """

    return (
        await asyncio_detailed(
            host=host,
            client=client,
            wait_secs=wait_secs,
        )
    ).parsed
