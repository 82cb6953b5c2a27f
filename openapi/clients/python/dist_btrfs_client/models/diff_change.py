from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.change_kind import ChangeKind
from ..types import UNSET, Unset
from typing import cast






T = TypeVar("T", bound="DiffChange")



@_attrs_define
class DiffChange:
    """ One change between two snapshots.

        Attributes:
            file_type (str): `file`, `dir`, `symlink`, `other`, or `unknown` (an existing entry the stream did
                not characterise).
            kind (ChangeKind): How a path changed.
            path (str): The path now (for `deleted`: the path it had).
            from_ (None | str | Unset): `renamed`: the path it had.
            size (int | None | Unset): Size in bytes as far as btrfs's send stream tells (exact for new files and after
                a truncate; a lower bound for files changed in place).
     """

    file_type: str
    kind: ChangeKind
    path: str
    from_: None | str | Unset = UNSET
    size: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        file_type = self.file_type

        kind = self.kind.value

        path = self.path

        from_: None | str | Unset
        if isinstance(self.from_, Unset):
            from_ = UNSET
        else:
            from_ = self.from_

        size: int | None | Unset
        if isinstance(self.size, Unset):
            size = UNSET
        else:
            size = self.size


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "file_type": file_type,
            "kind": kind,
            "path": path,
        })
        if from_ is not UNSET:
            field_dict["from"] = from_
        if size is not UNSET:
            field_dict["size"] = size

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        file_type = d.pop("file_type")

        kind = ChangeKind(d.pop("kind"))




        path = d.pop("path")

        def _parse_from_(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        from_ = _parse_from_(d.pop("from", UNSET))


        def _parse_size(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        size = _parse_size(d.pop("size", UNSET))


        diff_change = cls(
            file_type=file_type,
            kind=kind,
            path=path,
            from_=from_,
            size=size,
        )


        diff_change.additional_properties = d
        return diff_change

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
