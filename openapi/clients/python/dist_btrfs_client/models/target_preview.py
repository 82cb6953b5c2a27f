from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.planned_send import PlannedSend
from ..types import UNSET, Unset
from typing import cast
from uuid import UUID






T = TypeVar("T", bound="TargetPreview")



@_attrs_define
class TargetPreview:
    """ One target's part of a replication preview.

        Attributes:
            plan (PlannedSend): What a replication would do on one target.
            target_id (UUID):
            estimated_bytes (int | None | Unset): About how many bytes that send is (from `btrfs send --no-data`).
            parent_snapshot_id (None | Unset | UUID):
            reason (None | str | Unset):
            snapshot_id (None | Unset | UUID): The snapshot the first send would carry (with send-all-missing an older one
                may
                go first).
     """

    plan: PlannedSend
    target_id: UUID
    estimated_bytes: int | None | Unset = UNSET
    parent_snapshot_id: None | Unset | UUID = UNSET
    reason: None | str | Unset = UNSET
    snapshot_id: None | Unset | UUID = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        plan = self.plan.value

        target_id = str(self.target_id)

        estimated_bytes: int | None | Unset
        if isinstance(self.estimated_bytes, Unset):
            estimated_bytes = UNSET
        else:
            estimated_bytes = self.estimated_bytes

        parent_snapshot_id: None | str | Unset
        if isinstance(self.parent_snapshot_id, Unset):
            parent_snapshot_id = UNSET
        elif isinstance(self.parent_snapshot_id, UUID):
            parent_snapshot_id = str(self.parent_snapshot_id)
        else:
            parent_snapshot_id = self.parent_snapshot_id

        reason: None | str | Unset
        if isinstance(self.reason, Unset):
            reason = UNSET
        else:
            reason = self.reason

        snapshot_id: None | str | Unset
        if isinstance(self.snapshot_id, Unset):
            snapshot_id = UNSET
        elif isinstance(self.snapshot_id, UUID):
            snapshot_id = str(self.snapshot_id)
        else:
            snapshot_id = self.snapshot_id


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "plan": plan,
            "target_id": target_id,
        })
        if estimated_bytes is not UNSET:
            field_dict["estimated_bytes"] = estimated_bytes
        if parent_snapshot_id is not UNSET:
            field_dict["parent_snapshot_id"] = parent_snapshot_id
        if reason is not UNSET:
            field_dict["reason"] = reason
        if snapshot_id is not UNSET:
            field_dict["snapshot_id"] = snapshot_id

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        plan = PlannedSend(d.pop("plan"))




        target_id = UUID(d.pop("target_id"))




        def _parse_estimated_bytes(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        estimated_bytes = _parse_estimated_bytes(d.pop("estimated_bytes", UNSET))


        def _parse_parent_snapshot_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                parent_snapshot_id_type_0 = UUID(data)



                return parent_snapshot_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        parent_snapshot_id = _parse_parent_snapshot_id(d.pop("parent_snapshot_id", UNSET))


        def _parse_reason(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        reason = _parse_reason(d.pop("reason", UNSET))


        def _parse_snapshot_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                snapshot_id_type_0 = UUID(data)



                return snapshot_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        snapshot_id = _parse_snapshot_id(d.pop("snapshot_id", UNSET))


        target_preview = cls(
            plan=plan,
            target_id=target_id,
            estimated_bytes=estimated_bytes,
            parent_snapshot_id=parent_snapshot_id,
            reason=reason,
            snapshot_id=snapshot_id,
        )


        target_preview.additional_properties = d
        return target_preview

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
