from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast
import datetime

if TYPE_CHECKING:
  from ..models.health_summary import HealthSummary
  from ..models.target_health_dto import TargetHealthDto





T = TypeVar("T", bound="HealthReport")



@_attrs_define
class HealthReport:
    """ Replication health of the fleet (or one subvolume), as of `as_of`: one page of it.

        Attributes:
            as_of (datetime.datetime):
            items (list[TargetHealthDto]):
            summary (HealthSummary): How many (subvolume, target) pairs are in each state.
            next_after (None | str | Unset): Pass as `after` for the next page; absent on the last.
     """

    as_of: datetime.datetime
    items: list[TargetHealthDto]
    summary: HealthSummary
    next_after: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.health_summary import HealthSummary # noqa: PLC0415
        from ..models.target_health_dto import TargetHealthDto # noqa: PLC0415
        as_of = self.as_of.isoformat()

        items = []
        for items_item_data in self.items:
            items_item = items_item_data.to_dict()
            items.append(items_item)



        summary = self.summary.to_dict()

        next_after: None | str | Unset
        if isinstance(self.next_after, Unset):
            next_after = UNSET
        else:
            next_after = self.next_after


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "as_of": as_of,
            "items": items,
            "summary": summary,
        })
        if next_after is not UNSET:
            field_dict["next_after"] = next_after

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.health_summary import HealthSummary # noqa: PLC0415
        from ..models.target_health_dto import TargetHealthDto # noqa: PLC0415
        d = dict(src_dict)
        as_of = datetime.datetime.fromisoformat(d.pop("as_of"))




        items = []
        _items = d.pop("items")
        for items_item_data in (_items):
            items_item = TargetHealthDto.from_dict(items_item_data)



            items.append(items_item)


        summary = HealthSummary.from_dict(d.pop("summary"))




        def _parse_next_after(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        next_after = _parse_next_after(d.pop("next_after", UNSET))


        health_report = cls(
            as_of=as_of,
            items=items,
            summary=summary,
            next_after=next_after,
        )


        health_report.additional_properties = d
        return health_report

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
