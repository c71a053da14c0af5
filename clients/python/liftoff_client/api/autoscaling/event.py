from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.autoscaling_event import AutoscalingEvent
from ...models.autoscaling_event_accepted import AutoscalingEventAccepted
from ...models.error_body import ErrorBody
from ...types import Response


def _get_kwargs(
    *,
    body: AutoscalingEvent,
    x_liftoff_timestamp: int,
    x_liftoff_signature: str,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    headers["X-Liftoff-Timestamp"] = str(x_liftoff_timestamp)

    headers["X-Liftoff-Signature"] = x_liftoff_signature

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/autoscaling/events",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> AutoscalingEventAccepted | ErrorBody | None:
    if response.status_code == 200:
        response_200 = AutoscalingEventAccepted.from_dict(response.json())

        return response_200

    if response.status_code == 202:
        response_202 = AutoscalingEventAccepted.from_dict(response.json())

        return response_202

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

    if response.status_code == 422:
        response_422 = ErrorBody.from_dict(response.json())

        return response_422

    if response.status_code == 429:
        response_429 = ErrorBody.from_dict(response.json())

        return response_429

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[AutoscalingEventAccepted | ErrorBody]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: AutoscalingEvent,
    x_liftoff_timestamp: int,
    x_liftoff_signature: str,
) -> Response[AutoscalingEventAccepted | ErrorBody]:
    """Accepts a scale-out or scale-in event: the generic shape (`AutoscalingEvent`) or an
    EventBridge "EC2 Instance-launch/terminate Lifecycle Action" event as it is. Signed with
    `X-Liftoff-Signature: v1=<hex HMAC-SHA256 of "{timestamp}.{raw body}">` and
    `X-Liftoff-Timestamp: <unix seconds>` (5 minutes tolerance). A repeated event id answers
    200 with `duplicate: true` and does nothing.

    Args:
        x_liftoff_timestamp (int):
        x_liftoff_signature (str):
        body (AutoscalingEvent): The generic event shape (EventBridge "EC2 Instance-
            launch/terminate Lifecycle Action"
            events are accepted as they are, too).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AutoscalingEventAccepted | ErrorBody]
    """

    kwargs = _get_kwargs(
        body=body,
        x_liftoff_timestamp=x_liftoff_timestamp,
        x_liftoff_signature=x_liftoff_signature,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: AutoscalingEvent,
    x_liftoff_timestamp: int,
    x_liftoff_signature: str,
) -> AutoscalingEventAccepted | ErrorBody | None:
    """Accepts a scale-out or scale-in event: the generic shape (`AutoscalingEvent`) or an
    EventBridge "EC2 Instance-launch/terminate Lifecycle Action" event as it is. Signed with
    `X-Liftoff-Signature: v1=<hex HMAC-SHA256 of "{timestamp}.{raw body}">` and
    `X-Liftoff-Timestamp: <unix seconds>` (5 minutes tolerance). A repeated event id answers
    200 with `duplicate: true` and does nothing.

    Args:
        x_liftoff_timestamp (int):
        x_liftoff_signature (str):
        body (AutoscalingEvent): The generic event shape (EventBridge "EC2 Instance-
            launch/terminate Lifecycle Action"
            events are accepted as they are, too).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AutoscalingEventAccepted | ErrorBody
    """

    return sync_detailed(
        client=client,
        body=body,
        x_liftoff_timestamp=x_liftoff_timestamp,
        x_liftoff_signature=x_liftoff_signature,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: AutoscalingEvent,
    x_liftoff_timestamp: int,
    x_liftoff_signature: str,
) -> Response[AutoscalingEventAccepted | ErrorBody]:
    """Accepts a scale-out or scale-in event: the generic shape (`AutoscalingEvent`) or an
    EventBridge "EC2 Instance-launch/terminate Lifecycle Action" event as it is. Signed with
    `X-Liftoff-Signature: v1=<hex HMAC-SHA256 of "{timestamp}.{raw body}">` and
    `X-Liftoff-Timestamp: <unix seconds>` (5 minutes tolerance). A repeated event id answers
    200 with `duplicate: true` and does nothing.

    Args:
        x_liftoff_timestamp (int):
        x_liftoff_signature (str):
        body (AutoscalingEvent): The generic event shape (EventBridge "EC2 Instance-
            launch/terminate Lifecycle Action"
            events are accepted as they are, too).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AutoscalingEventAccepted | ErrorBody]
    """

    kwargs = _get_kwargs(
        body=body,
        x_liftoff_timestamp=x_liftoff_timestamp,
        x_liftoff_signature=x_liftoff_signature,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: AutoscalingEvent,
    x_liftoff_timestamp: int,
    x_liftoff_signature: str,
) -> AutoscalingEventAccepted | ErrorBody | None:
    """Accepts a scale-out or scale-in event: the generic shape (`AutoscalingEvent`) or an
    EventBridge "EC2 Instance-launch/terminate Lifecycle Action" event as it is. Signed with
    `X-Liftoff-Signature: v1=<hex HMAC-SHA256 of "{timestamp}.{raw body}">` and
    `X-Liftoff-Timestamp: <unix seconds>` (5 minutes tolerance). A repeated event id answers
    200 with `duplicate: true` and does nothing.

    Args:
        x_liftoff_timestamp (int):
        x_liftoff_signature (str):
        body (AutoscalingEvent): The generic event shape (EventBridge "EC2 Instance-
            launch/terminate Lifecycle Action"
            events are accepted as they are, too).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AutoscalingEventAccepted | ErrorBody
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            x_liftoff_timestamp=x_liftoff_timestamp,
            x_liftoff_signature=x_liftoff_signature,
        )
    ).parsed
