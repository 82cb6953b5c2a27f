from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.compression import Compression
from ..models.error_class import ErrorClass
from ..models.send_kind import SendKind
from ..models.target_state import TargetState
from ..types import UNSET, Unset
from typing import cast
from uuid import UUID
import datetime






T = TypeVar("T", bound="ReplicationTarget")



@_attrs_define
class ReplicationTarget:
    """ One target of a replication.

        Attributes:
            bytes_ (int): Bytes of the current send's stream delivered to this target (counted before
                compression; see `wire_bytes`).
            bytes_total (int): Bytes of every finished send of this run to this target.
            snapshots_sent (int):
            state (TargetState): Where one target of a replication stands.
            target_id (UUID):
            updated_at (datetime.datetime):
            compression (Compression | None | Unset): How the current send goes to the target.
            compression_warning (None | str | Unset): Why a target set to zstd gets the uncompressed stream (a warning: e.g.
                no `zstd`
                on the target's server).
            duration_ms (int | None | Unset):
            error (None | str | Unset):
            error_class (ErrorClass | None | Unset):
            eta_seconds (int | None | Unset): Seconds left at the current rate, when the size estimate is known and not yet
                reached.
            expected_bytes (int | None | Unset): Estimated size of the current send: the bytes of the newest successful send
                of the
                same kind of this subvolume.
            finished_at (datetime.datetime | None | Unset):
            group_size (int | None | Unset):
            kind (None | SendKind | Unset):
            parent_snapshot_id (None | Unset | UUID): The parent of the current send (absent: full send).
            rate_bytes_per_sec (int | None | Unset):
            received_path (None | str | Unset):
            send_id (None | Unset | UUID): Targets with the same send id were fed by one `btrfs send`.
            snapshot_id (None | Unset | UUID): The snapshot being sent (or last sent); with `send_all` older ones pass
                first.
            started_at (datetime.datetime | None | Unset):
            wire_bytes (int | None | Unset): Bytes of the last finished send that reached the target: smaller than the
                stream's `bytes` when compressed.
     """

    bytes_: int
    bytes_total: int
    snapshots_sent: int
    state: TargetState
    target_id: UUID
    updated_at: datetime.datetime
    compression: Compression | None | Unset = UNSET
    compression_warning: None | str | Unset = UNSET
    duration_ms: int | None | Unset = UNSET
    error: None | str | Unset = UNSET
    error_class: ErrorClass | None | Unset = UNSET
    eta_seconds: int | None | Unset = UNSET
    expected_bytes: int | None | Unset = UNSET
    finished_at: datetime.datetime | None | Unset = UNSET
    group_size: int | None | Unset = UNSET
    kind: None | SendKind | Unset = UNSET
    parent_snapshot_id: None | Unset | UUID = UNSET
    rate_bytes_per_sec: int | None | Unset = UNSET
    received_path: None | str | Unset = UNSET
    send_id: None | Unset | UUID = UNSET
    snapshot_id: None | Unset | UUID = UNSET
    started_at: datetime.datetime | None | Unset = UNSET
    wire_bytes: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        bytes_ = self.bytes_

        bytes_total = self.bytes_total

        snapshots_sent = self.snapshots_sent

        state = self.state.value

        target_id = str(self.target_id)

        updated_at = self.updated_at.isoformat()

        compression: None | str | Unset
        if isinstance(self.compression, Unset):
            compression = UNSET
        elif isinstance(self.compression, Compression):
            compression = self.compression.value
        else:
            compression = self.compression

        compression_warning: None | str | Unset
        if isinstance(self.compression_warning, Unset):
            compression_warning = UNSET
        else:
            compression_warning = self.compression_warning

        duration_ms: int | None | Unset
        if isinstance(self.duration_ms, Unset):
            duration_ms = UNSET
        else:
            duration_ms = self.duration_ms

        error: None | str | Unset
        if isinstance(self.error, Unset):
            error = UNSET
        else:
            error = self.error

        error_class: None | str | Unset
        if isinstance(self.error_class, Unset):
            error_class = UNSET
        elif isinstance(self.error_class, ErrorClass):
            error_class = self.error_class.value
        else:
            error_class = self.error_class

        eta_seconds: int | None | Unset
        if isinstance(self.eta_seconds, Unset):
            eta_seconds = UNSET
        else:
            eta_seconds = self.eta_seconds

        expected_bytes: int | None | Unset
        if isinstance(self.expected_bytes, Unset):
            expected_bytes = UNSET
        else:
            expected_bytes = self.expected_bytes

        finished_at: None | str | Unset
        if isinstance(self.finished_at, Unset):
            finished_at = UNSET
        elif isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        group_size: int | None | Unset
        if isinstance(self.group_size, Unset):
            group_size = UNSET
        else:
            group_size = self.group_size

        kind: None | str | Unset
        if isinstance(self.kind, Unset):
            kind = UNSET
        elif isinstance(self.kind, SendKind):
            kind = self.kind.value
        else:
            kind = self.kind

        parent_snapshot_id: None | str | Unset
        if isinstance(self.parent_snapshot_id, Unset):
            parent_snapshot_id = UNSET
        elif isinstance(self.parent_snapshot_id, UUID):
            parent_snapshot_id = str(self.parent_snapshot_id)
        else:
            parent_snapshot_id = self.parent_snapshot_id

        rate_bytes_per_sec: int | None | Unset
        if isinstance(self.rate_bytes_per_sec, Unset):
            rate_bytes_per_sec = UNSET
        else:
            rate_bytes_per_sec = self.rate_bytes_per_sec

        received_path: None | str | Unset
        if isinstance(self.received_path, Unset):
            received_path = UNSET
        else:
            received_path = self.received_path

        send_id: None | str | Unset
        if isinstance(self.send_id, Unset):
            send_id = UNSET
        elif isinstance(self.send_id, UUID):
            send_id = str(self.send_id)
        else:
            send_id = self.send_id

        snapshot_id: None | str | Unset
        if isinstance(self.snapshot_id, Unset):
            snapshot_id = UNSET
        elif isinstance(self.snapshot_id, UUID):
            snapshot_id = str(self.snapshot_id)
        else:
            snapshot_id = self.snapshot_id

        started_at: None | str | Unset
        if isinstance(self.started_at, Unset):
            started_at = UNSET
        elif isinstance(self.started_at, datetime.datetime):
            started_at = self.started_at.isoformat()
        else:
            started_at = self.started_at

        wire_bytes: int | None | Unset
        if isinstance(self.wire_bytes, Unset):
            wire_bytes = UNSET
        else:
            wire_bytes = self.wire_bytes


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "bytes": bytes_,
            "bytes_total": bytes_total,
            "snapshots_sent": snapshots_sent,
            "state": state,
            "target_id": target_id,
            "updated_at": updated_at,
        })
        if compression is not UNSET:
            field_dict["compression"] = compression
        if compression_warning is not UNSET:
            field_dict["compression_warning"] = compression_warning
        if duration_ms is not UNSET:
            field_dict["duration_ms"] = duration_ms
        if error is not UNSET:
            field_dict["error"] = error
        if error_class is not UNSET:
            field_dict["error_class"] = error_class
        if eta_seconds is not UNSET:
            field_dict["eta_seconds"] = eta_seconds
        if expected_bytes is not UNSET:
            field_dict["expected_bytes"] = expected_bytes
        if finished_at is not UNSET:
            field_dict["finished_at"] = finished_at
        if group_size is not UNSET:
            field_dict["group_size"] = group_size
        if kind is not UNSET:
            field_dict["kind"] = kind
        if parent_snapshot_id is not UNSET:
            field_dict["parent_snapshot_id"] = parent_snapshot_id
        if rate_bytes_per_sec is not UNSET:
            field_dict["rate_bytes_per_sec"] = rate_bytes_per_sec
        if received_path is not UNSET:
            field_dict["received_path"] = received_path
        if send_id is not UNSET:
            field_dict["send_id"] = send_id
        if snapshot_id is not UNSET:
            field_dict["snapshot_id"] = snapshot_id
        if started_at is not UNSET:
            field_dict["started_at"] = started_at
        if wire_bytes is not UNSET:
            field_dict["wire_bytes"] = wire_bytes

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        bytes_ = d.pop("bytes")

        bytes_total = d.pop("bytes_total")

        snapshots_sent = d.pop("snapshots_sent")

        state = TargetState(d.pop("state"))




        target_id = UUID(d.pop("target_id"))




        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))




        def _parse_compression(data: object) -> Compression | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                compression_type_1 = Compression(data)



                return compression_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(Compression | None | Unset, data)

        compression = _parse_compression(d.pop("compression", UNSET))


        def _parse_compression_warning(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        compression_warning = _parse_compression_warning(d.pop("compression_warning", UNSET))


        def _parse_duration_ms(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        duration_ms = _parse_duration_ms(d.pop("duration_ms", UNSET))


        def _parse_error(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        error = _parse_error(d.pop("error", UNSET))


        def _parse_error_class(data: object) -> ErrorClass | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                error_class_type_1 = ErrorClass(data)



                return error_class_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ErrorClass | None | Unset, data)

        error_class = _parse_error_class(d.pop("error_class", UNSET))


        def _parse_eta_seconds(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        eta_seconds = _parse_eta_seconds(d.pop("eta_seconds", UNSET))


        def _parse_expected_bytes(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        expected_bytes = _parse_expected_bytes(d.pop("expected_bytes", UNSET))


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


        def _parse_group_size(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        group_size = _parse_group_size(d.pop("group_size", UNSET))


        def _parse_kind(data: object) -> None | SendKind | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                kind_type_1 = SendKind(data)



                return kind_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | SendKind | Unset, data)

        kind = _parse_kind(d.pop("kind", UNSET))


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


        def _parse_rate_bytes_per_sec(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        rate_bytes_per_sec = _parse_rate_bytes_per_sec(d.pop("rate_bytes_per_sec", UNSET))


        def _parse_received_path(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        received_path = _parse_received_path(d.pop("received_path", UNSET))


        def _parse_send_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                send_id_type_0 = UUID(data)



                return send_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        send_id = _parse_send_id(d.pop("send_id", UNSET))


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


        def _parse_wire_bytes(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        wire_bytes = _parse_wire_bytes(d.pop("wire_bytes", UNSET))


        replication_target = cls(
            bytes_=bytes_,
            bytes_total=bytes_total,
            snapshots_sent=snapshots_sent,
            state=state,
            target_id=target_id,
            updated_at=updated_at,
            compression=compression,
            compression_warning=compression_warning,
            duration_ms=duration_ms,
            error=error,
            error_class=error_class,
            eta_seconds=eta_seconds,
            expected_bytes=expected_bytes,
            finished_at=finished_at,
            group_size=group_size,
            kind=kind,
            parent_snapshot_id=parent_snapshot_id,
            rate_bytes_per_sec=rate_bytes_per_sec,
            received_path=received_path,
            send_id=send_id,
            snapshot_id=snapshot_id,
            started_at=started_at,
            wire_bytes=wire_bytes,
        )


        replication_target.additional_properties = d
        return replication_target

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
