from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast
from uuid import UUID
import datetime






T = TypeVar("T", bound="Instance")



@_attrs_define
class Instance:
    """ This installation.

        Attributes:
            initialized_at (datetime.datetime):
            instance_id (UUID): Stable id of this installation, fixed at first start.
            software_version (str): Version of dist-btrfs that initialised the database.
            updated_at (datetime.datetime):
            name (None | str | Unset): Display name shown in the dashboard, if one was set.
     """

    initialized_at: datetime.datetime
    instance_id: UUID
    software_version: str
    updated_at: datetime.datetime
    name: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        initialized_at = self.initialized_at.isoformat()

        instance_id = str(self.instance_id)

        software_version = self.software_version

        updated_at = self.updated_at.isoformat()

        name: None | str | Unset
        if isinstance(self.name, Unset):
            name = UNSET
        else:
            name = self.name


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "initialized_at": initialized_at,
            "instance_id": instance_id,
            "software_version": software_version,
            "updated_at": updated_at,
        })
        if name is not UNSET:
            field_dict["name"] = name

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        initialized_at = datetime.datetime.fromisoformat(d.pop("initialized_at"))




        instance_id = UUID(d.pop("instance_id"))




        software_version = d.pop("software_version")

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))




        def _parse_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        name = _parse_name(d.pop("name", UNSET))


        instance = cls(
            initialized_at=initialized_at,
            instance_id=instance_id,
            software_version=software_version,
            updated_at=updated_at,
            name=name,
        )


        instance.additional_properties = d
        return instance

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
