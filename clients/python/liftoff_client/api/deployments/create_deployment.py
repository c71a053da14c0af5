from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.create_deployment import CreateDeployment
from ...models.deployment import Deployment
from ...models.error_body import ErrorBody
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: CreateDeployment,
    idempotency_key: None | str | Unset = UNSET,
    liftoff_freeze_override: None | str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    if not isinstance(liftoff_freeze_override, Unset):
        headers["Liftoff-Freeze-Override"] = liftoff_freeze_override

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/deployments",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Deployment | ErrorBody | None:
    if response.status_code == 200:
        response_200 = Deployment.from_dict(response.json())

        return response_200

    if response.status_code == 201:
        response_201 = Deployment.from_dict(response.json())

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

    if response.status_code == 409:
        response_409 = ErrorBody.from_dict(response.json())

        return response_409

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
) -> Response[Deployment | ErrorBody]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: CreateDeployment,
    idempotency_key: None | str | Unset = UNSET,
    liftoff_freeze_override: None | str | Unset = UNSET,
) -> Response[Deployment | ErrorBody]:
    """Starts a deployment of a revision to a group.

    Args:
        idempotency_key (None | str | Unset):
        liftoff_freeze_override (None | str | Unset):
        body (CreateDeployment):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Deployment | ErrorBody]
    """

    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
        liftoff_freeze_override=liftoff_freeze_override,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: CreateDeployment,
    idempotency_key: None | str | Unset = UNSET,
    liftoff_freeze_override: None | str | Unset = UNSET,
) -> Deployment | ErrorBody | None:
    """Starts a deployment of a revision to a group.

    Args:
        idempotency_key (None | str | Unset):
        liftoff_freeze_override (None | str | Unset):
        body (CreateDeployment):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Deployment | ErrorBody
    """

    return sync_detailed(
        client=client,
        body=body,
        idempotency_key=idempotency_key,
        liftoff_freeze_override=liftoff_freeze_override,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: CreateDeployment,
    idempotency_key: None | str | Unset = UNSET,
    liftoff_freeze_override: None | str | Unset = UNSET,
) -> Response[Deployment | ErrorBody]:
    """Starts a deployment of a revision to a group.

    Args:
        idempotency_key (None | str | Unset):
        liftoff_freeze_override (None | str | Unset):
        body (CreateDeployment):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Deployment | ErrorBody]
    """

    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
        liftoff_freeze_override=liftoff_freeze_override,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: CreateDeployment,
    idempotency_key: None | str | Unset = UNSET,
    liftoff_freeze_override: None | str | Unset = UNSET,
) -> Deployment | ErrorBody | None:
    """Starts a deployment of a revision to a group.

    Args:
        idempotency_key (None | str | Unset):
        liftoff_freeze_override (None | str | Unset):
        body (CreateDeployment):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Deployment | ErrorBody
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            idempotency_key=idempotency_key,
            liftoff_freeze_override=liftoff_freeze_override,
        )
    ).parsed
