from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_body import ErrorBody
from ...models.hook_log_batch import HookLogBatch
from ...types import Response


def _get_kwargs(
    host: UUID,
    command: UUID,
    *,
    body: HookLogBatch,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "put",
        "url": "/v1/history/hosts/{host}/commands/{command}/logs".format(
            host=quote(str(host), safe=""),
            command=quote(str(command), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Any | ErrorBody | None:
    if response.status_code == 204:
        response_204 = cast(Any, None)
        return response_204

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
    host: UUID,
    command: UUID,
    *,
    client: AuthenticatedClient,
    body: HookLogBatch,
) -> Response[Any | ErrorBody]:
    """The agent of `host` stores the outputs of several lifecycle events of `command` at once,
    in one transaction (host credential; another host's command is a 403). Each event's log
    replaces any stored before. The outputs together are at most 1 MiB; larger ones go alone
    (to this route or the per-event one).

    Args:
        host (UUID):
        command (UUID):
        body (HookLogBatch): An agent's upload of the outputs of several lifecycle events of one
            command, stored in
            one transaction: the outputs together at most `HOOK_LOG_CAP_BYTES` (larger ones go alone).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | ErrorBody]
    """

    kwargs = _get_kwargs(
        host=host,
        command=command,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    host: UUID,
    command: UUID,
    *,
    client: AuthenticatedClient,
    body: HookLogBatch,
) -> Any | ErrorBody | None:
    """The agent of `host` stores the outputs of several lifecycle events of `command` at once,
    in one transaction (host credential; another host's command is a 403). Each event's log
    replaces any stored before. The outputs together are at most 1 MiB; larger ones go alone
    (to this route or the per-event one).

    Args:
        host (UUID):
        command (UUID):
        body (HookLogBatch): An agent's upload of the outputs of several lifecycle events of one
            command, stored in
            one transaction: the outputs together at most `HOOK_LOG_CAP_BYTES` (larger ones go alone).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | ErrorBody
    """

    return sync_detailed(
        host=host,
        command=command,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    host: UUID,
    command: UUID,
    *,
    client: AuthenticatedClient,
    body: HookLogBatch,
) -> Response[Any | ErrorBody]:
    """The agent of `host` stores the outputs of several lifecycle events of `command` at once,
    in one transaction (host credential; another host's command is a 403). Each event's log
    replaces any stored before. The outputs together are at most 1 MiB; larger ones go alone
    (to this route or the per-event one).

    Args:
        host (UUID):
        command (UUID):
        body (HookLogBatch): An agent's upload of the outputs of several lifecycle events of one
            command, stored in
            one transaction: the outputs together at most `HOOK_LOG_CAP_BYTES` (larger ones go alone).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | ErrorBody]
    """

    kwargs = _get_kwargs(
        host=host,
        command=command,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    host: UUID,
    command: UUID,
    *,
    client: AuthenticatedClient,
    body: HookLogBatch,
) -> Any | ErrorBody | None:
    """The agent of `host` stores the outputs of several lifecycle events of `command` at once,
    in one transaction (host credential; another host's command is a 403). Each event's log
    replaces any stored before. The outputs together are at most 1 MiB; larger ones go alone
    (to this route or the per-event one).

    Args:
        host (UUID):
        command (UUID):
        body (HookLogBatch): An agent's upload of the outputs of several lifecycle events of one
            command, stored in
            one transaction: the outputs together at most `HOOK_LOG_CAP_BYTES` (larger ones go alone).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | ErrorBody
    """

    return (
        await asyncio_detailed(
            host=host,
            command=command,
            client=client,
            body=body,
        )
    ).parsed
