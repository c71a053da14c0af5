from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.create_freeze import CreateFreeze
from ...models.error_body import ErrorBody
from ...models.freeze import Freeze
from ...types import Response


def _get_kwargs(
    *,
    body: CreateFreeze,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/freezes",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> ErrorBody | Freeze | None:
    if response.status_code == 201:
        response_201 = Freeze.from_dict(response.json())

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[ErrorBody | Freeze]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: CreateFreeze,
) -> Response[ErrorBody | Freeze]:
    """Freezes deployments (deployer) of the team, or of one application, until a time: they are
    refused (409 `frozen`) unless an admin overrides with a written reason.

    Args:
        body (CreateFreeze): `POST /v1/freezes`: no deployment of the team (or of one application)
            starts until
            `until`, unless an admin overrides it with a written reason.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | Freeze]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: CreateFreeze,
) -> ErrorBody | Freeze | None:
    """Freezes deployments (deployer) of the team, or of one application, until a time: they are
    refused (409 `frozen`) unless an admin overrides with a written reason.

    Args:
        body (CreateFreeze): `POST /v1/freezes`: no deployment of the team (or of one application)
            starts until
            `until`, unless an admin overrides it with a written reason.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | Freeze
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: CreateFreeze,
) -> Response[ErrorBody | Freeze]:
    """Freezes deployments (deployer) of the team, or of one application, until a time: they are
    refused (409 `frozen`) unless an admin overrides with a written reason.

    Args:
        body (CreateFreeze): `POST /v1/freezes`: no deployment of the team (or of one application)
            starts until
            `until`, unless an admin overrides it with a written reason.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | Freeze]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: CreateFreeze,
) -> ErrorBody | Freeze | None:
    """Freezes deployments (deployer) of the team, or of one application, until a time: they are
    refused (409 `frozen`) unless an admin overrides with a written reason.

    Args:
        body (CreateFreeze): `POST /v1/freezes`: no deployment of the team (or of one application)
            starts until
            `until`, unless an admin overrides it with a written reason.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | Freeze
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
