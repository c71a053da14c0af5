from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_body import ErrorBody
from ...models.register_revision_url import RegisterRevisionUrl
from ...models.revision import Revision
from ...types import UNSET, File, Response, Unset


def _get_kwargs(
    app: str,
    *,
    body: RegisterRevisionUrl | File | Unset = UNSET,
    version_label: str | Unset = UNSET,
    description: str | Unset = UNSET,
    sha256: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    params: dict[str, Any] = {}

    params["version_label"] = version_label

    params["description"] = description

    params["sha256"] = sha256

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/applications/{app}/revisions".format(
            app=quote(str(app), safe=""),
        ),
        "params": params,
    }

    if isinstance(body, RegisterRevisionUrl):
        _kwargs["json"] = body.to_dict()

        headers["Content-Type"] = "application/json"
    if isinstance(body, File):
        _kwargs["content"] = body.payload
        headers["Content-Type"] = "application/octet-stream"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> ErrorBody | Revision | None:
    if response.status_code == 200:
        response_200 = Revision.from_dict(response.json())

        return response_200

    if response.status_code == 201:
        response_201 = Revision.from_dict(response.json())

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
) -> Response[ErrorBody | Revision]:
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
    body: RegisterRevisionUrl | File | Unset = UNSET,
    version_label: str | Unset = UNSET,
    description: str | Unset = UNSET,
    sha256: str | Unset = UNSET,
) -> Response[ErrorBody | Revision]:
    """Pushes a revision. Either the bundle itself (`.tar.gz`, `.tar` or `.zip` with
    `appspec.yml` at its root, sent as `application/octet-stream` or an archive type), or
    `application/json` `{"url", "sha256"}`: the server fetches the URL (HTTP(S) only; never
    loopback, private, link-local or metadata addresses unless the operator allows them;
    redirects checked hop by hop) and checks the bytes exactly like an upload.
    The same bytes again answer the existing revision (200) instead of a new one (201).

    Args:
        app (str):
        version_label (str | Unset):
        description (str | Unset):
        sha256 (str | Unset):
        body (RegisterRevisionUrl): A revision registered by URL: the server fetches the bundle
            (HTTP or HTTPS only, never
            from loopback, link-local, private or metadata addresses unless an operator allows them)
            and checks it exactly like an upload.
        body (File):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | Revision]
    """

    kwargs = _get_kwargs(
        app=app,
        body=body,
        version_label=version_label,
        description=description,
        sha256=sha256,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    app: str,
    *,
    client: AuthenticatedClient,
    body: RegisterRevisionUrl | File | Unset = UNSET,
    version_label: str | Unset = UNSET,
    description: str | Unset = UNSET,
    sha256: str | Unset = UNSET,
) -> ErrorBody | Revision | None:
    """Pushes a revision. Either the bundle itself (`.tar.gz`, `.tar` or `.zip` with
    `appspec.yml` at its root, sent as `application/octet-stream` or an archive type), or
    `application/json` `{"url", "sha256"}`: the server fetches the URL (HTTP(S) only; never
    loopback, private, link-local or metadata addresses unless the operator allows them;
    redirects checked hop by hop) and checks the bytes exactly like an upload.
    The same bytes again answer the existing revision (200) instead of a new one (201).

    Args:
        app (str):
        version_label (str | Unset):
        description (str | Unset):
        sha256 (str | Unset):
        body (RegisterRevisionUrl): A revision registered by URL: the server fetches the bundle
            (HTTP or HTTPS only, never
            from loopback, link-local, private or metadata addresses unless an operator allows them)
            and checks it exactly like an upload.
        body (File):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | Revision
    """

    return sync_detailed(
        app=app,
        client=client,
        body=body,
        version_label=version_label,
        description=description,
        sha256=sha256,
    ).parsed


async def asyncio_detailed(
    app: str,
    *,
    client: AuthenticatedClient,
    body: RegisterRevisionUrl | File | Unset = UNSET,
    version_label: str | Unset = UNSET,
    description: str | Unset = UNSET,
    sha256: str | Unset = UNSET,
) -> Response[ErrorBody | Revision]:
    """Pushes a revision. Either the bundle itself (`.tar.gz`, `.tar` or `.zip` with
    `appspec.yml` at its root, sent as `application/octet-stream` or an archive type), or
    `application/json` `{"url", "sha256"}`: the server fetches the URL (HTTP(S) only; never
    loopback, private, link-local or metadata addresses unless the operator allows them;
    redirects checked hop by hop) and checks the bytes exactly like an upload.
    The same bytes again answer the existing revision (200) instead of a new one (201).

    Args:
        app (str):
        version_label (str | Unset):
        description (str | Unset):
        sha256 (str | Unset):
        body (RegisterRevisionUrl): A revision registered by URL: the server fetches the bundle
            (HTTP or HTTPS only, never
            from loopback, link-local, private or metadata addresses unless an operator allows them)
            and checks it exactly like an upload.
        body (File):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | Revision]
    """

    kwargs = _get_kwargs(
        app=app,
        body=body,
        version_label=version_label,
        description=description,
        sha256=sha256,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    app: str,
    *,
    client: AuthenticatedClient,
    body: RegisterRevisionUrl | File | Unset = UNSET,
    version_label: str | Unset = UNSET,
    description: str | Unset = UNSET,
    sha256: str | Unset = UNSET,
) -> ErrorBody | Revision | None:
    """Pushes a revision. Either the bundle itself (`.tar.gz`, `.tar` or `.zip` with
    `appspec.yml` at its root, sent as `application/octet-stream` or an archive type), or
    `application/json` `{"url", "sha256"}`: the server fetches the URL (HTTP(S) only; never
    loopback, private, link-local or metadata addresses unless the operator allows them;
    redirects checked hop by hop) and checks the bytes exactly like an upload.
    The same bytes again answer the existing revision (200) instead of a new one (201).

    Args:
        app (str):
        version_label (str | Unset):
        description (str | Unset):
        sha256 (str | Unset):
        body (RegisterRevisionUrl): A revision registered by URL: the server fetches the bundle
            (HTTP or HTTPS only, never
            from loopback, link-local, private or metadata addresses unless an operator allows them)
            and checks it exactly like an upload.
        body (File):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | Revision
    """

    return (
        await asyncio_detailed(
            app=app,
            client=client,
            body=body,
            version_label=version_label,
            description=description,
            sha256=sha256,
        )
    ).parsed
