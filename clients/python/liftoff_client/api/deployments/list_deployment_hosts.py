from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.deployment_host_list import DeploymentHostList
from ...models.error_body import ErrorBody
from ...models.host_target_status import HostTargetStatus
from ...types import UNSET, Response, Unset


def _get_kwargs(
    id: UUID,
    *,
    zone: str | Unset = UNSET,
    status: HostTargetStatus | Unset = UNSET,
    host_id: UUID | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["zone"] = zone

    json_status: str | Unset = UNSET
    if not isinstance(status, Unset):
        json_status = status.value

    params["status"] = json_status

    json_host_id: str | Unset = UNSET
    if not isinstance(host_id, Unset):
        json_host_id = str(host_id)
    params["host_id"] = json_host_id

    params["limit"] = limit

    params["cursor"] = cursor

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/deployments/{id}/hosts".format(
            id=quote(str(id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> DeploymentHostList | ErrorBody | None:
    if response.status_code == 200:
        response_200 = DeploymentHostList.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ErrorBody.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorBody.from_dict(response.json())

        return response_401

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
) -> Response[DeploymentHostList | ErrorBody]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    id: UUID,
    *,
    client: AuthenticatedClient,
    zone: str | Unset = UNSET,
    status: HostTargetStatus | Unset = UNSET,
    host_id: UUID | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> Response[DeploymentHostList | ErrorBody]:
    """A page of a deployment's hosts with their lifecycle events, by zone then host id: a large
    fleet's hosts a few at a time (`GET /v1/deployments/{id}` answers all of them).

    Args:
        id (UUID):
        zone (str | Unset):
        status (HostTargetStatus | Unset): A host's place in a rollout.
        host_id (UUID | Unset):
        limit (int | Unset):
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DeploymentHostList | ErrorBody]
    """

    kwargs = _get_kwargs(
        id=id,
        zone=zone,
        status=status,
        host_id=host_id,
        limit=limit,
        cursor=cursor,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    id: UUID,
    *,
    client: AuthenticatedClient,
    zone: str | Unset = UNSET,
    status: HostTargetStatus | Unset = UNSET,
    host_id: UUID | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> DeploymentHostList | ErrorBody | None:
    """A page of a deployment's hosts with their lifecycle events, by zone then host id: a large
    fleet's hosts a few at a time (`GET /v1/deployments/{id}` answers all of them).

    Args:
        id (UUID):
        zone (str | Unset):
        status (HostTargetStatus | Unset): A host's place in a rollout.
        host_id (UUID | Unset):
        limit (int | Unset):
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DeploymentHostList | ErrorBody
    """

    return sync_detailed(
        id=id,
        client=client,
        zone=zone,
        status=status,
        host_id=host_id,
        limit=limit,
        cursor=cursor,
    ).parsed


async def asyncio_detailed(
    id: UUID,
    *,
    client: AuthenticatedClient,
    zone: str | Unset = UNSET,
    status: HostTargetStatus | Unset = UNSET,
    host_id: UUID | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> Response[DeploymentHostList | ErrorBody]:
    """A page of a deployment's hosts with their lifecycle events, by zone then host id: a large
    fleet's hosts a few at a time (`GET /v1/deployments/{id}` answers all of them).

    Args:
        id (UUID):
        zone (str | Unset):
        status (HostTargetStatus | Unset): A host's place in a rollout.
        host_id (UUID | Unset):
        limit (int | Unset):
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DeploymentHostList | ErrorBody]
    """

    kwargs = _get_kwargs(
        id=id,
        zone=zone,
        status=status,
        host_id=host_id,
        limit=limit,
        cursor=cursor,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    id: UUID,
    *,
    client: AuthenticatedClient,
    zone: str | Unset = UNSET,
    status: HostTargetStatus | Unset = UNSET,
    host_id: UUID | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> DeploymentHostList | ErrorBody | None:
    """A page of a deployment's hosts with their lifecycle events, by zone then host id: a large
    fleet's hosts a few at a time (`GET /v1/deployments/{id}` answers all of them).

    Args:
        id (UUID):
        zone (str | Unset):
        status (HostTargetStatus | Unset): A host's place in a rollout.
        host_id (UUID | Unset):
        limit (int | Unset):
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DeploymentHostList | ErrorBody
    """

    return (
        await asyncio_detailed(
            id=id,
            client=client,
            zone=zone,
            status=status,
            host_id=host_id,
            limit=limit,
            cursor=cursor,
        )
    ).parsed
