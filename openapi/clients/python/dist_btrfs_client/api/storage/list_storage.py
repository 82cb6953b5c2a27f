from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.page_server_storage_view import PageServerStorageView
from ...models.problem import Problem
from ...types import UNSET, Unset
from typing import cast



def _get_kwargs(
    *,
    limit: int | Unset = UNSET,
    after: str | Unset = UNSET,

) -> dict[str, Any]:
    

    

    params: dict[str, Any] = {}

    params["limit"] = limit

    params["after"] = after


    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}


    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/storage",
        "params": params,
    }


    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> PageServerStorageView | Problem | None:
    if response.status_code == 200:
        response_200 = PageServerStorageView.from_dict(response.json())



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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[PageServerStorageView | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    limit: int | Unset = UNSET,
    after: str | Unset = UNSET,

) -> Response[PageServerStorageView | Problem]:
    """ The servers' filesystems (size, used, free estimate, data/metadata/system) as of
    each server's last collection, and the last collection's error if it failed; by
    server name, a page at a time. The first page is cut from one reading of every
    server's storage, reused until an event is committed, a storage collection runs or
    5 s pass; later pages are read when asked for.

    Args:
        limit (int | Unset):
        after (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PageServerStorageView | Problem]
     """


    kwargs = _get_kwargs(
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
    limit: int | Unset = UNSET,
    after: str | Unset = UNSET,

) -> PageServerStorageView | Problem | None:
    """ The servers' filesystems (size, used, free estimate, data/metadata/system) as of
    each server's last collection, and the last collection's error if it failed; by
    server name, a page at a time. The first page is cut from one reading of every
    server's storage, reused until an event is committed, a storage collection runs or
    5 s pass; later pages are read when asked for.

    Args:
        limit (int | Unset):
        after (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PageServerStorageView | Problem
     """


    return sync_detailed(
        client=client,
limit=limit,
after=after,

    ).parsed

async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    limit: int | Unset = UNSET,
    after: str | Unset = UNSET,

) -> Response[PageServerStorageView | Problem]:
    """ The servers' filesystems (size, used, free estimate, data/metadata/system) as of
    each server's last collection, and the last collection's error if it failed; by
    server name, a page at a time. The first page is cut from one reading of every
    server's storage, reused until an event is committed, a storage collection runs or
    5 s pass; later pages are read when asked for.

    Args:
        limit (int | Unset):
        after (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PageServerStorageView | Problem]
     """


    kwargs = _get_kwargs(
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
    limit: int | Unset = UNSET,
    after: str | Unset = UNSET,

) -> PageServerStorageView | Problem | None:
    """ The servers' filesystems (size, used, free estimate, data/metadata/system) as of
    each server's last collection, and the last collection's error if it failed; by
    server name, a page at a time. The first page is cut from one reading of every
    server's storage, reused until an event is committed, a storage collection runs or
    5 s pass; later pages are read when asked for.

    Args:
        limit (int | Unset):
        after (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PageServerStorageView | Problem
     """


    return (await asyncio_detailed(
        client=client,
limit=limit,
after=after,

    )).parsed
