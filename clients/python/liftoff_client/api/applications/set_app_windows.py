from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.deployment_windows import DeploymentWindows
from ...models.error_body import ErrorBody
from ...models.set_deployment_windows import SetDeploymentWindows
from ...types import Response


def _get_kwargs(
    app: str,
    *,
    body: SetDeploymentWindows,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "put",
        "url": "/v1/applications/{app}/windows".format(
            app=quote(str(app), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> DeploymentWindows | ErrorBody | None:
    if response.status_code == 200:
        response_200 = DeploymentWindows.from_dict(response.json())

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
) -> Response[DeploymentWindows | ErrorBody]:
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
    body: SetDeploymentWindows,
) -> Response[DeploymentWindows | ErrorBody]:
    """Sets the application's deployment windows (team admin): every group without windows of
    its own follows them. An empty list removes them; a bad spec is refused (400) and changes
    nothing.

    Args:
        app (str):
        body (SetDeploymentWindows): `PUT /v1/applications/{app}/deployment-
            groups/{group}/windows`: the weekly spans in which the
            group's deployments may start. An empty list removes the gate.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DeploymentWindows | ErrorBody]
    """

    kwargs = _get_kwargs(
        app=app,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    app: str,
    *,
    client: AuthenticatedClient,
    body: SetDeploymentWindows,
) -> DeploymentWindows | ErrorBody | None:
    """Sets the application's deployment windows (team admin): every group without windows of
    its own follows them. An empty list removes them; a bad spec is refused (400) and changes
    nothing.

    Args:
        app (str):
        body (SetDeploymentWindows): `PUT /v1/applications/{app}/deployment-
            groups/{group}/windows`: the weekly spans in which the
            group's deployments may start. An empty list removes the gate.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DeploymentWindows | ErrorBody
    """

    return sync_detailed(
        app=app,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    app: str,
    *,
    client: AuthenticatedClient,
    body: SetDeploymentWindows,
) -> Response[DeploymentWindows | ErrorBody]:
    """Sets the application's deployment windows (team admin): every group without windows of
    its own follows them. An empty list removes them; a bad spec is refused (400) and changes
    nothing.

    Args:
        app (str):
        body (SetDeploymentWindows): `PUT /v1/applications/{app}/deployment-
            groups/{group}/windows`: the weekly spans in which the
            group's deployments may start. An empty list removes the gate.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DeploymentWindows | ErrorBody]
    """

    kwargs = _get_kwargs(
        app=app,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    app: str,
    *,
    client: AuthenticatedClient,
    body: SetDeploymentWindows,
) -> DeploymentWindows | ErrorBody | None:
    """Sets the application's deployment windows (team admin): every group without windows of
    its own follows them. An empty list removes them; a bad spec is refused (400) and changes
    nothing.

    Args:
        app (str):
        body (SetDeploymentWindows): `PUT /v1/applications/{app}/deployment-
            groups/{group}/windows`: the weekly spans in which the
            group's deployments may start. An empty list removes the gate.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DeploymentWindows | ErrorBody
    """

    return (
        await asyncio_detailed(
            app=app,
            client=client,
            body=body,
        )
    ).parsed
