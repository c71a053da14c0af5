from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.create_pin import CreatePin
from ...models.error_body import ErrorBody
from ...models.pin import Pin
from ...types import Response


def _get_kwargs(
    revision: UUID,
    *,
    body: CreatePin,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "put",
        "url": "/v1/history/pins/{revision}".format(
            revision=quote(str(revision), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> ErrorBody | Pin | None:
    if response.status_code == 200:
        response_200 = Pin.from_dict(response.json())

        return response_200

    if response.status_code == 201:
        response_201 = Pin.from_dict(response.json())

        return response_201

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[ErrorBody | Pin]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    revision: UUID,
    *,
    client: AuthenticatedClient,
    body: CreatePin,
) -> Response[ErrorBody | Pin]:
    """Keeps revision `r`'s record (events, spans, hook logs) past retention (deployer).
    201 when pinned now, 200 when it already was.

    Args:
        revision (UUID):
        body (CreatePin):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | Pin]
    """

    kwargs = _get_kwargs(
        revision=revision,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    revision: UUID,
    *,
    client: AuthenticatedClient,
    body: CreatePin,
) -> ErrorBody | Pin | None:
    """Keeps revision `r`'s record (events, spans, hook logs) past retention (deployer).
    201 when pinned now, 200 when it already was.

    Args:
        revision (UUID):
        body (CreatePin):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | Pin
    """

    return sync_detailed(
        revision=revision,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    revision: UUID,
    *,
    client: AuthenticatedClient,
    body: CreatePin,
) -> Response[ErrorBody | Pin]:
    """Keeps revision `r`'s record (events, spans, hook logs) past retention (deployer).
    201 when pinned now, 200 when it already was.

    Args:
        revision (UUID):
        body (CreatePin):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | Pin]
    """

    kwargs = _get_kwargs(
        revision=revision,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    revision: UUID,
    *,
    client: AuthenticatedClient,
    body: CreatePin,
) -> ErrorBody | Pin | None:
    """Keeps revision `r`'s record (events, spans, hook logs) past retention (deployer).
    201 when pinned now, 200 when it already was.

    Args:
        revision (UUID):
        body (CreatePin):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | Pin
    """

    return (
        await asyncio_detailed(
            revision=revision,
            client=client,
            body=body,
        )
    ).parsed
