import datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_body import ErrorBody
from ...models.group_at_time import GroupAtTime
from ...types import UNSET, Response, Unset


def _get_kwargs(
    group: str,
    *,
    application: str,
    at: datetime.datetime,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["application"] = application

    json_at = at.isoformat()
    params["at"] = json_at

    params["limit"] = limit

    params["cursor"] = cursor

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/history/deployment-groups/{group}/at".format(
            group=quote(str(group), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorBody | GroupAtTime | None:
    if response.status_code == 200:
        response_200 = GroupAtTime.from_dict(response.json())

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
) -> Response[ErrorBody | GroupAtTime]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    group: str,
    *,
    client: AuthenticatedClient,
    application: str,
    at: datetime.datetime,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> Response[ErrorBody | GroupAtTime]:
    """What revision each host of a group ran at time `at`, and the group's target revision then.
    A host counts for the group when its revision at `at` was installed by one of the group's
    deployments. Another team's group is a 404.

    Args:
        group (str):
        application (str):
        at (datetime.datetime):
        limit (int | Unset):
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | GroupAtTime]
    """

    kwargs = _get_kwargs(
        group=group,
        application=application,
        at=at,
        limit=limit,
        cursor=cursor,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    group: str,
    *,
    client: AuthenticatedClient,
    application: str,
    at: datetime.datetime,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> ErrorBody | GroupAtTime | None:
    """What revision each host of a group ran at time `at`, and the group's target revision then.
    A host counts for the group when its revision at `at` was installed by one of the group's
    deployments. Another team's group is a 404.

    Args:
        group (str):
        application (str):
        at (datetime.datetime):
        limit (int | Unset):
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | GroupAtTime
    """

    return sync_detailed(
        group=group,
        client=client,
        application=application,
        at=at,
        limit=limit,
        cursor=cursor,
    ).parsed


async def asyncio_detailed(
    group: str,
    *,
    client: AuthenticatedClient,
    application: str,
    at: datetime.datetime,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> Response[ErrorBody | GroupAtTime]:
    """What revision each host of a group ran at time `at`, and the group's target revision then.
    A host counts for the group when its revision at `at` was installed by one of the group's
    deployments. Another team's group is a 404.

    Args:
        group (str):
        application (str):
        at (datetime.datetime):
        limit (int | Unset):
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | GroupAtTime]
    """

    kwargs = _get_kwargs(
        group=group,
        application=application,
        at=at,
        limit=limit,
        cursor=cursor,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    group: str,
    *,
    client: AuthenticatedClient,
    application: str,
    at: datetime.datetime,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> ErrorBody | GroupAtTime | None:
    """What revision each host of a group ran at time `at`, and the group's target revision then.
    A host counts for the group when its revision at `at` was installed by one of the group's
    deployments. Another team's group is a 404.

    Args:
        group (str):
        application (str):
        at (datetime.datetime):
        limit (int | Unset):
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | GroupAtTime
    """

    return (
        await asyncio_detailed(
            group=group,
            client=client,
            application=application,
            at=at,
            limit=limit,
            cursor=cursor,
        )
    ).parsed
