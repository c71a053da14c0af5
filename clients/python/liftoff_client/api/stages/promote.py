from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_body import ErrorBody
from ...models.promote import Promote
from ...models.promotion import Promotion
from ...models.promotion_request import PromotionRequest
from ...types import UNSET, Response, Unset


def _get_kwargs(
    app: str,
    *,
    body: Promote,
    idempotency_key: None | str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/applications/{app}/promote".format(
            app=quote(str(app), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorBody | Promotion | PromotionRequest | None:
    if response.status_code == 200:
        response_200 = Promotion.from_dict(response.json())

        return response_200

    if response.status_code == 201:
        response_201 = Promotion.from_dict(response.json())

        return response_201

    if response.status_code == 202:
        response_202 = PromotionRequest.from_dict(response.json())

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
) -> Response[ErrorBody | Promotion | PromotionRequest]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    app: str,
    *,
    client: AuthenticatedClient,
    body: Promote,
    idempotency_key: None | str | Unset = UNSET,
) -> Response[ErrorBody | Promotion | PromotionRequest]:
    """Deploys to every group of stage `to` the revision that last succeeded in stage `from`
    (reason `promotion`). With a declared stage order, `to` must follow `from`.

    Args:
        app (str):
        idempotency_key (None | str | Unset):
        body (Promote): Deploy to stage `to` the revision that last succeeded in stage `from`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | Promotion | PromotionRequest]
    """

    kwargs = _get_kwargs(
        app=app,
        body=body,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    app: str,
    *,
    client: AuthenticatedClient,
    body: Promote,
    idempotency_key: None | str | Unset = UNSET,
) -> ErrorBody | Promotion | PromotionRequest | None:
    """Deploys to every group of stage `to` the revision that last succeeded in stage `from`
    (reason `promotion`). With a declared stage order, `to` must follow `from`.

    Args:
        app (str):
        idempotency_key (None | str | Unset):
        body (Promote): Deploy to stage `to` the revision that last succeeded in stage `from`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | Promotion | PromotionRequest
    """

    return sync_detailed(
        app=app,
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    app: str,
    *,
    client: AuthenticatedClient,
    body: Promote,
    idempotency_key: None | str | Unset = UNSET,
) -> Response[ErrorBody | Promotion | PromotionRequest]:
    """Deploys to every group of stage `to` the revision that last succeeded in stage `from`
    (reason `promotion`). With a declared stage order, `to` must follow `from`.

    Args:
        app (str):
        idempotency_key (None | str | Unset):
        body (Promote): Deploy to stage `to` the revision that last succeeded in stage `from`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | Promotion | PromotionRequest]
    """

    kwargs = _get_kwargs(
        app=app,
        body=body,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    app: str,
    *,
    client: AuthenticatedClient,
    body: Promote,
    idempotency_key: None | str | Unset = UNSET,
) -> ErrorBody | Promotion | PromotionRequest | None:
    """Deploys to every group of stage `to` the revision that last succeeded in stage `from`
    (reason `promotion`). With a declared stage order, `to` must follow `from`.

    Args:
        app (str):
        idempotency_key (None | str | Unset):
        body (Promote): Deploy to stage `to` the revision that last succeeded in stage `from`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | Promotion | PromotionRequest
    """

    return (
        await asyncio_detailed(
            app=app,
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
