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

if TYPE_CHECKING:
  from ..models.planned_snapshot_dto import PlannedSnapshotDto





T = TypeVar("T", bound="RetentionPreview")



@_attrs_define
class RetentionPreview:
    """ A retention plan, oldest snapshot first. Nothing was changed.

        Attributes:
            at (datetime.datetime):
            delete (int):
            keep (int):
            snapshots (list[PlannedSnapshotDto]):
            subvolume_id (UUID):
            policy_id (None | Unset | UUID): The saved policy previewed (absent for a draft).
            target_id (None | Unset | UUID): The target previewed (absent: the primary); its rows are replicas, their `path`
                the replica's on the target.
     """

    at: datetime.datetime
    delete: int
    keep: int
    snapshots: list[PlannedSnapshotDto]
    subvolume_id: UUID
    policy_id: None | Unset | UUID = UNSET
    target_id: None | Unset | UUID = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.planned_snapshot_dto import PlannedSnapshotDto # noqa: PLC0415
        at = self.at.isoformat()

        delete = self.delete

        keep = self.keep

        snapshots = []
        for snapshots_item_data in self.snapshots:
            snapshots_item = snapshots_item_data.to_dict()
            snapshots.append(snapshots_item)



        subvolume_id = str(self.subvolume_id)

        policy_id: None | str | Unset
        if isinstance(self.policy_id, Unset):
            policy_id = UNSET
        elif isinstance(self.policy_id, UUID):
            policy_id = str(self.policy_id)
        else:
            policy_id = self.policy_id

        target_id: None | str | Unset
        if isinstance(self.target_id, Unset):
            target_id = UNSET
        elif isinstance(self.target_id, UUID):
            target_id = str(self.target_id)
        else:
            target_id = self.target_id


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "at": at,
            "delete": delete,
            "keep": keep,
            "snapshots": snapshots,
            "subvolume_id": subvolume_id,
        })
        if policy_id is not UNSET:
            field_dict["policy_id"] = policy_id
        if target_id is not UNSET:
            field_dict["target_id"] = target_id

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.planned_snapshot_dto import PlannedSnapshotDto # noqa: PLC0415
        d = dict(src_dict)
        at = datetime.datetime.fromisoformat(d.pop("at"))




        delete = d.pop("delete")

        keep = d.pop("keep")

        snapshots = []
        _snapshots = d.pop("snapshots")
        for snapshots_item_data in (_snapshots):
            snapshots_item = PlannedSnapshotDto.from_dict(snapshots_item_data)



            snapshots.append(snapshots_item)


        subvolume_id = UUID(d.pop("subvolume_id"))




        def _parse_policy_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                policy_id_type_0 = UUID(data)



                return policy_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        policy_id = _parse_policy_id(d.pop("policy_id", UNSET))


        def _parse_target_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                target_id_type_0 = UUID(data)



                return target_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        target_id = _parse_target_id(d.pop("target_id", UNSET))


        retention_preview = cls(
            at=at,
            delete=delete,
            keep=keep,
            snapshots=snapshots,
            subvolume_id=subvolume_id,
            policy_id=policy_id,
            target_id=target_id,
        )


        retention_preview.additional_properties = d
        return retention_preview

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
