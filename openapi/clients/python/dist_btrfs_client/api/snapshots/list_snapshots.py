from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.page_snapshot import PageSnapshot
from ...models.problem import Problem
from ...types import UNSET, Unset
from typing import cast
from uuid import UUID



def _get_kwargs(
    id: UUID,
    *,
    limit: int | Unset = UNSET,
    after: str | Unset = UNSET,
    include_gone: bool | Unset = UNSET,

) -> dict[str, Any]:
    

    

    params: dict[str, Any] = {}

    params["limit"] = limit

    params["after"] = after

    params["include_gone"] = include_gone


    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}


    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/subvolumes/{id}/snapshots".format(id=quote(str(id), safe=""),),
        "params": params,
    }


    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> PageSnapshot | Problem | None:
    if response.status_code == 200:
        response_200 = PageSnapshot.from_dict(response.json())



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

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())



        return response_404

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[PageSnapshot | Problem]:
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
    limit: int | Unset = UNSET,
    after: str | Unset = UNSET,
    include_gone: bool | Unset = UNSET,

) -> Response[PageSnapshot | Problem]:
    """ A subvolume's snapshots, newest first (undated ones last), a page at a time.

    Args:
        id (UUID):
        limit (int | Unset):
        after (str | Unset):
        include_gone (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PageSnapshot | Problem]
     """


    kwargs = _get_kwargs(
        id=id,
limit=limit,
after=after,
include_gone=include_gone,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    id: UUID,
    *,
    client: AuthenticatedClient,
    limit: int | Unset = UNSET,
    after: str | Unset = UNSET,
    include_gone: bool | Unset = UNSET,

) -> PageSnapshot | Problem | None:
    """ A subvolume's snapshots, newest first (undated ones last), a page at a time.

    Args:
        id (UUID):
        limit (int | Unset):
        after (str | Unset):
        include_gone (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PageSnapshot | Problem
     """


    return sync_detailed(
        id=id,
client=client,
limit=limit,
after=after,
include_gone=include_gone,

    ).parsed

async def asyncio_detailed(
    id: UUID,
    *,
    client: AuthenticatedClient,
    limit: int | Unset = UNSET,
    after: str | Unset = UNSET,
    include_gone: bool | Unset = UNSET,

) -> Response[PageSnapshot | Problem]:
    """ A subvolume's snapshots, newest first (undated ones last), a page at a time.

    Args:
        id (UUID):
        limit (int | Unset):
        after (str | Unset):
        include_gone (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PageSnapshot | Problem]
     """


    kwargs = _get_kwargs(
        id=id,
limit=limit,
after=after,
include_gone=include_gone,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    id: UUID,
    *,
    client: AuthenticatedClient,
    limit: int | Unset = UNSET,
    after: str | Unset = UNSET,
    include_gone: bool | Unset = UNSET,

) -> PageSnapshot | Problem | None:
    """ A subvolume's snapshots, newest first (undated ones last), a page at a time.

    Args:
        id (UUID):
        limit (int | Unset):
        after (str | Unset):
        include_gone (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PageSnapshot | Problem
     """


    return (await asyncio_detailed(
        id=id,
client=client,
limit=limit,
after=after,
include_gone=include_gone,

    )).parsed
