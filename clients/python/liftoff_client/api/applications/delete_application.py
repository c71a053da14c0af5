from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.application_deleted import ApplicationDeleted
from ...models.error_body import ErrorBody
from ...types import Response


def _get_kwargs(
    app: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "delete",
        "url": "/v1/applications/{app}".format(
            app=quote(str(app), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ApplicationDeleted | ErrorBody | None:
    if response.status_code == 200:
        response_200 = ApplicationDeleted.from_dict(response.json())

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

    if response.status_code == 429:
        response_429 = ErrorBody.from_dict(response.json())

        return response_429

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ApplicationDeleted | ErrorBody]:
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
) -> Response[ApplicationDeleted | ErrorBody]:
    """Deletes an application (team admin): its deployment groups, its revisions, the records of
    its finished deployments, and bundle bytes no other application shares. Refused (409
    `deployments_active`) while one of its deployments is unfinished. History keeps every
    event about it; hosts keep running what they run.

    Args:
        app (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ApplicationDeleted | ErrorBody]
    """

    kwargs = _get_kwargs(
        app=app,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    app: str,
    *,
    client: AuthenticatedClient,
) -> ApplicationDeleted | ErrorBody | None:
    """Deletes an application (team admin): its deployment groups, its revisions, the records of
    its finished deployments, and bundle bytes no other application shares. Refused (409
    `deployments_active`) while one of its deployments is unfinished. History keeps every
    event about it; hosts keep running what they run.

    Args:
        app (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ApplicationDeleted | ErrorBody
    """

    return sync_detailed(
        app=app,
        client=client,
    ).parsed


async def asyncio_detailed(
    app: str,
    *,
    client: AuthenticatedClient,
) -> Response[ApplicationDeleted | ErrorBody]:
    """Deletes an application (team admin): its deployment groups, its revisions, the records of
    its finished deployments, and bundle bytes no other application shares. Refused (409
    `deployments_active`) while one of its deployments is unfinished. History keeps every
    event about it; hosts keep running what they run.

    Args:
        app (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ApplicationDeleted | ErrorBody]
    """

    kwargs = _get_kwargs(
        app=app,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    app: str,
    *,
    client: AuthenticatedClient,
) -> ApplicationDeleted | ErrorBody | None:
    """Deletes an application (team admin): its deployment groups, its revisions, the records of
    its finished deployments, and bundle bytes no other application shares. Refused (409
    `deployments_active`) while one of its deployments is unfinished. History keeps every
    event about it; hosts keep running what they run.

    Args:
        app (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ApplicationDeleted | ErrorBody
    """

    return (
        await asyncio_detailed(
            app=app,
            client=client,
        )
    ).parsed
