from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.problem_kind import ProblemKind
from typing import cast
from uuid import UUID
import datetime






T = TypeVar("T", bound="Rule")



@_attrs_define
class Rule:
    """ An alert rule.

        Attributes:
            channel_ids (list[UUID]):
            created_at (datetime.datetime):
            id (UUID):
            kinds (list[ProblemKind]):
            muted (bool):
            name (str):
            repeat_seconds (int):
            updated_at (datetime.datetime):
     """

    channel_ids: list[UUID]
    created_at: datetime.datetime
    id: UUID
    kinds: list[ProblemKind]
    muted: bool
    name: str
    repeat_seconds: int
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        channel_ids = []
        for channel_ids_item_data in self.channel_ids:
            channel_ids_item = str(channel_ids_item_data)
            channel_ids.append(channel_ids_item)



        created_at = self.created_at.isoformat()

        id = str(self.id)

        kinds = []
        for kinds_item_data in self.kinds:
            kinds_item = kinds_item_data.value
            kinds.append(kinds_item)



        muted = self.muted

        name = self.name

        repeat_seconds = self.repeat_seconds

        updated_at = self.updated_at.isoformat()


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "channel_ids": channel_ids,
            "created_at": created_at,
            "id": id,
            "kinds": kinds,
            "muted": muted,
            "name": name,
            "repeat_seconds": repeat_seconds,
            "updated_at": updated_at,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        channel_ids = []
        _channel_ids = d.pop("channel_ids")
        for channel_ids_item_data in (_channel_ids):
            channel_ids_item = UUID(channel_ids_item_data)



            channel_ids.append(channel_ids_item)


        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))




        id = UUID(d.pop("id"))




        kinds = []
        _kinds = d.pop("kinds")
        for kinds_item_data in (_kinds):
            kinds_item = ProblemKind(kinds_item_data)



            kinds.append(kinds_item)


        muted = d.pop("muted")

        name = d.pop("name")

        repeat_seconds = d.pop("repeat_seconds")

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))




        rule = cls(
            channel_ids=channel_ids,
            created_at=created_at,
            id=id,
            kinds=kinds,
            muted=muted,
            name=name,
            repeat_seconds=repeat_seconds,
            updated_at=updated_at,
        )


        rule.additional_properties = d
        return rule

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
