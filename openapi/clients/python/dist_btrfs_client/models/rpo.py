from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.rpo_source import RpoSource
from ..types import UNSET, Unset
from typing import cast
from uuid import UUID






T = TypeVar("T", bound="Rpo")



@_attrs_define
class Rpo:
    """ A subvolume's RPO.

        Attributes:
            rpo_seconds (int): The RPO in force, in seconds.
            rpo_source (RpoSource): Where the RPO in force comes from.
            subvolume_id (UUID):
            rpo_set_seconds (int | None | Unset): What an operator set; absent: the default applies.
     """

    rpo_seconds: int
    rpo_source: RpoSource
    subvolume_id: UUID
    rpo_set_seconds: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        rpo_seconds = self.rpo_seconds

        rpo_source = self.rpo_source.value

        subvolume_id = str(self.subvolume_id)

        rpo_set_seconds: int | None | Unset
        if isinstance(self.rpo_set_seconds, Unset):
            rpo_set_seconds = UNSET
        else:
            rpo_set_seconds = self.rpo_set_seconds


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "rpo_seconds": rpo_seconds,
            "rpo_source": rpo_source,
            "subvolume_id": subvolume_id,
        })
        if rpo_set_seconds is not UNSET:
            field_dict["rpo_set_seconds"] = rpo_set_seconds

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        rpo_seconds = d.pop("rpo_seconds")

        rpo_source = RpoSource(d.pop("rpo_source"))




        subvolume_id = UUID(d.pop("subvolume_id"))




        def _parse_rpo_set_seconds(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        rpo_set_seconds = _parse_rpo_set_seconds(d.pop("rpo_set_seconds", UNSET))


        rpo = cls(
            rpo_seconds=rpo_seconds,
            rpo_source=rpo_source,
            subvolume_id=subvolume_id,
            rpo_set_seconds=rpo_set_seconds,
        )


        rpo.additional_properties = d
        return rpo

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
