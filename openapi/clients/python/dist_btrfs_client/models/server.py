from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.role import Role
from ..types import UNSET, Unset
from typing import cast
from uuid import UUID
import datetime

if TYPE_CHECKING:
  from ..models.server_transport import ServerTransport





T = TypeVar("T", bound="Server")



@_attrs_define
class Server:
    """ A server.

        Attributes:
            allowed_roots (list[str]): Absolute paths under which dist-btrfs may manage subvolumes and snapshots.
            id (UUID):
            name (str):
            registered_at (datetime.datetime):
            role (Role): What a server is for.
            sudo (bool): btrfs runs through `sudo -n` (a non-root SSH user).
            transport (ServerTransport): How dist-btrfs reaches a server (credentials are never shown).
            updated_at (datetime.datetime):
            credential_kind (None | str | Unset): `password` or `key`: which kind of SSH credential is stored (never the
                secret).
            host_key_fingerprint (None | str | Unset): The pinned SSH host key (SHA256 fingerprint); SSH servers only.
     """

    allowed_roots: list[str]
    id: UUID
    name: str
    registered_at: datetime.datetime
    role: Role
    sudo: bool
    transport: ServerTransport
    updated_at: datetime.datetime
    credential_kind: None | str | Unset = UNSET
    host_key_fingerprint: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.server_transport import ServerTransport # noqa: PLC0415
        allowed_roots = self.allowed_roots



        id = str(self.id)

        name = self.name

        registered_at = self.registered_at.isoformat()

        role = self.role.value

        sudo = self.sudo

        transport = self.transport.to_dict()

        updated_at = self.updated_at.isoformat()

        credential_kind: None | str | Unset
        if isinstance(self.credential_kind, Unset):
            credential_kind = UNSET
        else:
            credential_kind = self.credential_kind

        host_key_fingerprint: None | str | Unset
        if isinstance(self.host_key_fingerprint, Unset):
            host_key_fingerprint = UNSET
        else:
            host_key_fingerprint = self.host_key_fingerprint


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "allowed_roots": allowed_roots,
            "id": id,
            "name": name,
            "registered_at": registered_at,
            "role": role,
            "sudo": sudo,
            "transport": transport,
            "updated_at": updated_at,
        })
        if credential_kind is not UNSET:
            field_dict["credential_kind"] = credential_kind
        if host_key_fingerprint is not UNSET:
            field_dict["host_key_fingerprint"] = host_key_fingerprint

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.server_transport import ServerTransport # noqa: PLC0415
        d = dict(src_dict)
        allowed_roots = cast(list[str], d.pop("allowed_roots"))


        id = UUID(d.pop("id"))




        name = d.pop("name")

        registered_at = datetime.datetime.fromisoformat(d.pop("registered_at"))




        role = Role(d.pop("role"))




        sudo = d.pop("sudo")

        transport = ServerTransport.from_dict(d.pop("transport"))




        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))




        def _parse_credential_kind(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        credential_kind = _parse_credential_kind(d.pop("credential_kind", UNSET))


        def _parse_host_key_fingerprint(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        host_key_fingerprint = _parse_host_key_fingerprint(d.pop("host_key_fingerprint", UNSET))


        server = cls(
            allowed_roots=allowed_roots,
            id=id,
            name=name,
            registered_at=registered_at,
            role=role,
            sudo=sudo,
            transport=transport,
            updated_at=updated_at,
            credential_kind=credential_kind,
            host_key_fingerprint=host_key_fingerprint,
        )


        server.additional_properties = d
        return server

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
