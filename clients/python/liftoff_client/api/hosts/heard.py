from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_body import ErrorBody
from ...models.heard_feed import HeardFeed
from ...models.heard_feed_response import HeardFeedResponse
from ...types import Response


def _get_kwargs(
    *,
    body: HeardFeed,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/hosts/heard",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorBody | HeardFeedResponse | None:
    if response.status_code == 200:
        response_200 = HeardFeedResponse.from_dict(response.json())

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
) -> Response[ErrorBody | HeardFeedResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: HeardFeed,
) -> Response[ErrorBody | HeardFeedResponse]:
    """The hosts whose long polls a scheduler replica received (service credential): each counts
    as a heartbeat of its host. Answers the heartbeat cadence and the hosts that should
    heartbeat now (the registry has a scale-in request for them).

    Args:
        body (HeardFeed): The hosts whose long polls a scheduler replica received since its last
            feed (service
            credential): each counts as a heartbeat of its host, heard `age_ms` before the feed
            arrived.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | HeardFeedResponse]
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
    body: HeardFeed,
) -> ErrorBody | HeardFeedResponse | None:
    """The hosts whose long polls a scheduler replica received (service credential): each counts
    as a heartbeat of its host. Answers the heartbeat cadence and the hosts that should
    heartbeat now (the registry has a scale-in request for them).

    Args:
        body (HeardFeed): The hosts whose long polls a scheduler replica received since its last
            feed (service
            credential): each counts as a heartbeat of its host, heard `age_ms` before the feed
            arrived.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | HeardFeedResponse
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: HeardFeed,
) -> Response[ErrorBody | HeardFeedResponse]:
    """The hosts whose long polls a scheduler replica received (service credential): each counts
    as a heartbeat of its host. Answers the heartbeat cadence and the hosts that should
    heartbeat now (the registry has a scale-in request for them).

    Args:
        body (HeardFeed): The hosts whose long polls a scheduler replica received since its last
            feed (service
            credential): each counts as a heartbeat of its host, heard `age_ms` before the feed
            arrived.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | HeardFeedResponse]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: HeardFeed,
) -> ErrorBody | HeardFeedResponse | None:
    """The hosts whose long polls a scheduler replica received (service credential): each counts
    as a heartbeat of its host. Answers the heartbeat cadence and the hosts that should
    heartbeat now (the registry has a scale-in request for them).

    Args:
        body (HeardFeed): The hosts whose long polls a scheduler replica received since its last
            feed (service
            credential): each counts as a heartbeat of its host, heard `age_ms` before the feed
            arrived.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | HeardFeedResponse
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
