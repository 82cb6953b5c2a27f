from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.tree_entry_kind import TreeEntryKind
from ..types import UNSET, Unset
from typing import cast
import datetime






T = TypeVar("T", bound="TreeEntry")



@_attrs_define
class TreeEntry:
    """ One entry of a directory.

        Attributes:
            kind (TreeEntryKind): What kind of file an entry is.
            mode (int): Permission bits, e.g. 420 (0644).
            mtime (datetime.datetime):
            name (str):
            size (int):
            symlink_target (None | str | Unset): A symlink's target as stored (never followed).
     """

    kind: TreeEntryKind
    mode: int
    mtime: datetime.datetime
    name: str
    size: int
    symlink_target: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        kind = self.kind.value

        mode = self.mode

        mtime = self.mtime.isoformat()

        name = self.name

        size = self.size

        symlink_target: None | str | Unset
        if isinstance(self.symlink_target, Unset):
            symlink_target = UNSET
        else:
            symlink_target = self.symlink_target


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "kind": kind,
            "mode": mode,
            "mtime": mtime,
            "name": name,
            "size": size,
        })
        if symlink_target is not UNSET:
            field_dict["symlink_target"] = symlink_target

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        kind = TreeEntryKind(d.pop("kind"))




        mode = d.pop("mode")

        mtime = datetime.datetime.fromisoformat(d.pop("mtime"))




        name = d.pop("name")

        size = d.pop("size")

        def _parse_symlink_target(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        symlink_target = _parse_symlink_target(d.pop("symlink_target", UNSET))


        tree_entry = cls(
            kind=kind,
            mode=mode,
            mtime=mtime,
            name=name,
            size=size,
            symlink_target=symlink_target,
        )


        tree_entry.additional_properties = d
        return tree_entry

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
