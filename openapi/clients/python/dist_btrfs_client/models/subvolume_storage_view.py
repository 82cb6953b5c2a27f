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






T = TypeVar("T", bound="SubvolumeStorageView")



@_attrs_define
class SubvolumeStorageView:
    """ Storage figures of one subvolume.

        Attributes:
            server_id (UUID):
            snapshots (int): Present snapshots in the catalog.
            snapshots_measured (int): How many of its present snapshots have a measured size.
            subvolume_id (UUID):
            exclusive_bytes (int | None | Unset): Bytes only the subvolume references.
            referenced_bytes (int | None | Unset): Bytes the subvolume references (qgroups; absent unless collected).
            sampled_at (datetime.datetime | None | Unset):
            snapshot_exclusive_bytes (int | None | Unset): Snapshot overhead: the exclusive bytes of its present snapshots,
                summed.
     """

    server_id: UUID
    snapshots: int
    snapshots_measured: int
    subvolume_id: UUID
    exclusive_bytes: int | None | Unset = UNSET
    referenced_bytes: int | None | Unset = UNSET
    sampled_at: datetime.datetime | None | Unset = UNSET
    snapshot_exclusive_bytes: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        server_id = str(self.server_id)

        snapshots = self.snapshots

        snapshots_measured = self.snapshots_measured

        subvolume_id = str(self.subvolume_id)

        exclusive_bytes: int | None | Unset
        if isinstance(self.exclusive_bytes, Unset):
            exclusive_bytes = UNSET
        else:
            exclusive_bytes = self.exclusive_bytes

        referenced_bytes: int | None | Unset
        if isinstance(self.referenced_bytes, Unset):
            referenced_bytes = UNSET
        else:
            referenced_bytes = self.referenced_bytes

        sampled_at: None | str | Unset
        if isinstance(self.sampled_at, Unset):
            sampled_at = UNSET
        elif isinstance(self.sampled_at, datetime.datetime):
            sampled_at = self.sampled_at.isoformat()
        else:
            sampled_at = self.sampled_at

        snapshot_exclusive_bytes: int | None | Unset
        if isinstance(self.snapshot_exclusive_bytes, Unset):
            snapshot_exclusive_bytes = UNSET
        else:
            snapshot_exclusive_bytes = self.snapshot_exclusive_bytes


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "server_id": server_id,
            "snapshots": snapshots,
            "snapshots_measured": snapshots_measured,
            "subvolume_id": subvolume_id,
        })
        if exclusive_bytes is not UNSET:
            field_dict["exclusive_bytes"] = exclusive_bytes
        if referenced_bytes is not UNSET:
            field_dict["referenced_bytes"] = referenced_bytes
        if sampled_at is not UNSET:
            field_dict["sampled_at"] = sampled_at
        if snapshot_exclusive_bytes is not UNSET:
            field_dict["snapshot_exclusive_bytes"] = snapshot_exclusive_bytes

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        server_id = UUID(d.pop("server_id"))




        snapshots = d.pop("snapshots")

        snapshots_measured = d.pop("snapshots_measured")

        subvolume_id = UUID(d.pop("subvolume_id"))




        def _parse_exclusive_bytes(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        exclusive_bytes = _parse_exclusive_bytes(d.pop("exclusive_bytes", UNSET))


        def _parse_referenced_bytes(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        referenced_bytes = _parse_referenced_bytes(d.pop("referenced_bytes", UNSET))


        def _parse_sampled_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                sampled_at_type_0 = datetime.datetime.fromisoformat(data)



                return sampled_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        sampled_at = _parse_sampled_at(d.pop("sampled_at", UNSET))


        def _parse_snapshot_exclusive_bytes(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        snapshot_exclusive_bytes = _parse_snapshot_exclusive_bytes(d.pop("snapshot_exclusive_bytes", UNSET))


        subvolume_storage_view = cls(
            server_id=server_id,
            snapshots=snapshots,
            snapshots_measured=snapshots_measured,
            subvolume_id=subvolume_id,
            exclusive_bytes=exclusive_bytes,
            referenced_bytes=referenced_bytes,
            sampled_at=sampled_at,
            snapshot_exclusive_bytes=snapshot_exclusive_bytes,
        )


        subvolume_storage_view.additional_properties = d
        return subvolume_storage_view

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
