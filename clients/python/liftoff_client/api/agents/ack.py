from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.ack_response import AckResponse
from ...models.error_body import ErrorBody
from ...types import Response


def _get_kwargs(
    host: UUID,
    command: UUID,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/agents/{host}/commands/{command}/ack".format(
            host=quote(str(host), safe=""),
            command=quote(str(command), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> AckResponse | ErrorBody | None:
    if response.status_code == 200:
        response_200 = AckResponse.from_dict(response.json())

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
) -> Response[AckResponse | ErrorBody]:
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
) -> Response[AckResponse | ErrorBody]:
    """Acknowledges a command before running it; run it only if `proceed` is true.

    Args:
        host (UUID):
        command (UUID):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AckResponse | ErrorBody]
    """

    kwargs = _get_kwargs(
        host=host,
        command=command,
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
) -> AckResponse | ErrorBody | None:
    """Acknowledges a command before running it; run it only if `proceed` is true.

    Args:
        host (UUID):
        command (UUID):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AckResponse | ErrorBody
    """

    return sync_detailed(
        host=host,
        command=command,
        client=client,
    ).parsed


async def asyncio_detailed(
    host: UUID,
    command: UUID,
    *,
    client: AuthenticatedClient,
) -> Response[AckResponse | ErrorBody]:
    """Acknowledges a command before running it; run it only if `proceed` is true.

    Args:
        host (UUID):
        command (UUID):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AckResponse | ErrorBody]
    """

    kwargs = _get_kwargs(
        host=host,
        command=command,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    host: UUID,
    command: UUID,
    *,
    client: AuthenticatedClient,
) -> AckResponse | ErrorBody | None:
    """Acknowledges a command before running it; run it only if `proceed` is true.

    Args:
        host (UUID):
        command (UUID):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AckResponse | ErrorBody
    """

    return (
        await asyncio_detailed(
            host=host,
            command=command,
            client=client,
        )
    ).parsed
