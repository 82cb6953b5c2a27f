from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast
import datetime






T = TypeVar("T", bound="StorageSample")



@_attrs_define
class StorageSample:
    """ One filesystem sample of a server's history.

        Attributes:
            filesystem (str):
            free_bytes (int):
            sampled_at (datetime.datetime):
            size_bytes (int):
            used_bytes (int):
     """

    filesystem: str
    free_bytes: int
    sampled_at: datetime.datetime
    size_bytes: int
    used_bytes: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        filesystem = self.filesystem

        free_bytes = self.free_bytes

        sampled_at = self.sampled_at.isoformat()

        size_bytes = self.size_bytes

        used_bytes = self.used_bytes


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "filesystem": filesystem,
            "free_bytes": free_bytes,
            "sampled_at": sampled_at,
            "size_bytes": size_bytes,
            "used_bytes": used_bytes,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        filesystem = d.pop("filesystem")

        free_bytes = d.pop("free_bytes")

        sampled_at = datetime.datetime.fromisoformat(d.pop("sampled_at"))




        size_bytes = d.pop("size_bytes")

        used_bytes = d.pop("used_bytes")

        storage_sample = cls(
            filesystem=filesystem,
            free_bytes=free_bytes,
            sampled_at=sampled_at,
            size_bytes=size_bytes,
            used_bytes=used_bytes,
        )


        storage_sample.additional_properties = d
        return storage_sample

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
