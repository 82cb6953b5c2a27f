from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast
from uuid import UUID
import datetime






T = TypeVar("T", bound="AuditEvent")



@_attrs_define
class AuditEvent:
    """ One recorded event as the timeline shows it.

        Attributes:
            actor (str): `system`, `user:<name>` or `token:<id>`.
            correlation_id (UUID): Events caused by one request or job share this id.
            event_type (str):
            recorded_at (datetime.datetime):
            seq (int): Position in the global event log.
            stream_id (str):
            subjects (list[UUID]): The ids the event is about (filter with `subject`).
            summary (str): A readable one-line description.
     """

    actor: str
    correlation_id: UUID
    event_type: str
    recorded_at: datetime.datetime
    seq: int
    stream_id: str
    subjects: list[UUID]
    summary: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        actor = self.actor

        correlation_id = str(self.correlation_id)

        event_type = self.event_type

        recorded_at = self.recorded_at.isoformat()

        seq = self.seq

        stream_id = self.stream_id

        subjects = []
        for subjects_item_data in self.subjects:
            subjects_item = str(subjects_item_data)
            subjects.append(subjects_item)



        summary = self.summary


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "actor": actor,
            "correlation_id": correlation_id,
            "event_type": event_type,
            "recorded_at": recorded_at,
            "seq": seq,
            "stream_id": stream_id,
            "subjects": subjects,
            "summary": summary,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        actor = d.pop("actor")

        correlation_id = UUID(d.pop("correlation_id"))




        event_type = d.pop("event_type")

        recorded_at = datetime.datetime.fromisoformat(d.pop("recorded_at"))




        seq = d.pop("seq")

        stream_id = d.pop("stream_id")

        subjects = []
        _subjects = d.pop("subjects")
        for subjects_item_data in (_subjects):
            subjects_item = UUID(subjects_item_data)



            subjects.append(subjects_item)


        summary = d.pop("summary")

        audit_event = cls(
            actor=actor,
            correlation_id=correlation_id,
            event_type=event_type,
            recorded_at=recorded_at,
            seq=seq,
            stream_id=stream_id,
            subjects=subjects,
            summary=summary,
        )


        audit_event.additional_properties = d
        return audit_event

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
