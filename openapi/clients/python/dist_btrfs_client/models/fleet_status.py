from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.severity import Severity
from typing import cast
import datetime

if TYPE_CHECKING:
  from ..models.fleet_problem import FleetProblem





T = TypeVar("T", bound="FleetStatus")



@_attrs_define
class FleetStatus:
    """ The fleet's status and its problems, worst first.

        Attributes:
            checked_at (datetime.datetime):
            problems (list[FleetProblem]):
            status (Severity): How bad: the fleet status is the worst of its problems.
            usage_warning_percent (int): The filesystem usage threshold in force, in percent (`serve
                --usage-warning-percent`).
     """

    checked_at: datetime.datetime
    problems: list[FleetProblem]
    status: Severity
    usage_warning_percent: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.fleet_problem import FleetProblem # noqa: PLC0415
        checked_at = self.checked_at.isoformat()

        problems = []
        for problems_item_data in self.problems:
            problems_item = problems_item_data.to_dict()
            problems.append(problems_item)



        status = self.status.value

        usage_warning_percent = self.usage_warning_percent


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "checked_at": checked_at,
            "problems": problems,
            "status": status,
            "usage_warning_percent": usage_warning_percent,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.fleet_problem import FleetProblem # noqa: PLC0415
        d = dict(src_dict)
        checked_at = datetime.datetime.fromisoformat(d.pop("checked_at"))




        problems = []
        _problems = d.pop("problems")
        for problems_item_data in (_problems):
            problems_item = FleetProblem.from_dict(problems_item_data)



            problems.append(problems_item)


        status = Severity(d.pop("status"))




        usage_warning_percent = d.pop("usage_warning_percent")

        fleet_status = cls(
            checked_at=checked_at,
            problems=problems,
            status=status,
            usage_warning_percent=usage_warning_percent,
        )


        fleet_status.additional_properties = d
        return fleet_status

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
