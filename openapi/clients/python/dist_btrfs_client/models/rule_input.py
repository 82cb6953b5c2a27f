from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.problem_kind import ProblemKind
from ..types import UNSET, Unset
from typing import cast
from uuid import UUID






T = TypeVar("T", bound="RuleInput")



@_attrs_define
class RuleInput:
    """ An alert rule as given by an admin.

        Attributes:
            channel_ids (list[UUID]): The channels notified (at least one).
            kinds (list[ProblemKind]): The problem kinds of the fleet status that notify (at least one).
            name (str):
            muted (bool | None | Unset): Muted: nothing is sent (alerts keep their state; unmuting reports changes).
                Default: False.
            repeat_seconds (int | None | Unset): A firing alert is repeated no more often than this (60 to 604800 s).
                Default: 3600.
     """

    channel_ids: list[UUID]
    kinds: list[ProblemKind]
    name: str
    muted: bool | None | Unset = False
    repeat_seconds: int | None | Unset = 3600
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        channel_ids = []
        for channel_ids_item_data in self.channel_ids:
            channel_ids_item = str(channel_ids_item_data)
            channel_ids.append(channel_ids_item)



        kinds = []
        for kinds_item_data in self.kinds:
            kinds_item = kinds_item_data.value
            kinds.append(kinds_item)



        name = self.name

        muted: bool | None | Unset
        if isinstance(self.muted, Unset):
            muted = UNSET
        else:
            muted = self.muted

        repeat_seconds: int | None | Unset
        if isinstance(self.repeat_seconds, Unset):
            repeat_seconds = UNSET
        else:
            repeat_seconds = self.repeat_seconds


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "channel_ids": channel_ids,
            "kinds": kinds,
            "name": name,
        })
        if muted is not UNSET:
            field_dict["muted"] = muted
        if repeat_seconds is not UNSET:
            field_dict["repeat_seconds"] = repeat_seconds

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        channel_ids = []
        _channel_ids = d.pop("channel_ids")
        for channel_ids_item_data in (_channel_ids):
            channel_ids_item = UUID(channel_ids_item_data)



            channel_ids.append(channel_ids_item)


        kinds = []
        _kinds = d.pop("kinds")
        for kinds_item_data in (_kinds):
            kinds_item = ProblemKind(kinds_item_data)



            kinds.append(kinds_item)


        name = d.pop("name")

        def _parse_muted(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        muted = _parse_muted(d.pop("muted", UNSET))


        def _parse_repeat_seconds(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        repeat_seconds = _parse_repeat_seconds(d.pop("repeat_seconds", UNSET))


        rule_input = cls(
            channel_ids=channel_ids,
            kinds=kinds,
            name=name,
            muted=muted,
            repeat_seconds=repeat_seconds,
        )


        rule_input.additional_properties = d
        return rule_input

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
