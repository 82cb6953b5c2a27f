from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast
from uuid import UUID






T = TypeVar("T", bound="DiscoveredSubvolume")



@_attrs_define
class DiscoveredSubvolume:
    """ A btrfs subvolume found on a server, under its allowed roots.

        Attributes:
            btrfs_id (int): btrfs subvolume id.
            generation (int): Generation of the last change.
            manageable (bool): Whether the path can be managed (paths with spaces, quotes etc. cannot).
            path (str): Absolute path on the server.
            readonly (bool):
            managed_subvolume_id (None | Unset | UUID): The managed subvolume this is, if any.
            parent_uuid (None | Unset | UUID): Set on snapshots: the uuid of the subvolume they were taken of.
            received_uuid (None | Unset | UUID): Set on received subvolumes.
            uuid (None | Unset | UUID):
     """

    btrfs_id: int
    generation: int
    manageable: bool
    path: str
    readonly: bool
    managed_subvolume_id: None | Unset | UUID = UNSET
    parent_uuid: None | Unset | UUID = UNSET
    received_uuid: None | Unset | UUID = UNSET
    uuid: None | Unset | UUID = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        btrfs_id = self.btrfs_id

        generation = self.generation

        manageable = self.manageable

        path = self.path

        readonly = self.readonly

        managed_subvolume_id: None | str | Unset
        if isinstance(self.managed_subvolume_id, Unset):
            managed_subvolume_id = UNSET
        elif isinstance(self.managed_subvolume_id, UUID):
            managed_subvolume_id = str(self.managed_subvolume_id)
        else:
            managed_subvolume_id = self.managed_subvolume_id

        parent_uuid: None | str | Unset
        if isinstance(self.parent_uuid, Unset):
            parent_uuid = UNSET
        elif isinstance(self.parent_uuid, UUID):
            parent_uuid = str(self.parent_uuid)
        else:
            parent_uuid = self.parent_uuid

        received_uuid: None | str | Unset
        if isinstance(self.received_uuid, Unset):
            received_uuid = UNSET
        elif isinstance(self.received_uuid, UUID):
            received_uuid = str(self.received_uuid)
        else:
            received_uuid = self.received_uuid

        uuid: None | str | Unset
        if isinstance(self.uuid, Unset):
            uuid = UNSET
        elif isinstance(self.uuid, UUID):
            uuid = str(self.uuid)
        else:
            uuid = self.uuid


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "btrfs_id": btrfs_id,
            "generation": generation,
            "manageable": manageable,
            "path": path,
            "readonly": readonly,
        })
        if managed_subvolume_id is not UNSET:
            field_dict["managed_subvolume_id"] = managed_subvolume_id
        if parent_uuid is not UNSET:
            field_dict["parent_uuid"] = parent_uuid
        if received_uuid is not UNSET:
            field_dict["received_uuid"] = received_uuid
        if uuid is not UNSET:
            field_dict["uuid"] = uuid

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        btrfs_id = d.pop("btrfs_id")

        generation = d.pop("generation")

        manageable = d.pop("manageable")

        path = d.pop("path")

        readonly = d.pop("readonly")

        def _parse_managed_subvolume_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                managed_subvolume_id_type_0 = UUID(data)



                return managed_subvolume_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        managed_subvolume_id = _parse_managed_subvolume_id(d.pop("managed_subvolume_id", UNSET))


        def _parse_parent_uuid(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                parent_uuid_type_0 = UUID(data)



                return parent_uuid_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        parent_uuid = _parse_parent_uuid(d.pop("parent_uuid", UNSET))


        def _parse_received_uuid(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                received_uuid_type_0 = UUID(data)



                return received_uuid_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        received_uuid = _parse_received_uuid(d.pop("received_uuid", UNSET))


        def _parse_uuid(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                uuid_type_0 = UUID(data)



                return uuid_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        uuid = _parse_uuid(d.pop("uuid", UNSET))


        discovered_subvolume = cls(
            btrfs_id=btrfs_id,
            generation=generation,
            manageable=manageable,
            path=path,
            readonly=readonly,
            managed_subvolume_id=managed_subvolume_id,
            parent_uuid=parent_uuid,
            received_uuid=received_uuid,
            uuid=uuid,
        )


        discovered_subvolume.additional_properties = d
        return discovered_subvolume

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
