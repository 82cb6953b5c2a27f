from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast

if TYPE_CHECKING:
  from ..models.policy_retention import PolicyRetention
  from ..models.policy_schedule import PolicySchedule





T = TypeVar("T", bound="PolicyInput")



@_attrs_define
class PolicyInput:
    """ A policy as entered.

        Attributes:
            name (str): Unique. ASCII letters, digits and `. _ @ + -`.
            retention (PolicyRetention): What to keep (btrbk-style). A snapshot is kept if any rule keeps it; the newest
                snapshot, snapshots not created by dist-btrfs, incremental bases and snapshots being
                sent are always kept.
            schedule (PolicySchedule): When snapshots are taken.
            replicate_after_snapshot (bool | None | Unset): Replicate to the subvolume's targets after each scheduled
                snapshot. Default: False.
            target_retention (None | PolicyRetention | Unset): Retention of the copies on replication targets (applied once
                replication lands).
     """

    name: str
    retention: PolicyRetention
    schedule: PolicySchedule
    replicate_after_snapshot: bool | None | Unset = False
    target_retention: None | PolicyRetention | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.policy_retention import PolicyRetention # noqa: PLC0415
        from ..models.policy_schedule import PolicySchedule # noqa: PLC0415
        name = self.name

        retention = self.retention.to_dict()

        schedule = self.schedule.to_dict()

        replicate_after_snapshot: bool | None | Unset
        if isinstance(self.replicate_after_snapshot, Unset):
            replicate_after_snapshot = UNSET
        else:
            replicate_after_snapshot = self.replicate_after_snapshot

        target_retention: dict[str, Any] | None | Unset
        if isinstance(self.target_retention, Unset):
            target_retention = UNSET
        elif isinstance(self.target_retention, PolicyRetention):
            target_retention = self.target_retention.to_dict()
        else:
            target_retention = self.target_retention


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "name": name,
            "retention": retention,
            "schedule": schedule,
        })
        if replicate_after_snapshot is not UNSET:
            field_dict["replicate_after_snapshot"] = replicate_after_snapshot
        if target_retention is not UNSET:
            field_dict["target_retention"] = target_retention

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.policy_retention import PolicyRetention # noqa: PLC0415
        from ..models.policy_schedule import PolicySchedule # noqa: PLC0415
        d = dict(src_dict)
        name = d.pop("name")

        retention = PolicyRetention.from_dict(d.pop("retention"))




        schedule = PolicySchedule.from_dict(d.pop("schedule"))




        def _parse_replicate_after_snapshot(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        replicate_after_snapshot = _parse_replicate_after_snapshot(d.pop("replicate_after_snapshot", UNSET))


        def _parse_target_retention(data: object) -> None | PolicyRetention | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                target_retention_type_1 = PolicyRetention.from_dict(data)



                return target_retention_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PolicyRetention | Unset, data)

        target_retention = _parse_target_retention(d.pop("target_retention", UNSET))


        policy_input = cls(
            name=name,
            retention=retention,
            schedule=schedule,
            replicate_after_snapshot=replicate_after_snapshot,
            target_retention=target_retention,
        )


        policy_input.additional_properties = d
        return policy_input

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
