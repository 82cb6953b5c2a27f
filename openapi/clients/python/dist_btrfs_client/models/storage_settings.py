from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset







T = TypeVar("T", bound="StorageSettings")



@_attrs_define
class StorageSettings:
    """ Storage collection settings of a server.

        Attributes:
            collect_qgroups (bool): Read per-subvolume referenced/exclusive bytes from qgroups. Only reads: quotas
                must already be enabled on the filesystem (`btrfs quota enable`), which slows
                writes, snapshot deletion and balance on large filesystems; dist-btrfs never
                enables them.
     """

    collect_qgroups: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        collect_qgroups = self.collect_qgroups


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "collect_qgroups": collect_qgroups,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        collect_qgroups = d.pop("collect_qgroups")

        storage_settings = cls(
            collect_qgroups=collect_qgroups,
        )


        storage_settings.additional_properties = d
        return storage_settings

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
