from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast
import datetime






T = TypeVar("T", bound="SubvolumeSampleView")



@_attrs_define
class SubvolumeSampleView:
    """ A subvolume's figures at one storage collection.

        Attributes:
            sampled_at (datetime.datetime):
            snapshots (int): Present snapshots in the catalog then.
            snapshots_measured (int): How many of them had a measured size.
            exclusive_bytes (int | None | Unset):
            referenced_bytes (int | None | Unset):
            snapshot_exclusive_bytes (int | None | Unset): Their summed exclusive bytes (absent: sizes were not collected).
     """

    sampled_at: datetime.datetime
    snapshots: int
    snapshots_measured: int
    exclusive_bytes: int | None | Unset = UNSET
    referenced_bytes: int | None | Unset = UNSET
    snapshot_exclusive_bytes: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        sampled_at = self.sampled_at.isoformat()

        snapshots = self.snapshots

        snapshots_measured = self.snapshots_measured

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

        snapshot_exclusive_bytes: int | None | Unset
        if isinstance(self.snapshot_exclusive_bytes, Unset):
            snapshot_exclusive_bytes = UNSET
        else:
            snapshot_exclusive_bytes = self.snapshot_exclusive_bytes


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "sampled_at": sampled_at,
            "snapshots": snapshots,
            "snapshots_measured": snapshots_measured,
        })
        if exclusive_bytes is not UNSET:
            field_dict["exclusive_bytes"] = exclusive_bytes
        if referenced_bytes is not UNSET:
            field_dict["referenced_bytes"] = referenced_bytes
        if snapshot_exclusive_bytes is not UNSET:
            field_dict["snapshot_exclusive_bytes"] = snapshot_exclusive_bytes

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        sampled_at = datetime.datetime.fromisoformat(d.pop("sampled_at"))




        snapshots = d.pop("snapshots")

        snapshots_measured = d.pop("snapshots_measured")

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


        def _parse_snapshot_exclusive_bytes(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        snapshot_exclusive_bytes = _parse_snapshot_exclusive_bytes(d.pop("snapshot_exclusive_bytes", UNSET))


        subvolume_sample_view = cls(
            sampled_at=sampled_at,
            snapshots=snapshots,
            snapshots_measured=snapshots_measured,
            exclusive_bytes=exclusive_bytes,
            referenced_bytes=referenced_bytes,
            snapshot_exclusive_bytes=snapshot_exclusive_bytes,
        )


        subvolume_sample_view.additional_properties = d
        return subvolume_sample_view

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
