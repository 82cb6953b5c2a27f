from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.role import Role
from ..types import UNSET, Unset
from typing import cast






T = TypeVar("T", bound="NewServer")



@_attrs_define
class NewServer:
    """ A new SSH server. Give `password` or `private_key` (with `passphrase` when it is
    encrypted); they are stored encrypted and never returned.

        Attributes:
            address (str): Host name or IP address.
            allowed_roots (list[str]): Absolute paths under which dist-btrfs may work on this server (at least one).
            name (str): Unique name (letters, digits, `. _ @ + -`).
            role (Role): What a server is for.
            username (str):
            force (bool | None | Unset): Register even if a check other than the connection fails. Default: False.
            host_key_fingerprint (None | str | Unset): The host key fingerprint the admin confirmed (see
                `probeServerHostKey`): the
                connection must present exactly this key. Absent: trust on first use.
            passphrase (None | str | Unset):
            password (None | str | Unset):
            port (int | None | Unset): SSH port, 1-65535. Default: 22.
            private_key (None | str | Unset): OpenSSH or PEM private key text (ed25519, RSA, ECDSA).
            sudo (bool | None | Unset): Run btrfs through `sudo -n` (non-root user). Default: False.
     """

    address: str
    allowed_roots: list[str]
    name: str
    role: Role
    username: str
    force: bool | None | Unset = False
    host_key_fingerprint: None | str | Unset = UNSET
    passphrase: None | str | Unset = UNSET
    password: None | str | Unset = UNSET
    port: int | None | Unset = 22
    private_key: None | str | Unset = UNSET
    sudo: bool | None | Unset = False
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        address = self.address

        allowed_roots = self.allowed_roots



        name = self.name

        role = self.role.value

        username = self.username

        force: bool | None | Unset
        if isinstance(self.force, Unset):
            force = UNSET
        else:
            force = self.force

        host_key_fingerprint: None | str | Unset
        if isinstance(self.host_key_fingerprint, Unset):
            host_key_fingerprint = UNSET
        else:
            host_key_fingerprint = self.host_key_fingerprint

        passphrase: None | str | Unset
        if isinstance(self.passphrase, Unset):
            passphrase = UNSET
        else:
            passphrase = self.passphrase

        password: None | str | Unset
        if isinstance(self.password, Unset):
            password = UNSET
        else:
            password = self.password

        port: int | None | Unset
        if isinstance(self.port, Unset):
            port = UNSET
        else:
            port = self.port

        private_key: None | str | Unset
        if isinstance(self.private_key, Unset):
            private_key = UNSET
        else:
            private_key = self.private_key

        sudo: bool | None | Unset
        if isinstance(self.sudo, Unset):
            sudo = UNSET
        else:
            sudo = self.sudo


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "address": address,
            "allowed_roots": allowed_roots,
            "name": name,
            "role": role,
            "username": username,
        })
        if force is not UNSET:
            field_dict["force"] = force
        if host_key_fingerprint is not UNSET:
            field_dict["host_key_fingerprint"] = host_key_fingerprint
        if passphrase is not UNSET:
            field_dict["passphrase"] = passphrase
        if password is not UNSET:
            field_dict["password"] = password
        if port is not UNSET:
            field_dict["port"] = port
        if private_key is not UNSET:
            field_dict["private_key"] = private_key
        if sudo is not UNSET:
            field_dict["sudo"] = sudo

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        address = d.pop("address")

        allowed_roots = cast(list[str], d.pop("allowed_roots"))


        name = d.pop("name")

        role = Role(d.pop("role"))




        username = d.pop("username")

        def _parse_force(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        force = _parse_force(d.pop("force", UNSET))


        def _parse_host_key_fingerprint(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        host_key_fingerprint = _parse_host_key_fingerprint(d.pop("host_key_fingerprint", UNSET))


        def _parse_passphrase(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        passphrase = _parse_passphrase(d.pop("passphrase", UNSET))


        def _parse_password(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        password = _parse_password(d.pop("password", UNSET))


        def _parse_port(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        port = _parse_port(d.pop("port", UNSET))


        def _parse_private_key(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        private_key = _parse_private_key(d.pop("private_key", UNSET))


        def _parse_sudo(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        sudo = _parse_sudo(d.pop("sudo", UNSET))


        new_server = cls(
            address=address,
            allowed_roots=allowed_roots,
            name=name,
            role=role,
            username=username,
            force=force,
            host_key_fingerprint=host_key_fingerprint,
            passphrase=passphrase,
            password=password,
            port=port,
            private_key=private_key,
            sudo=sudo,
        )


        new_server.additional_properties = d
        return new_server

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
