from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset







T = TypeVar("T", bound="PolicySchedule")



@_attrs_define
class PolicySchedule:
    """ When snapshots are taken.

        Attributes:
            cron (str): Five-field cron expression (`minute hour day-of-month month day-of-week`) or an
                alias such as `@daily`.
            time_zone (str): IANA time zone (e.g. `Europe/Berlin`) of the cron expression and of the
                retention's calendar buckets.
     """

    cron: str
    time_zone: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        cron = self.cron

        time_zone = self.time_zone


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "cron": cron,
            "time_zone": time_zone,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        cron = d.pop("cron")

        time_zone = d.pop("time_zone")

        policy_schedule = cls(
            cron=cron,
            time_zone=time_zone,
        )


        policy_schedule.additional_properties = d
        return policy_schedule

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
