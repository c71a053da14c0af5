from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_body import ErrorBody
from ...models.revoked_token import RevokedToken
from ...types import Response


def _get_kwargs(
    jti: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/tokens/{jti}/revoke".format(
            jti=quote(str(jti), safe=""),
        ),
    }

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
) -> Response[ErrorBody | RevokedToken]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    jti: str,
    *,
    client: AuthenticatedClient,
) -> Response[ErrorBody | RevokedToken]:
    """Revokes a token: refused at once by this process, by every service within a tick. A team's
    admins revoke its tokens; platform administrators any token id. Revoking twice is harmless.

    Args:
        jti (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | RevokedToken]
    """

    kwargs = _get_kwargs(
        jti=jti,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    jti: str,
    *,
    client: AuthenticatedClient,
) -> ErrorBody | RevokedToken | None:
    """Revokes a token: refused at once by this process, by every service within a tick. A team's
    admins revoke its tokens; platform administrators any token id. Revoking twice is harmless.

    Args:
        jti (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | RevokedToken
    """

    return sync_detailed(
        jti=jti,
        client=client,
    ).parsed


async def asyncio_detailed(
    jti: str,
    *,
    client: AuthenticatedClient,
) -> Response[ErrorBody | RevokedToken]:
    """Revokes a token: refused at once by this process, by every service within a tick. A team's
    admins revoke its tokens; platform administrators any token id. Revoking twice is harmless.

    Args:
        jti (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | RevokedToken]
    """

    kwargs = _get_kwargs(
        jti=jti,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    jti: str,
    *,
    client: AuthenticatedClient,
) -> ErrorBody | RevokedToken | None:
    """Revokes a token: refused at once by this process, by every service within a tick. A team's
    admins revoke its tokens; platform administrators any token id. Revoking twice is harmless.

    Args:
        jti (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | RevokedToken
    """

    return (
        await asyncio_detailed(
            jti=jti,
            client=client,
        )
    ).parsed
