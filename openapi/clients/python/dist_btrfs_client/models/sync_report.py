from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast
from uuid import UUID






T = TypeVar("T", bound="SyncReport")



@_attrs_define
class SyncReport:
    """ What an inventory sync changed.

        Attributes:
            discovered (list[UUID]): Read-only snapshots of the subvolume found on disk, catalogued as unmanaged.
            vanished (list[UUID]): Catalogued snapshots found gone from disk (now `vanished`).
     """

    discovered: list[UUID]
    vanished: list[UUID]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        discovered = []
        for discovered_item_data in self.discovered:
            discovered_item = str(discovered_item_data)
            discovered.append(discovered_item)



        vanished = []
        for vanished_item_data in self.vanished:
            vanished_item = str(vanished_item_data)
            vanished.append(vanished_item)




        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "discovered": discovered,
            "vanished": vanished,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        discovered = []
        _discovered = d.pop("discovered")
        for discovered_item_data in (_discovered):
            discovered_item = UUID(discovered_item_data)



            discovered.append(discovered_item)


        vanished = []
        _vanished = d.pop("vanished")
        for vanished_item_data in (_vanished):
            vanished_item = UUID(vanished_item_data)



            vanished.append(vanished_item)


        sync_report = cls(
            discovered=discovered,
            vanished=vanished,
        )


        sync_report.additional_properties = d
        return sync_report

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
