from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.role_dto import RoleDto
from ..types import UNSET, Unset
from typing import cast
from uuid import UUID






T = TypeVar("T", bound="Me")



@_attrs_define
class Me:
    """ The logged-in caller.

        Attributes:
            auth (str): `session` (browser cookie) or `token` (bearer API token).
            role (RoleDto): A role, lowest to highest.
            user_id (UUID):
            username (str):
            csrf_token (None | str | Unset): With a session: send this in `X-CSRF-Token` on every request that changes
                state.
     """

    auth: str
    role: RoleDto
    user_id: UUID
    username: str
    csrf_token: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        auth = self.auth

        role = self.role.value

        user_id = str(self.user_id)

        username = self.username

        csrf_token: None | str | Unset
        if isinstance(self.csrf_token, Unset):
            csrf_token = UNSET
        else:
            csrf_token = self.csrf_token


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "auth": auth,
            "role": role,
            "user_id": user_id,
            "username": username,
        })
        if csrf_token is not UNSET:
            field_dict["csrf_token"] = csrf_token

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        auth = d.pop("auth")

        role = RoleDto(d.pop("role"))




        user_id = UUID(d.pop("user_id"))




        username = d.pop("username")

        def _parse_csrf_token(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        csrf_token = _parse_csrf_token(d.pop("csrf_token", UNSET))


        me = cls(
            auth=auth,
            role=role,
            user_id=user_id,
            username=username,
            csrf_token=csrf_token,
        )


        me.additional_properties = d
        return me

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
