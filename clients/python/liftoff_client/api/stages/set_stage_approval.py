from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_body import ErrorBody
from ...models.stage_approval import StageApproval
from ...types import Response


def _get_kwargs(
    app: str,
    stage: str,
    *,
    body: StageApproval,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "put",
        "url": "/v1/applications/{app}/stages/{stage}/approval".format(
            app=quote(str(app), safe=""),
            stage=quote(str(stage), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorBody | StageApproval | None:
    if response.status_code == 200:
        response_200 = StageApproval.from_dict(response.json())

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
) -> Response[ErrorBody | StageApproval]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    app: str,
    stage: str,
    *,
    client: AuthenticatedClient,
    body: StageApproval,
) -> Response[ErrorBody | StageApproval]:
    """Makes every promotion into the stage wait for the approval of someone other than its
    requester (team admin).

    Args:
        app (str):
        stage (str):
        body (StageApproval): A stage's two-person rule: a promotion into it is a request until
            someone other than the
            requester (deployer or admin) approves it, within `expires_after_secs`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | StageApproval]
    """

    kwargs = _get_kwargs(
        app=app,
        stage=stage,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    app: str,
    stage: str,
    *,
    client: AuthenticatedClient,
    body: StageApproval,
) -> ErrorBody | StageApproval | None:
    """Makes every promotion into the stage wait for the approval of someone other than its
    requester (team admin).

    Args:
        app (str):
        stage (str):
        body (StageApproval): A stage's two-person rule: a promotion into it is a request until
            someone other than the
            requester (deployer or admin) approves it, within `expires_after_secs`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | StageApproval
    """

    return sync_detailed(
        app=app,
        stage=stage,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    app: str,
    stage: str,
    *,
    client: AuthenticatedClient,
    body: StageApproval,
) -> Response[ErrorBody | StageApproval]:
    """Makes every promotion into the stage wait for the approval of someone other than its
    requester (team admin).

    Args:
        app (str):
        stage (str):
        body (StageApproval): A stage's two-person rule: a promotion into it is a request until
            someone other than the
            requester (deployer or admin) approves it, within `expires_after_secs`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | StageApproval]
    """

    kwargs = _get_kwargs(
        app=app,
        stage=stage,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    app: str,
    stage: str,
    *,
    client: AuthenticatedClient,
    body: StageApproval,
) -> ErrorBody | StageApproval | None:
    """Makes every promotion into the stage wait for the approval of someone other than its
    requester (team admin).

    Args:
        app (str):
        stage (str):
        body (StageApproval): A stage's two-person rule: a promotion into it is a request until
            someone other than the
            requester (deployer or admin) approves it, within `expires_after_secs`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | StageApproval
    """

    return (
        await asyncio_detailed(
            app=app,
            stage=stage,
            client=client,
            body=body,
        )
    ).parsed
