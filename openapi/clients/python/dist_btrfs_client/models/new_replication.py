from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast
from uuid import UUID






T = TypeVar("T", bound="NewReplication")



@_attrs_define
class NewReplication:
    """ A replication request.

        Attributes:
            snapshot_id (UUID):
            target_ids (list[UUID] | None | Unset): Targets of the snapshot's subvolume; absent: all of them.
     """

    snapshot_id: UUID
    target_ids: list[UUID] | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        snapshot_id = str(self.snapshot_id)

        target_ids: list[str] | None | Unset
        if isinstance(self.target_ids, Unset):
            target_ids = UNSET
        elif isinstance(self.target_ids, list):
            target_ids = []
            for target_ids_type_0_item_data in self.target_ids:
                target_ids_type_0_item = str(target_ids_type_0_item_data)
                target_ids.append(target_ids_type_0_item)


        else:
            target_ids = self.target_ids


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "snapshot_id": snapshot_id,
        })
        if target_ids is not UNSET:
            field_dict["target_ids"] = target_ids

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        snapshot_id = UUID(d.pop("snapshot_id"))




        def _parse_target_ids(data: object) -> list[UUID] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                target_ids_type_0 = []
                _target_ids_type_0 = data
                for target_ids_type_0_item_data in (_target_ids_type_0):
                    target_ids_type_0_item = UUID(target_ids_type_0_item_data)



                    target_ids_type_0.append(target_ids_type_0_item)

                return target_ids_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[UUID] | None | Unset, data)

        target_ids = _parse_target_ids(d.pop("target_ids", UNSET))


        new_replication = cls(
            snapshot_id=snapshot_id,
            target_ids=target_ids,
        )


        new_replication.additional_properties = d
        return new_replication

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
