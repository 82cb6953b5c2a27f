from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.problem import Problem
from ...models.restore_page import RestorePage
from ...types import UNSET, Unset
from typing import cast
from uuid import UUID



def _get_kwargs(
    *,
    subvolume_id: UUID | Unset = UNSET,
    before: str | Unset = UNSET,
    limit: int | Unset = UNSET,

) -> dict[str, Any]:
    

    

    params: dict[str, Any] = {}

    json_subvolume_id: str | Unset = UNSET
    if not isinstance(subvolume_id, Unset):
        json_subvolume_id = str(subvolume_id)
    params["subvolume_id"] = json_subvolume_id

    params["before"] = before

    params["limit"] = limit


    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}


    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/restores",
        "params": params,
    }


    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Problem | RestorePage | None:
    if response.status_code == 200:
        response_200 = RestorePage.from_dict(response.json())



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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Problem | RestorePage]:
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
    before: str | Unset = UNSET,
    limit: int | Unset = UNSET,

) -> Response[Problem | RestorePage]:
    """ Restores, newest first, optionally of one subvolume.

    Args:
        subvolume_id (UUID | Unset):
        before (str | Unset):
        limit (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | RestorePage]
     """


    kwargs = _get_kwargs(
        subvolume_id=subvolume_id,
before=before,
limit=limit,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    *,
    client: AuthenticatedClient,
    subvolume_id: UUID | Unset = UNSET,
    before: str | Unset = UNSET,
    limit: int | Unset = UNSET,

) -> Problem | RestorePage | None:
    """ Restores, newest first, optionally of one subvolume.

    Args:
        subvolume_id (UUID | Unset):
        before (str | Unset):
        limit (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | RestorePage
     """


    return sync_detailed(
        client=client,
subvolume_id=subvolume_id,
before=before,
limit=limit,

    ).parsed

async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    subvolume_id: UUID | Unset = UNSET,
    before: str | Unset = UNSET,
    limit: int | Unset = UNSET,

) -> Response[Problem | RestorePage]:
    """ Restores, newest first, optionally of one subvolume.

    Args:
        subvolume_id (UUID | Unset):
        before (str | Unset):
        limit (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | RestorePage]
     """


    kwargs = _get_kwargs(
        subvolume_id=subvolume_id,
before=before,
limit=limit,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    *,
    client: AuthenticatedClient,
    subvolume_id: UUID | Unset = UNSET,
    before: str | Unset = UNSET,
    limit: int | Unset = UNSET,

) -> Problem | RestorePage | None:
    """ Restores, newest first, optionally of one subvolume.

    Args:
        subvolume_id (UUID | Unset):
        before (str | Unset):
        limit (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | RestorePage
     """


    return (await asyncio_detailed(
        client=client,
subvolume_id=subvolume_id,
before=before,
limit=limit,

    )).parsed
