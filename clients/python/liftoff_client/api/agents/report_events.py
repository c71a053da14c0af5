from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.command_state import CommandState
from ...models.error_body import ErrorBody
from ...models.event_report_batch import EventReportBatch
from ...types import Response


def _get_kwargs(
    host: UUID,
    command: UUID,
    *,
    body: EventReportBatch,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/agents/{host}/commands/{command}/event-batch".format(
            host=quote(str(host), safe=""),
            command=quote(str(command), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> CommandState | ErrorBody | None:
    if response.status_code == 200:
        response_200 = CommandState.from_dict(response.json())

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

    if response.status_code == 409:
        response_409 = ErrorBody.from_dict(response.json())

        return response_409

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


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[CommandState | ErrorBody]:
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
    body: EventReportBatch,
) -> Response[CommandState | ErrorBody]:
    """Reports several lifecycle events of one command at once (the end of one event with the
    start of the next), applied in order in one transaction: all of them or none.

    Args:
        host (UUID):
        command (UUID):
        body (EventReportBatch): Several event reports of one command, applied in order in one
            transaction, as if sent
            one after another: an agent sends the end of one event with the start of the next.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CommandState | ErrorBody]
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
    body: EventReportBatch,
) -> CommandState | ErrorBody | None:
    """Reports several lifecycle events of one command at once (the end of one event with the
    start of the next), applied in order in one transaction: all of them or none.

    Args:
        host (UUID):
        command (UUID):
        body (EventReportBatch): Several event reports of one command, applied in order in one
            transaction, as if sent
            one after another: an agent sends the end of one event with the start of the next.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CommandState | ErrorBody
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
    body: EventReportBatch,
) -> Response[CommandState | ErrorBody]:
    """Reports several lifecycle events of one command at once (the end of one event with the
    start of the next), applied in order in one transaction: all of them or none.

    Args:
        host (UUID):
        command (UUID):
        body (EventReportBatch): Several event reports of one command, applied in order in one
            transaction, as if sent
            one after another: an agent sends the end of one event with the start of the next.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CommandState | ErrorBody]
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
    body: EventReportBatch,
) -> CommandState | ErrorBody | None:
    """Reports several lifecycle events of one command at once (the end of one event with the
    start of the next), applied in order in one transaction: all of them or none.

    Args:
        host (UUID):
        command (UUID):
        body (EventReportBatch): Several event reports of one command, applied in order in one
            transaction, as if sent
            one after another: an agent sends the end of one event with the start of the next.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CommandState | ErrorBody
    """

    return (
        await asyncio_detailed(
            host=host,
            command=command,
            client=client,
            body=body,
        )
    ).parsed
