from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.role_dto import RoleDto
from ..types import UNSET, Unset
from typing import cast






T = TypeVar("T", bound="UserPatch")



@_attrs_define
class UserPatch:
    """ Changes to an account; absent fields stay as they are.

        Attributes:
            keep_tokens (bool | None | Unset): With `password`: keep the user's API tokens (default: they are revoked).
            password (None | str | Unset): A new password (ends the user's browser sessions).
            role (None | RoleDto | Unset):
     """

    keep_tokens: bool | None | Unset = UNSET
    password: None | str | Unset = UNSET
    role: None | RoleDto | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        keep_tokens: bool | None | Unset
        if isinstance(self.keep_tokens, Unset):
            keep_tokens = UNSET
        else:
            keep_tokens = self.keep_tokens

        password: None | str | Unset
        if isinstance(self.password, Unset):
            password = UNSET
        else:
            password = self.password

        role: None | str | Unset
        if isinstance(self.role, Unset):
            role = UNSET
        elif isinstance(self.role, RoleDto):
            role = self.role.value
        else:
            role = self.role


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
        })
        if keep_tokens is not UNSET:
            field_dict["keep_tokens"] = keep_tokens
        if password is not UNSET:
            field_dict["password"] = password
        if role is not UNSET:
            field_dict["role"] = role

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        def _parse_keep_tokens(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        keep_tokens = _parse_keep_tokens(d.pop("keep_tokens", UNSET))


        def _parse_password(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        password = _parse_password(d.pop("password", UNSET))


        def _parse_role(data: object) -> None | RoleDto | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                role_type_1 = RoleDto(data)



                return role_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | RoleDto | Unset, data)

        role = _parse_role(d.pop("role", UNSET))


        user_patch = cls(
            keep_tokens=keep_tokens,
            password=password,
            role=role,
        )


        user_patch.additional_properties = d
        return user_patch

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
