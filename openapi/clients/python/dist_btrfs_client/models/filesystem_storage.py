from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast

if TYPE_CHECKING:
  from ..models.block_group_bytes import BlockGroupBytes





T = TypeVar("T", bound="FilesystemStorage")



@_attrs_define
class FilesystemStorage:
    """ `btrfs filesystem usage -b` figures of one filesystem.

        Attributes:
            filesystem (str): The mount of the filesystem's top level that the allowed roots lie in.
            free_bytes (int): Estimated free space for data.
            size_bytes (int): Device size.
            used_bytes (int):
            data (BlockGroupBytes | None | Unset):
            free_min_bytes (int | None | Unset): Pessimistic free estimate, when btrfs gave one.
            metadata (BlockGroupBytes | None | Unset):
            system (BlockGroupBytes | None | Unset):
     """

    filesystem: str
    free_bytes: int
    size_bytes: int
    used_bytes: int
    data: BlockGroupBytes | None | Unset = UNSET
    free_min_bytes: int | None | Unset = UNSET
    metadata: BlockGroupBytes | None | Unset = UNSET
    system: BlockGroupBytes | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.block_group_bytes import BlockGroupBytes # noqa: PLC0415
        filesystem = self.filesystem

        free_bytes = self.free_bytes

        size_bytes = self.size_bytes

        used_bytes = self.used_bytes

        data: dict[str, Any] | None | Unset
        if isinstance(self.data, Unset):
            data = UNSET
        elif isinstance(self.data, BlockGroupBytes):
            data = self.data.to_dict()
        else:
            data = self.data

        free_min_bytes: int | None | Unset
        if isinstance(self.free_min_bytes, Unset):
            free_min_bytes = UNSET
        else:
            free_min_bytes = self.free_min_bytes

        metadata: dict[str, Any] | None | Unset
        if isinstance(self.metadata, Unset):
            metadata = UNSET
        elif isinstance(self.metadata, BlockGroupBytes):
            metadata = self.metadata.to_dict()
        else:
            metadata = self.metadata

        system: dict[str, Any] | None | Unset
        if isinstance(self.system, Unset):
            system = UNSET
        elif isinstance(self.system, BlockGroupBytes):
            system = self.system.to_dict()
        else:
            system = self.system


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "filesystem": filesystem,
            "free_bytes": free_bytes,
            "size_bytes": size_bytes,
            "used_bytes": used_bytes,
        })
        if data is not UNSET:
            field_dict["data"] = data
        if free_min_bytes is not UNSET:
            field_dict["free_min_bytes"] = free_min_bytes
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if system is not UNSET:
            field_dict["system"] = system

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.block_group_bytes import BlockGroupBytes # noqa: PLC0415
        d = dict(src_dict)
        filesystem = d.pop("filesystem")

        free_bytes = d.pop("free_bytes")

        size_bytes = d.pop("size_bytes")

        used_bytes = d.pop("used_bytes")

        def _parse_data(data: object) -> BlockGroupBytes | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                data_type_1 = BlockGroupBytes.from_dict(data)



                return data_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(BlockGroupBytes | None | Unset, data)

        data = _parse_data(d.pop("data", UNSET))


        def _parse_free_min_bytes(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        free_min_bytes = _parse_free_min_bytes(d.pop("free_min_bytes", UNSET))


        def _parse_metadata(data: object) -> BlockGroupBytes | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                metadata_type_1 = BlockGroupBytes.from_dict(data)



                return metadata_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(BlockGroupBytes | None | Unset, data)

        metadata = _parse_metadata(d.pop("metadata", UNSET))


        def _parse_system(data: object) -> BlockGroupBytes | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                system_type_1 = BlockGroupBytes.from_dict(data)



                return system_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(BlockGroupBytes | None | Unset, data)

        system = _parse_system(d.pop("system", UNSET))


        filesystem_storage = cls(
            filesystem=filesystem,
            free_bytes=free_bytes,
            size_bytes=size_bytes,
            used_bytes=used_bytes,
            data=data,
            free_min_bytes=free_min_bytes,
            metadata=metadata,
            system=system,
        )


        filesystem_storage.additional_properties = d
        return filesystem_storage

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
