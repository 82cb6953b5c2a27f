from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.replication_state import ReplicationState
from ..types import UNSET, Unset
from typing import cast
from uuid import UUID
import datetime

if TYPE_CHECKING:
  from ..models.replication_target import ReplicationTarget





T = TypeVar("T", bound="Replication")



@_attrs_define
class Replication:
    """ A replication: one snapshot to some targets.

        Attributes:
            id (UUID):
            requested_at (datetime.datetime):
            requested_by (str): The actor who asked (`user:<name>`, `token:<id>`, `system`).
            snapshot_id (UUID):
            state (ReplicationState): Where a replication stands.
            subvolume_id (UUID):
            targets (list[ReplicationTarget]):
            finished_at (datetime.datetime | None | Unset):
            started_at (datetime.datetime | None | Unset):
     """

    id: UUID
    requested_at: datetime.datetime
    requested_by: str
    snapshot_id: UUID
    state: ReplicationState
    subvolume_id: UUID
    targets: list[ReplicationTarget]
    finished_at: datetime.datetime | None | Unset = UNSET
    started_at: datetime.datetime | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.replication_target import ReplicationTarget # noqa: PLC0415
        id = str(self.id)

        requested_at = self.requested_at.isoformat()

        requested_by = self.requested_by

        snapshot_id = str(self.snapshot_id)

        state = self.state.value

        subvolume_id = str(self.subvolume_id)

        targets = []
        for targets_item_data in self.targets:
            targets_item = targets_item_data.to_dict()
            targets.append(targets_item)



        finished_at: None | str | Unset
        if isinstance(self.finished_at, Unset):
            finished_at = UNSET
        elif isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        started_at: None | str | Unset
        if isinstance(self.started_at, Unset):
            started_at = UNSET
        elif isinstance(self.started_at, datetime.datetime):
            started_at = self.started_at.isoformat()
        else:
            started_at = self.started_at


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "id": id,
            "requested_at": requested_at,
            "requested_by": requested_by,
            "snapshot_id": snapshot_id,
            "state": state,
            "subvolume_id": subvolume_id,
            "targets": targets,
        })
        if finished_at is not UNSET:
            field_dict["finished_at"] = finished_at
        if started_at is not UNSET:
            field_dict["started_at"] = started_at

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.replication_target import ReplicationTarget # noqa: PLC0415
        d = dict(src_dict)
        id = UUID(d.pop("id"))




        requested_at = datetime.datetime.fromisoformat(d.pop("requested_at"))




        requested_by = d.pop("requested_by")

        snapshot_id = UUID(d.pop("snapshot_id"))




        state = ReplicationState(d.pop("state"))




        subvolume_id = UUID(d.pop("subvolume_id"))




        targets = []
        _targets = d.pop("targets")
        for targets_item_data in (_targets):
            targets_item = ReplicationTarget.from_dict(targets_item_data)



            targets.append(targets_item)


        def _parse_finished_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                finished_at_type_0 = datetime.datetime.fromisoformat(data)



                return finished_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        finished_at = _parse_finished_at(d.pop("finished_at", UNSET))


        def _parse_started_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                started_at_type_0 = datetime.datetime.fromisoformat(data)



                return started_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        started_at = _parse_started_at(d.pop("started_at", UNSET))


        replication = cls(
            id=id,
            requested_at=requested_at,
            requested_by=requested_by,
            snapshot_id=snapshot_id,
            state=state,
            subvolume_id=subvolume_id,
            targets=targets,
            finished_at=finished_at,
            started_at=started_at,
        )


        replication.additional_properties = d
        return replication

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
