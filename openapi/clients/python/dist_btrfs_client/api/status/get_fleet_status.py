from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.fleet_status import FleetStatus
from ...models.problem import Problem
from typing import cast



def _get_kwargs(
    
) -> dict[str, Any]:
    

    

    

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/status",
    }


    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> FleetStatus | Problem | None:
    if response.status_code == 200:
        response_200 = FleetStatus.from_dict(response.json())



        return response_200

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[FleetStatus | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,

) -> Response[FleetStatus | Problem]:
    """ The fleet's status: the worst of replication health (failing, late, never),
    jobs that failed in the last 24 h, servers unreachable or with a changed host
    key, filesystems over the usage threshold, and snapshots failing or overdue
    against their schedule; one row per problem, worst first. `ok` only when
    nothing is wrong. `/metrics` has the same as `dist_btrfs_fleet_status` and
    `dist_btrfs_fleet_problems`. Many readers at once share one computation, reused
    until an event is committed, a storage collection runs or 5 s pass.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[FleetStatus | Problem]
     """


    kwargs = _get_kwargs(
        
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    *,
    client: AuthenticatedClient,

) -> FleetStatus | Problem | None:
    """ The fleet's status: the worst of replication health (failing, late, never),
    jobs that failed in the last 24 h, servers unreachable or with a changed host
    key, filesystems over the usage threshold, and snapshots failing or overdue
    against their schedule; one row per problem, worst first. `ok` only when
    nothing is wrong. `/metrics` has the same as `dist_btrfs_fleet_status` and
    `dist_btrfs_fleet_problems`. Many readers at once share one computation, reused
    until an event is committed, a storage collection runs or 5 s pass.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        FleetStatus | Problem
     """


    return sync_detailed(
        client=client,

    ).parsed

async def asyncio_detailed(
    *,
    client: AuthenticatedClient,

) -> Response[FleetStatus | Problem]:
    """ The fleet's status: the worst of replication health (failing, late, never),
    jobs that failed in the last 24 h, servers unreachable or with a changed host
    key, filesystems over the usage threshold, and snapshots failing or overdue
    against their schedule; one row per problem, worst first. `ok` only when
    nothing is wrong. `/metrics` has the same as `dist_btrfs_fleet_status` and
    `dist_btrfs_fleet_problems`. Many readers at once share one computation, reused
    until an event is committed, a storage collection runs or 5 s pass.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[FleetStatus | Problem]
     """


    kwargs = _get_kwargs(
        
    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    *,
    client: AuthenticatedClient,

) -> FleetStatus | Problem | None:
    """ The fleet's status: the worst of replication health (failing, late, never),
    jobs that failed in the last 24 h, servers unreachable or with a changed host
    key, filesystems over the usage threshold, and snapshots failing or overdue
    against their schedule; one row per problem, worst first. `ok` only when
    nothing is wrong. `/metrics` has the same as `dist_btrfs_fleet_status` and
    `dist_btrfs_fleet_problems`. Many readers at once share one computation, reused
    until an event is committed, a storage collection runs or 5 s pass.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        FleetStatus | Problem
     """


    return (await asyncio_detailed(
        client=client,

    )).parsed
