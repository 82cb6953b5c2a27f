from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.host_key_probe import HostKeyProbe
from ...models.probe_host_key import ProbeHostKey
from ...models.problem import Problem
from typing import cast



def _get_kwargs(
    *,
    body: ProbeHostKey,

) -> dict[str, Any]:
    headers: dict[str, Any] = {}


    

    

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/servers/probe-host-key",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json; charset=utf-8"

    _kwargs["headers"] = headers
    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> HostKeyProbe | Problem | None:
    if response.status_code == 200:
        response_200 = HostKeyProbe.from_dict(response.json())



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

    if response.status_code == 413:
        response_413 = Problem.from_dict(response.json())



        return response_413

    if response.status_code == 415:
        response_415 = Problem.from_dict(response.json())



        return response_415

    if response.status_code == 429:
        response_429 = Problem.from_dict(response.json())



        return response_429

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())



        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[HostKeyProbe | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: ProbeHostKey,

) -> Response[HostKeyProbe | Problem]:
    """ The SSH host key fingerprint `address:port` presents, for the admin to confirm
    before registering (then sent as `host_key_fingerprint`). Stores nothing.
    Admins only, at most 10 a minute each. The answer is the key or "unreachable":
    it says nothing about why (closed, filtered, not SSH), and a failure takes as
    long as a connection time-out, so it is no port scanner.

    Args:
        body (ProbeHostKey): Where to look for a host key.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[HostKeyProbe | Problem]
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
    body: ProbeHostKey,

) -> HostKeyProbe | Problem | None:
    """ The SSH host key fingerprint `address:port` presents, for the admin to confirm
    before registering (then sent as `host_key_fingerprint`). Stores nothing.
    Admins only, at most 10 a minute each. The answer is the key or "unreachable":
    it says nothing about why (closed, filtered, not SSH), and a failure takes as
    long as a connection time-out, so it is no port scanner.

    Args:
        body (ProbeHostKey): Where to look for a host key.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        HostKeyProbe | Problem
     """


    return sync_detailed(
        client=client,
body=body,

    ).parsed

async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: ProbeHostKey,

) -> Response[HostKeyProbe | Problem]:
    """ The SSH host key fingerprint `address:port` presents, for the admin to confirm
    before registering (then sent as `host_key_fingerprint`). Stores nothing.
    Admins only, at most 10 a minute each. The answer is the key or "unreachable":
    it says nothing about why (closed, filtered, not SSH), and a failure takes as
    long as a connection time-out, so it is no port scanner.

    Args:
        body (ProbeHostKey): Where to look for a host key.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[HostKeyProbe | Problem]
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
    body: ProbeHostKey,

) -> HostKeyProbe | Problem | None:
    """ The SSH host key fingerprint `address:port` presents, for the admin to confirm
    before registering (then sent as `host_key_fingerprint`). Stores nothing.
    Admins only, at most 10 a minute each. The answer is the key or "unreachable":
    it says nothing about why (closed, filtered, not SSH), and a failure takes as
    long as a connection time-out, so it is no port scanner.

    Args:
        body (ProbeHostKey): Where to look for a host key.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        HostKeyProbe | Problem
     """


    return (await asyncio_detailed(
        client=client,
body=body,

    )).parsed
