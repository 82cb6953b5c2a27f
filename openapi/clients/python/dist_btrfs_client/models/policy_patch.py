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





T = TypeVar("T", bound="PolicyPatch")



@_attrs_define
class PolicyPatch:
    """ A partial change of a policy: absent fields stay as they are.

        Attributes:
            name (None | str | Unset):
            replicate_after_snapshot (bool | None | Unset):
            retention (None | PolicyRetention | Unset):
            schedule (None | PolicySchedule | Unset):
            target_retention (None | PolicyRetention | Unset): `null` removes the target retention.
     """

    name: None | str | Unset = UNSET
    replicate_after_snapshot: bool | None | Unset = UNSET
    retention: None | PolicyRetention | Unset = UNSET
    schedule: None | PolicySchedule | Unset = UNSET
    target_retention: None | PolicyRetention | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.policy_retention import PolicyRetention # noqa: PLC0415
        from ..models.policy_schedule import PolicySchedule # noqa: PLC0415
        name: None | str | Unset
        if isinstance(self.name, Unset):
            name = UNSET
        else:
            name = self.name

        replicate_after_snapshot: bool | None | Unset
        if isinstance(self.replicate_after_snapshot, Unset):
            replicate_after_snapshot = UNSET
        else:
            replicate_after_snapshot = self.replicate_after_snapshot

        retention: dict[str, Any] | None | Unset
        if isinstance(self.retention, Unset):
            retention = UNSET
        elif isinstance(self.retention, PolicyRetention):
            retention = self.retention.to_dict()
        else:
            retention = self.retention

        schedule: dict[str, Any] | None | Unset
        if isinstance(self.schedule, Unset):
            schedule = UNSET
        elif isinstance(self.schedule, PolicySchedule):
            schedule = self.schedule.to_dict()
        else:
            schedule = self.schedule

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
        })
        if name is not UNSET:
            field_dict["name"] = name
        if replicate_after_snapshot is not UNSET:
            field_dict["replicate_after_snapshot"] = replicate_after_snapshot
        if retention is not UNSET:
            field_dict["retention"] = retention
        if schedule is not UNSET:
            field_dict["schedule"] = schedule
        if target_retention is not UNSET:
            field_dict["target_retention"] = target_retention

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.policy_retention import PolicyRetention # noqa: PLC0415
        from ..models.policy_schedule import PolicySchedule # noqa: PLC0415
        d = dict(src_dict)
        def _parse_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        name = _parse_name(d.pop("name", UNSET))


        def _parse_replicate_after_snapshot(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        replicate_after_snapshot = _parse_replicate_after_snapshot(d.pop("replicate_after_snapshot", UNSET))


        def _parse_retention(data: object) -> None | PolicyRetention | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                retention_type_1 = PolicyRetention.from_dict(data)



                return retention_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PolicyRetention | Unset, data)

        retention = _parse_retention(d.pop("retention", UNSET))


        def _parse_schedule(data: object) -> None | PolicySchedule | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                schedule_type_1 = PolicySchedule.from_dict(data)



                return schedule_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PolicySchedule | Unset, data)

        schedule = _parse_schedule(d.pop("schedule", UNSET))


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


        policy_patch = cls(
            name=name,
            replicate_after_snapshot=replicate_after_snapshot,
            retention=retention,
            schedule=schedule,
            target_retention=target_retention,
        )


        policy_patch.additional_properties = d
        return policy_patch

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
