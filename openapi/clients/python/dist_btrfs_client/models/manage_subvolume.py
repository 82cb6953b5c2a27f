from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast
from uuid import UUID






T = TypeVar("T", bound="ManageSubvolume")



@_attrs_define
class ManageSubvolume:
    """ Start managing a subvolume.

        Attributes:
            path (str): Absolute path of the subvolume, under one of the server's allowed roots.
                Components: ASCII letters, digits and `. _ @ + -`; no `..`, no trailing `/`.
            server_id (UUID):
            snapshot_dir (str): Existing directory (under an allowed root, outside the subvolume) where snapshots
                are created.
            name (None | str | Unset): Prefix of snapshot names (default: the path's last component). Same characters as
                path components, at most 200 bytes.
     """

    path: str
    server_id: UUID
    snapshot_dir: str
    name: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        path = self.path

        server_id = str(self.server_id)

        snapshot_dir = self.snapshot_dir

        name: None | str | Unset
        if isinstance(self.name, Unset):
            name = UNSET
        else:
            name = self.name


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "path": path,
            "server_id": server_id,
            "snapshot_dir": snapshot_dir,
        })
        if name is not UNSET:
            field_dict["name"] = name

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        path = d.pop("path")

        server_id = UUID(d.pop("server_id"))




        snapshot_dir = d.pop("snapshot_dir")

        def _parse_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        name = _parse_name(d.pop("name", UNSET))


        manage_subvolume = cls(
            path=path,
            server_id=server_id,
            snapshot_dir=snapshot_dir,
            name=name,
        )


        manage_subvolume.additional_properties = d
        return manage_subvolume

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
