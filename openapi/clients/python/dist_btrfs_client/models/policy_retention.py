from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast






T = TypeVar("T", bound="PolicyRetention")



@_attrs_define
class PolicyRetention:
    """ What to keep (btrbk-style). A snapshot is kept if any rule keeps it; the newest
    snapshot, snapshots not created by dist-btrfs, incremental bases and snapshots being
    sent are always kept.

        Attributes:
            daily (int | None | Unset): ... of each of the last D days. Default: 0.
            hourly (int | None | Unset): Keep the first snapshot of each of the last H hours. Default: 0.
            keep_last (int | None | Unset): Keep the N newest snapshots. Default: 0.
            min_age_seconds (int | None | Unset): Keep every snapshot younger than this many seconds.
            monthly (int | None | Unset): ... of each of the last M months. Default: 0.
            weekly (int | None | Unset): ... of each of the last W ISO weeks. Default: 0.
            yearly (int | None | Unset): ... of each of the last Y years. Default: 0.
     """

    daily: int | None | Unset = 0
    hourly: int | None | Unset = 0
    keep_last: int | None | Unset = 0
    min_age_seconds: int | None | Unset = UNSET
    monthly: int | None | Unset = 0
    weekly: int | None | Unset = 0
    yearly: int | None | Unset = 0
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        daily: int | None | Unset
        if isinstance(self.daily, Unset):
            daily = UNSET
        else:
            daily = self.daily

        hourly: int | None | Unset
        if isinstance(self.hourly, Unset):
            hourly = UNSET
        else:
            hourly = self.hourly

        keep_last: int | None | Unset
        if isinstance(self.keep_last, Unset):
            keep_last = UNSET
        else:
            keep_last = self.keep_last

        min_age_seconds: int | None | Unset
        if isinstance(self.min_age_seconds, Unset):
            min_age_seconds = UNSET
        else:
            min_age_seconds = self.min_age_seconds

        monthly: int | None | Unset
        if isinstance(self.monthly, Unset):
            monthly = UNSET
        else:
            monthly = self.monthly

        weekly: int | None | Unset
        if isinstance(self.weekly, Unset):
            weekly = UNSET
        else:
            weekly = self.weekly

        yearly: int | None | Unset
        if isinstance(self.yearly, Unset):
            yearly = UNSET
        else:
            yearly = self.yearly


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
        })
        if daily is not UNSET:
            field_dict["daily"] = daily
        if hourly is not UNSET:
            field_dict["hourly"] = hourly
        if keep_last is not UNSET:
            field_dict["keep_last"] = keep_last
        if min_age_seconds is not UNSET:
            field_dict["min_age_seconds"] = min_age_seconds
        if monthly is not UNSET:
            field_dict["monthly"] = monthly
        if weekly is not UNSET:
            field_dict["weekly"] = weekly
        if yearly is not UNSET:
            field_dict["yearly"] = yearly

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        def _parse_daily(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        daily = _parse_daily(d.pop("daily", UNSET))


        def _parse_hourly(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        hourly = _parse_hourly(d.pop("hourly", UNSET))


        def _parse_keep_last(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        keep_last = _parse_keep_last(d.pop("keep_last", UNSET))


        def _parse_min_age_seconds(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        min_age_seconds = _parse_min_age_seconds(d.pop("min_age_seconds", UNSET))


        def _parse_monthly(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        monthly = _parse_monthly(d.pop("monthly", UNSET))


        def _parse_weekly(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        weekly = _parse_weekly(d.pop("weekly", UNSET))


        def _parse_yearly(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        yearly = _parse_yearly(d.pop("yearly", UNSET))


        policy_retention = cls(
            daily=daily,
            hourly=hourly,
            keep_last=keep_last,
            min_age_seconds=min_age_seconds,
            monthly=monthly,
            weekly=weekly,
            yearly=yearly,
        )


        policy_retention.additional_properties = d
        return policy_retention

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
