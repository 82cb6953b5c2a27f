from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.role_dto import RoleDto






T = TypeVar("T", bound="NewUser")



@_attrs_define
class NewUser:
    """ A new account.

        Attributes:
            password (str): At least 12 characters, at most 1,024 bytes, no control characters, not a
                commonly used password.
            role (RoleDto): A role, lowest to highest.
            username (str): `[a-z][a-z0-9._-]{0,31}`
     """

    password: str
    role: RoleDto
    username: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        password = self.password

        role = self.role.value

        username = self.username


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "password": password,
            "role": role,
            "username": username,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        password = d.pop("password")

        role = RoleDto(d.pop("role"))




        username = d.pop("username")

        new_user = cls(
            password=password,
            role=role,
            username=username,
        )


        new_user.additional_properties = d
        return new_user

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
