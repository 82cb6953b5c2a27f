from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast






T = TypeVar("T", bound="RpoChange")



@_attrs_define
class RpoChange:
    """ A new RPO.

        Attributes:
            rpo_seconds (int | None | Unset): Seconds (60 to 31,622,400); null: back to the default.
     """

    rpo_seconds: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        rpo_seconds: int | None | Unset
        if isinstance(self.rpo_seconds, Unset):
            rpo_seconds = UNSET
        else:
            rpo_seconds = self.rpo_seconds


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
        })
        if rpo_seconds is not UNSET:
            field_dict["rpo_seconds"] = rpo_seconds

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        def _parse_rpo_seconds(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        rpo_seconds = _parse_rpo_seconds(d.pop("rpo_seconds", UNSET))


        rpo_change = cls(
            rpo_seconds=rpo_seconds,
        )


        rpo_change.additional_properties = d
        return rpo_change

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
