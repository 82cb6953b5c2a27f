from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.health_report import HealthReport
from ...models.problem import Problem
from ...types import UNSET, Unset
from typing import cast
from uuid import UUID



def _get_kwargs(
    *,
    subvolume_id: UUID | Unset = UNSET,
    limit: int | Unset = UNSET,
    after: str | Unset = UNSET,

) -> dict[str, Any]:
    

    

    params: dict[str, Any] = {}

    json_subvolume_id: str | Unset = UNSET
    if not isinstance(subvolume_id, Unset):
        json_subvolume_id = str(subvolume_id)
    params["subvolume_id"] = json_subvolume_id

    params["limit"] = limit

    params["after"] = after


    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}


    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/replication/health",
        "params": params,
    }


    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> HealthReport | Problem | None:
    if response.status_code == 200:
        response_200 = HealthReport.from_dict(response.json())



        return response_200

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())



        return response_400

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())



        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())



        return response_403

    if response.status_code == 500:
        response_500 = Problem.from_dict(response.json())



        return response_500

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())



        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[HealthReport | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    subvolume_id: UUID | Unset = UNSET,
    limit: int | Unset = UNSET,
    after: str | Unset = UNSET,

) -> Response[HealthReport | Problem]:
    """ Replication health of every (subvolume, target), a page at a time: newest
    snapshot on the primary and on the target, lag, last success and failure, last
    transfer, and the state against the subvolume's RPO. Every page is cut from one
    computation of the whole fleet's health, shared with `GET /status` and `/metrics`
    and reused until an event is committed, a storage collection runs or 5 s pass
    (`as_of` is when it was computed).

    Args:
        subvolume_id (UUID | Unset):
        limit (int | Unset):
        after (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[HealthReport | Problem]
     """


    kwargs = _get_kwargs(
        subvolume_id=subvolume_id,
limit=limit,
after=after,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    *,
    client: AuthenticatedClient,
    subvolume_id: UUID | Unset = UNSET,
    limit: int | Unset = UNSET,
    after: str | Unset = UNSET,

) -> HealthReport | Problem | None:
    """ Replication health of every (subvolume, target), a page at a time: newest
    snapshot on the primary and on the target, lag, last success and failure, last
    transfer, and the state against the subvolume's RPO. Every page is cut from one
    computation of the whole fleet's health, shared with `GET /status` and `/metrics`
    and reused until an event is committed, a storage collection runs or 5 s pass
    (`as_of` is when it was computed).

    Args:
        subvolume_id (UUID | Unset):
        limit (int | Unset):
        after (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        HealthReport | Problem
     """


    return sync_detailed(
        client=client,
subvolume_id=subvolume_id,
limit=limit,
after=after,

    ).parsed

async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    subvolume_id: UUID | Unset = UNSET,
    limit: int | Unset = UNSET,
    after: str | Unset = UNSET,

) -> Response[HealthReport | Problem]:
    """ Replication health of every (subvolume, target), a page at a time: newest
    snapshot on the primary and on the target, lag, last success and failure, last
    transfer, and the state against the subvolume's RPO. Every page is cut from one
    computation of the whole fleet's health, shared with `GET /status` and `/metrics`
    and reused until an event is committed, a storage collection runs or 5 s pass
    (`as_of` is when it was computed).

    Args:
        subvolume_id (UUID | Unset):
        limit (int | Unset):
        after (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[HealthReport | Problem]
     """


    kwargs = _get_kwargs(
        subvolume_id=subvolume_id,
limit=limit,
after=after,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    *,
    client: AuthenticatedClient,
    subvolume_id: UUID | Unset = UNSET,
    limit: int | Unset = UNSET,
    after: str | Unset = UNSET,

) -> HealthReport | Problem | None:
    """ Replication health of every (subvolume, target), a page at a time: newest
    snapshot on the primary and on the target, lag, last success and failure, last
    transfer, and the state against the subvolume's RPO. Every page is cut from one
    computation of the whole fleet's health, shared with `GET /status` and `/metrics`
    and reused until an event is committed, a storage collection runs or 5 s pass
    (`as_of` is when it was computed).

    Args:
        subvolume_id (UUID | Unset):
        limit (int | Unset):
        after (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        HealthReport | Problem
     """


    return (await asyncio_detailed(
        client=client,
subvolume_id=subvolume_id,
limit=limit,
after=after,

    )).parsed
