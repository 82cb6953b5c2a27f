from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.health_state import HealthState
from ..models.rpo_source import RpoSource
from ..models.transfer_kind import TransferKind
from ..types import UNSET, Unset
from typing import cast
from uuid import UUID
import datetime

if TYPE_CHECKING:
  from ..models.health_snapshot_ref import HealthSnapshotRef





T = TypeVar("T", bound="TargetHealthDto")



@_attrs_define
class TargetHealthDto:
    """ Replication health of one (subvolume, target).

        Attributes:
            bytes_total (int): Bytes of every successful send to this target.
            directory (str):
            failures_total (int): Failed attempts on this target.
            in_flight (bool): A replication to this target is queued or running.
            rpo_seconds (int): The RPO in force, in seconds.
            rpo_source (RpoSource): Where the RPO in force comes from.
            server_id (UUID):
            server_name (str):
            state (HealthState): The health verdict of one (subvolume, target).
            subvolume_id (UUID):
            subvolume_name (str):
            target_id (UUID):
            lag_seconds (int | None | Unset): Creation of the newest primary snapshot minus that of the newest replica.
            last_error (None | str | Unset):
            last_error_class (None | str | Unset): `transient` or `permanent`.
            last_failure_at (datetime.datetime | None | Unset):
            last_failure_replication_id (None | Unset | UUID):
            last_success_at (datetime.datetime | None | Unset):
            last_success_replication_id (None | Unset | UUID):
            last_transfer_bytes (int | None | Unset): Bytes of the last run that sent the snapshot to this target (a run
                that found it
                already there is no transfer and does not replace these figures).
            last_transfer_duration_ms (int | None | Unset):
            last_transfer_kind (None | TransferKind | Unset):
            last_transfer_throughput_bytes_per_sec (int | None | Unset):
            newest_primary_snapshot (HealthSnapshotRef | None | Unset): The newest present snapshot on the primary.
            newest_replica_snapshot (HealthSnapshotRef | None | Unset): The newest snapshot complete on the target.
            replica_age_seconds (int | None | Unset): Age of the newest replica (now minus its creation on the primary).
     """

    bytes_total: int
    directory: str
    failures_total: int
    in_flight: bool
    rpo_seconds: int
    rpo_source: RpoSource
    server_id: UUID
    server_name: str
    state: HealthState
    subvolume_id: UUID
    subvolume_name: str
    target_id: UUID
    lag_seconds: int | None | Unset = UNSET
    last_error: None | str | Unset = UNSET
    last_error_class: None | str | Unset = UNSET
    last_failure_at: datetime.datetime | None | Unset = UNSET
    last_failure_replication_id: None | Unset | UUID = UNSET
    last_success_at: datetime.datetime | None | Unset = UNSET
    last_success_replication_id: None | Unset | UUID = UNSET
    last_transfer_bytes: int | None | Unset = UNSET
    last_transfer_duration_ms: int | None | Unset = UNSET
    last_transfer_kind: None | TransferKind | Unset = UNSET
    last_transfer_throughput_bytes_per_sec: int | None | Unset = UNSET
    newest_primary_snapshot: HealthSnapshotRef | None | Unset = UNSET
    newest_replica_snapshot: HealthSnapshotRef | None | Unset = UNSET
    replica_age_seconds: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.health_snapshot_ref import HealthSnapshotRef # noqa: PLC0415
        bytes_total = self.bytes_total

        directory = self.directory

        failures_total = self.failures_total

        in_flight = self.in_flight

        rpo_seconds = self.rpo_seconds

        rpo_source = self.rpo_source.value

        server_id = str(self.server_id)

        server_name = self.server_name

        state = self.state.value

        subvolume_id = str(self.subvolume_id)

        subvolume_name = self.subvolume_name

        target_id = str(self.target_id)

        lag_seconds: int | None | Unset
        if isinstance(self.lag_seconds, Unset):
            lag_seconds = UNSET
        else:
            lag_seconds = self.lag_seconds

        last_error: None | str | Unset
        if isinstance(self.last_error, Unset):
            last_error = UNSET
        else:
            last_error = self.last_error

        last_error_class: None | str | Unset
        if isinstance(self.last_error_class, Unset):
            last_error_class = UNSET
        else:
            last_error_class = self.last_error_class

        last_failure_at: None | str | Unset
        if isinstance(self.last_failure_at, Unset):
            last_failure_at = UNSET
        elif isinstance(self.last_failure_at, datetime.datetime):
            last_failure_at = self.last_failure_at.isoformat()
        else:
            last_failure_at = self.last_failure_at

        last_failure_replication_id: None | str | Unset
        if isinstance(self.last_failure_replication_id, Unset):
            last_failure_replication_id = UNSET
        elif isinstance(self.last_failure_replication_id, UUID):
            last_failure_replication_id = str(self.last_failure_replication_id)
        else:
            last_failure_replication_id = self.last_failure_replication_id

        last_success_at: None | str | Unset
        if isinstance(self.last_success_at, Unset):
            last_success_at = UNSET
        elif isinstance(self.last_success_at, datetime.datetime):
            last_success_at = self.last_success_at.isoformat()
        else:
            last_success_at = self.last_success_at

        last_success_replication_id: None | str | Unset
        if isinstance(self.last_success_replication_id, Unset):
            last_success_replication_id = UNSET
        elif isinstance(self.last_success_replication_id, UUID):
            last_success_replication_id = str(self.last_success_replication_id)
        else:
            last_success_replication_id = self.last_success_replication_id

        last_transfer_bytes: int | None | Unset
        if isinstance(self.last_transfer_bytes, Unset):
            last_transfer_bytes = UNSET
        else:
            last_transfer_bytes = self.last_transfer_bytes

        last_transfer_duration_ms: int | None | Unset
        if isinstance(self.last_transfer_duration_ms, Unset):
            last_transfer_duration_ms = UNSET
        else:
            last_transfer_duration_ms = self.last_transfer_duration_ms

        last_transfer_kind: None | str | Unset
        if isinstance(self.last_transfer_kind, Unset):
            last_transfer_kind = UNSET
        elif isinstance(self.last_transfer_kind, TransferKind):
            last_transfer_kind = self.last_transfer_kind.value
        else:
            last_transfer_kind = self.last_transfer_kind

        last_transfer_throughput_bytes_per_sec: int | None | Unset
        if isinstance(self.last_transfer_throughput_bytes_per_sec, Unset):
            last_transfer_throughput_bytes_per_sec = UNSET
        else:
            last_transfer_throughput_bytes_per_sec = self.last_transfer_throughput_bytes_per_sec

        newest_primary_snapshot: dict[str, Any] | None | Unset
        if isinstance(self.newest_primary_snapshot, Unset):
            newest_primary_snapshot = UNSET
        elif isinstance(self.newest_primary_snapshot, HealthSnapshotRef):
            newest_primary_snapshot = self.newest_primary_snapshot.to_dict()
        else:
            newest_primary_snapshot = self.newest_primary_snapshot

        newest_replica_snapshot: dict[str, Any] | None | Unset
        if isinstance(self.newest_replica_snapshot, Unset):
            newest_replica_snapshot = UNSET
        elif isinstance(self.newest_replica_snapshot, HealthSnapshotRef):
            newest_replica_snapshot = self.newest_replica_snapshot.to_dict()
        else:
            newest_replica_snapshot = self.newest_replica_snapshot

        replica_age_seconds: int | None | Unset
        if isinstance(self.replica_age_seconds, Unset):
            replica_age_seconds = UNSET
        else:
            replica_age_seconds = self.replica_age_seconds


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "bytes_total": bytes_total,
            "directory": directory,
            "failures_total": failures_total,
            "in_flight": in_flight,
            "rpo_seconds": rpo_seconds,
            "rpo_source": rpo_source,
            "server_id": server_id,
            "server_name": server_name,
            "state": state,
            "subvolume_id": subvolume_id,
            "subvolume_name": subvolume_name,
            "target_id": target_id,
        })
        if lag_seconds is not UNSET:
            field_dict["lag_seconds"] = lag_seconds
        if last_error is not UNSET:
            field_dict["last_error"] = last_error
        if last_error_class is not UNSET:
            field_dict["last_error_class"] = last_error_class
        if last_failure_at is not UNSET:
            field_dict["last_failure_at"] = last_failure_at
        if last_failure_replication_id is not UNSET:
            field_dict["last_failure_replication_id"] = last_failure_replication_id
        if last_success_at is not UNSET:
            field_dict["last_success_at"] = last_success_at
        if last_success_replication_id is not UNSET:
            field_dict["last_success_replication_id"] = last_success_replication_id
        if last_transfer_bytes is not UNSET:
            field_dict["last_transfer_bytes"] = last_transfer_bytes
        if last_transfer_duration_ms is not UNSET:
            field_dict["last_transfer_duration_ms"] = last_transfer_duration_ms
        if last_transfer_kind is not UNSET:
            field_dict["last_transfer_kind"] = last_transfer_kind
        if last_transfer_throughput_bytes_per_sec is not UNSET:
            field_dict["last_transfer_throughput_bytes_per_sec"] = last_transfer_throughput_bytes_per_sec
        if newest_primary_snapshot is not UNSET:
            field_dict["newest_primary_snapshot"] = newest_primary_snapshot
        if newest_replica_snapshot is not UNSET:
            field_dict["newest_replica_snapshot"] = newest_replica_snapshot
        if replica_age_seconds is not UNSET:
            field_dict["replica_age_seconds"] = replica_age_seconds

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.health_snapshot_ref import HealthSnapshotRef # noqa: PLC0415
        d = dict(src_dict)
        bytes_total = d.pop("bytes_total")

        directory = d.pop("directory")

        failures_total = d.pop("failures_total")

        in_flight = d.pop("in_flight")

        rpo_seconds = d.pop("rpo_seconds")

        rpo_source = RpoSource(d.pop("rpo_source"))




        server_id = UUID(d.pop("server_id"))




        server_name = d.pop("server_name")

        state = HealthState(d.pop("state"))




        subvolume_id = UUID(d.pop("subvolume_id"))




        subvolume_name = d.pop("subvolume_name")

        target_id = UUID(d.pop("target_id"))




        def _parse_lag_seconds(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        lag_seconds = _parse_lag_seconds(d.pop("lag_seconds", UNSET))


        def _parse_last_error(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        last_error = _parse_last_error(d.pop("last_error", UNSET))


        def _parse_last_error_class(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        last_error_class = _parse_last_error_class(d.pop("last_error_class", UNSET))


        def _parse_last_failure_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_failure_at_type_0 = datetime.datetime.fromisoformat(data)



                return last_failure_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        last_failure_at = _parse_last_failure_at(d.pop("last_failure_at", UNSET))


        def _parse_last_failure_replication_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_failure_replication_id_type_0 = UUID(data)



                return last_failure_replication_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        last_failure_replication_id = _parse_last_failure_replication_id(d.pop("last_failure_replication_id", UNSET))


        def _parse_last_success_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_success_at_type_0 = datetime.datetime.fromisoformat(data)



                return last_success_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        last_success_at = _parse_last_success_at(d.pop("last_success_at", UNSET))


        def _parse_last_success_replication_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_success_replication_id_type_0 = UUID(data)



                return last_success_replication_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        last_success_replication_id = _parse_last_success_replication_id(d.pop("last_success_replication_id", UNSET))


        def _parse_last_transfer_bytes(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        last_transfer_bytes = _parse_last_transfer_bytes(d.pop("last_transfer_bytes", UNSET))


        def _parse_last_transfer_duration_ms(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        last_transfer_duration_ms = _parse_last_transfer_duration_ms(d.pop("last_transfer_duration_ms", UNSET))


        def _parse_last_transfer_kind(data: object) -> None | TransferKind | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_transfer_kind_type_1 = TransferKind(data)



                return last_transfer_kind_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | TransferKind | Unset, data)

        last_transfer_kind = _parse_last_transfer_kind(d.pop("last_transfer_kind", UNSET))


        def _parse_last_transfer_throughput_bytes_per_sec(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        last_transfer_throughput_bytes_per_sec = _parse_last_transfer_throughput_bytes_per_sec(d.pop("last_transfer_throughput_bytes_per_sec", UNSET))


        def _parse_newest_primary_snapshot(data: object) -> HealthSnapshotRef | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                newest_primary_snapshot_type_1 = HealthSnapshotRef.from_dict(data)



                return newest_primary_snapshot_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(HealthSnapshotRef | None | Unset, data)

        newest_primary_snapshot = _parse_newest_primary_snapshot(d.pop("newest_primary_snapshot", UNSET))


        def _parse_newest_replica_snapshot(data: object) -> HealthSnapshotRef | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                newest_replica_snapshot_type_1 = HealthSnapshotRef.from_dict(data)



                return newest_replica_snapshot_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(HealthSnapshotRef | None | Unset, data)

        newest_replica_snapshot = _parse_newest_replica_snapshot(d.pop("newest_replica_snapshot", UNSET))


        def _parse_replica_age_seconds(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        replica_age_seconds = _parse_replica_age_seconds(d.pop("replica_age_seconds", UNSET))


        target_health_dto = cls(
            bytes_total=bytes_total,
            directory=directory,
            failures_total=failures_total,
            in_flight=in_flight,
            rpo_seconds=rpo_seconds,
            rpo_source=rpo_source,
            server_id=server_id,
            server_name=server_name,
            state=state,
            subvolume_id=subvolume_id,
            subvolume_name=subvolume_name,
            target_id=target_id,
            lag_seconds=lag_seconds,
            last_error=last_error,
            last_error_class=last_error_class,
            last_failure_at=last_failure_at,
            last_failure_replication_id=last_failure_replication_id,
            last_success_at=last_success_at,
            last_success_replication_id=last_success_replication_id,
            last_transfer_bytes=last_transfer_bytes,
            last_transfer_duration_ms=last_transfer_duration_ms,
            last_transfer_kind=last_transfer_kind,
            last_transfer_throughput_bytes_per_sec=last_transfer_throughput_bytes_per_sec,
            newest_primary_snapshot=newest_primary_snapshot,
            newest_replica_snapshot=newest_replica_snapshot,
            replica_age_seconds=replica_age_seconds,
        )


        target_health_dto.additional_properties = d
        return target_health_dto

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
