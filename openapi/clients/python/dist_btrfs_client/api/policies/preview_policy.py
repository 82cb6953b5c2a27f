from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.preview_request import PreviewRequest
from ...models.problem import Problem
from ...models.retention_preview import RetentionPreview
from typing import cast



def _get_kwargs(
    *,
    body: PreviewRequest,

) -> dict[str, Any]:
    headers: dict[str, Any] = {}


    

    

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/policies/preview",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json; charset=utf-8"

    _kwargs["headers"] = headers
    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Problem | RetentionPreview | None:
    if response.status_code == 200:
        response_200 = RetentionPreview.from_dict(response.json())



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

    if response.status_code == 413:
        response_413 = Problem.from_dict(response.json())



        return response_413

    if response.status_code == 415:
        response_415 = Problem.from_dict(response.json())



        return response_415

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Problem | RetentionPreview]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: PreviewRequest,

) -> Response[Problem | RetentionPreview]:
    """ The retention plan of a subvolume under a saved or draft policy at a given time,
    with every reason. Changes nothing.

    Args:
        body (PreviewRequest): What to preview: a subvolume under a saved policy (`policy_id`) or
            a draft; on the
            primary, or with `target_id` on one of the subvolume's targets.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | RetentionPreview]
     """


    kwargs = _get_kwargs(
        body=body,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    *,
    client: AuthenticatedClient,
    body: PreviewRequest,

) -> Problem | RetentionPreview | None:
    """ The retention plan of a subvolume under a saved or draft policy at a given time,
    with every reason. Changes nothing.

    Args:
        body (PreviewRequest): What to preview: a subvolume under a saved policy (`policy_id`) or
            a draft; on the
            primary, or with `target_id` on one of the subvolume's targets.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | RetentionPreview
     """


    return sync_detailed(
        client=client,
body=body,

    ).parsed

async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: PreviewRequest,

) -> Response[Problem | RetentionPreview]:
    """ The retention plan of a subvolume under a saved or draft policy at a given time,
    with every reason. Changes nothing.

    Args:
        body (PreviewRequest): What to preview: a subvolume under a saved policy (`policy_id`) or
            a draft; on the
            primary, or with `target_id` on one of the subvolume's targets.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | RetentionPreview]
     """


    kwargs = _get_kwargs(
        body=body,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    *,
    client: AuthenticatedClient,
    body: PreviewRequest,

) -> Problem | RetentionPreview | None:
    """ The retention plan of a subvolume under a saved or draft policy at a given time,
    with every reason. Changes nothing.

    Args:
        body (PreviewRequest): What to preview: a subvolume under a saved policy (`policy_id`) or
            a draft; on the
            primary, or with `target_id` on one of the subvolume's targets.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | RetentionPreview
     """


    return (await asyncio_detailed(
        client=client,
body=body,

    )).parsed
