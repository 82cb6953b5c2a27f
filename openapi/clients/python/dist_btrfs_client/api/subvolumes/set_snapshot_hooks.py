from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.problem import Problem
from ...models.set_snapshot_hooks import SetSnapshotHooks
from ...models.subvolume import Subvolume
from typing import cast
from uuid import UUID



def _get_kwargs(
    id: UUID,
    *,
    body: SetSnapshotHooks,

) -> dict[str, Any]:
    headers: dict[str, Any] = {}


    

    

    _kwargs: dict[str, Any] = {
        "method": "put",
        "url": "/subvolumes/{id}/hooks".format(id=quote(str(id), safe=""),),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json; charset=utf-8"

    _kwargs["headers"] = headers
    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Problem | Subvolume | None:
    if response.status_code == 200:
        response_200 = Subvolume.from_dict(response.json())



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

    if response.status_code == 409:
        response_409 = Problem.from_dict(response.json())



        return response_409

    if response.status_code == 413:
        response_413 = Problem.from_dict(response.json())



        return response_413

    if response.status_code == 415:
        response_415 = Problem.from_dict(response.json())



        return response_415

    if response.status_code == 500:
        response_500 = Problem.from_dict(response.json())



        return response_500

    if response.status_code == 502:
        response_502 = Problem.from_dict(response.json())



        return response_502

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())



        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Problem | Subvolume]:
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
    body: SetSnapshotHooks,

) -> Response[Problem | Subvolume]:
    """ Sets (or, both null, removes) the subvolume's pre- and post-snapshot hooks. Each
    must be an executable in the hooks directory of the subvolume's server now.

    Args:
        id (UUID):
        body (SetSnapshotHooks): Set a subvolume's hooks (both null: none).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | Subvolume]
     """


    kwargs = _get_kwargs(
        id=id,
body=body,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    id: UUID,
    *,
    client: AuthenticatedClient,
    body: SetSnapshotHooks,

) -> Problem | Subvolume | None:
    """ Sets (or, both null, removes) the subvolume's pre- and post-snapshot hooks. Each
    must be an executable in the hooks directory of the subvolume's server now.

    Args:
        id (UUID):
        body (SetSnapshotHooks): Set a subvolume's hooks (both null: none).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | Subvolume
     """


    return sync_detailed(
        id=id,
client=client,
body=body,

    ).parsed

async def asyncio_detailed(
    id: UUID,
    *,
    client: AuthenticatedClient,
    body: SetSnapshotHooks,

) -> Response[Problem | Subvolume]:
    """ Sets (or, both null, removes) the subvolume's pre- and post-snapshot hooks. Each
    must be an executable in the hooks directory of the subvolume's server now.

    Args:
        id (UUID):
        body (SetSnapshotHooks): Set a subvolume's hooks (both null: none).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | Subvolume]
     """


    kwargs = _get_kwargs(
        id=id,
body=body,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    id: UUID,
    *,
    client: AuthenticatedClient,
    body: SetSnapshotHooks,

) -> Problem | Subvolume | None:
    """ Sets (or, both null, removes) the subvolume's pre- and post-snapshot hooks. Each
    must be an executable in the hooks directory of the subvolume's server now.

    Args:
        id (UUID):
        body (SetSnapshotHooks): Set a subvolume's hooks (both null: none).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | Subvolume
     """


    return (await asyncio_detailed(
        id=id,
client=client,
body=body,

    )).parsed
