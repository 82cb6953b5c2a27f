from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.problem import Problem
from ...models.subvolume import Subvolume
from ...types import UNSET, Unset
from typing import cast
from uuid import UUID



def _get_kwargs(
    *,
    server_id: UUID | Unset = UNSET,
    include_unmanaged: bool | Unset = UNSET,

) -> dict[str, Any]:
    

    

    params: dict[str, Any] = {}

    json_server_id: str | Unset = UNSET
    if not isinstance(server_id, Unset):
        json_server_id = str(server_id)
    params["server_id"] = json_server_id

    params["include_unmanaged"] = include_unmanaged


    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}


    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/subvolumes",
        "params": params,
    }


    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Problem | list[Subvolume] | None:
    if response.status_code == 200:
        response_200 = []
        _response_200 = response.json()
        for response_200_item_data in (_response_200):
            response_200_item = Subvolume.from_dict(response_200_item_data)



            response_200.append(response_200_item)

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Problem | list[Subvolume]]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    server_id: UUID | Unset = UNSET,
    include_unmanaged: bool | Unset = UNSET,

) -> Response[Problem | list[Subvolume]]:
    """ Managed subvolumes (with `include_unmanaged`, also those no longer managed).

    Args:
        server_id (UUID | Unset):
        include_unmanaged (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | list[Subvolume]]
     """


    kwargs = _get_kwargs(
        server_id=server_id,
include_unmanaged=include_unmanaged,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    *,
    client: AuthenticatedClient,
    server_id: UUID | Unset = UNSET,
    include_unmanaged: bool | Unset = UNSET,

) -> Problem | list[Subvolume] | None:
    """ Managed subvolumes (with `include_unmanaged`, also those no longer managed).

    Args:
        server_id (UUID | Unset):
        include_unmanaged (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | list[Subvolume]
     """


    return sync_detailed(
        client=client,
server_id=server_id,
include_unmanaged=include_unmanaged,

    ).parsed

async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    server_id: UUID | Unset = UNSET,
    include_unmanaged: bool | Unset = UNSET,

) -> Response[Problem | list[Subvolume]]:
    """ Managed subvolumes (with `include_unmanaged`, also those no longer managed).

    Args:
        server_id (UUID | Unset):
        include_unmanaged (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | list[Subvolume]]
     """


    kwargs = _get_kwargs(
        server_id=server_id,
include_unmanaged=include_unmanaged,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    *,
    client: AuthenticatedClient,
    server_id: UUID | Unset = UNSET,
    include_unmanaged: bool | Unset = UNSET,

) -> Problem | list[Subvolume] | None:
    """ Managed subvolumes (with `include_unmanaged`, also those no longer managed).

    Args:
        server_id (UUID | Unset):
        include_unmanaged (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | list[Subvolume]
     """


    return (await asyncio_detailed(
        client=client,
server_id=server_id,
include_unmanaged=include_unmanaged,

    )).parsed
