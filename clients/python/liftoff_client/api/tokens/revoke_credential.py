from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_body import ErrorBody
from ...models.revoke_credential import RevokeCredential
from ...models.revoked_token import RevokedToken
from ...types import Response


def _get_kwargs(
    *,
    body: RevokeCredential,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/tokens/revocations",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorBody | RevokedToken | None:
    if response.status_code == 200:
        response_200 = RevokedToken.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ErrorBody.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorBody.from_dict(response.json())

        return response_401

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
) -> Response[ErrorBody | RevokedToken]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: RevokeCredential,
) -> Response[ErrorBody | RevokedToken]:
    """A service revokes a credential it issued, e.g. host-registry a deregistered host's
    (service credential): it joins the feed like any revoked token, refused at once by this
    process and by every service within a tick. Revoking twice is harmless.

    Args:
        body (RevokeCredential): `POST /v1/tokens/revocations` (service credential): a service
            revokes a credential it
            issued itself, such as host-registry the credential of a host it deregistered. The entry
            joins the revocation feed like any revoked token; revoking twice is harmless.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | RevokedToken]
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
    body: RevokeCredential,
) -> ErrorBody | RevokedToken | None:
    """A service revokes a credential it issued, e.g. host-registry a deregistered host's
    (service credential): it joins the feed like any revoked token, refused at once by this
    process and by every service within a tick. Revoking twice is harmless.

    Args:
        body (RevokeCredential): `POST /v1/tokens/revocations` (service credential): a service
            revokes a credential it
            issued itself, such as host-registry the credential of a host it deregistered. The entry
            joins the revocation feed like any revoked token; revoking twice is harmless.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | RevokedToken
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: RevokeCredential,
) -> Response[ErrorBody | RevokedToken]:
    """A service revokes a credential it issued, e.g. host-registry a deregistered host's
    (service credential): it joins the feed like any revoked token, refused at once by this
    process and by every service within a tick. Revoking twice is harmless.

    Args:
        body (RevokeCredential): `POST /v1/tokens/revocations` (service credential): a service
            revokes a credential it
            issued itself, such as host-registry the credential of a host it deregistered. The entry
            joins the revocation feed like any revoked token; revoking twice is harmless.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | RevokedToken]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: RevokeCredential,
) -> ErrorBody | RevokedToken | None:
    """A service revokes a credential it issued, e.g. host-registry a deregistered host's
    (service credential): it joins the feed like any revoked token, refused at once by this
    process and by every service within a tick. Revoking twice is harmless.

    Args:
        body (RevokeCredential): `POST /v1/tokens/revocations` (service credential): a service
            revokes a credential it
            issued itself, such as host-registry the credential of a host it deregistered. The entry
            joins the revocation feed like any revoked token; revoking twice is harmless.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | RevokedToken
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
