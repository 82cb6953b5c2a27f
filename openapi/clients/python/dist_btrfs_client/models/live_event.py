from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast
import datetime






T = TypeVar("T", bound="LiveEvent")



@_attrs_define
class LiveEvent:
    """ One appended event, as the live stream sends it.

        Attributes:
            actor (str): `system`, `user:<name>` or `token:<id>`.
            recorded_at (datetime.datetime):
            seq (int): Position in the global event log (also the SSE `id`).
            stream (str): The stream the event belongs to, e.g. `subvolume-<id>`.
            summary (str): A readable one-line description.
            type_ (str): The event type, e.g. `SnapshotCreated`.
     """

    actor: str
    recorded_at: datetime.datetime
    seq: int
    stream: str
    summary: str
    type_: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        actor = self.actor

        recorded_at = self.recorded_at.isoformat()

        seq = self.seq

        stream = self.stream

        summary = self.summary

        type_ = self.type_


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "actor": actor,
            "recorded_at": recorded_at,
            "seq": seq,
            "stream": stream,
            "summary": summary,
            "type": type_,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        actor = d.pop("actor")

        recorded_at = datetime.datetime.fromisoformat(d.pop("recorded_at"))




        seq = d.pop("seq")

        stream = d.pop("stream")

        summary = d.pop("summary")

        type_ = d.pop("type")

        live_event = cls(
            actor=actor,
            recorded_at=recorded_at,
            seq=seq,
            stream=stream,
            summary=summary,
            type_=type_,
        )


        live_event.additional_properties = d
        return live_event

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
