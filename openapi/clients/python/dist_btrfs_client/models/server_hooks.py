from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast

if TYPE_CHECKING:
  from ..models.available_hook import AvailableHook





T = TypeVar("T", bound="ServerHooks")



@_attrs_define
class ServerHooks:
    """ The hooks a server offers.

        Attributes:
            directory (str): The hooks directory on every server (serve's `--hooks-dir`).
            items (list[AvailableHook]):
     """

    directory: str
    items: list[AvailableHook]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.available_hook import AvailableHook # noqa: PLC0415
        directory = self.directory

        items = []
        for items_item_data in self.items:
            items_item = items_item_data.to_dict()
            items.append(items_item)




        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "directory": directory,
            "items": items,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.available_hook import AvailableHook # noqa: PLC0415
        d = dict(src_dict)
        directory = d.pop("directory")

        items = []
        _items = d.pop("items")
        for items_item_data in (_items):
            items_item = AvailableHook.from_dict(items_item_data)



            items.append(items_item)


        server_hooks = cls(
            directory=directory,
            items=items,
        )


        server_hooks.additional_properties = d
        return server_hooks

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
