from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast

if TYPE_CHECKING:
  from ..models.hook_run import HookRun





T = TypeVar("T", bound="SnapshotHooks")



@_attrs_define
class SnapshotHooks:
    """ A subvolume's snapshot hooks and how each last ran.

        Attributes:
            timeout_secs (int): Seconds a hook may run before it is killed (and fails).
            last_post (HookRun | None | Unset): The last run of the current post hook.
            last_pre (HookRun | None | Unset): The last run of the current pre hook.
            post (None | str | Unset): Run right after each snapshot (also a failed one): a failure is a fleet problem
                (`hook_failing`) until it succeeds again; the snapshot stays.
            pre (None | str | Unset): Run before each snapshot: a failure aborts the snapshot.
     """

    timeout_secs: int
    last_post: HookRun | None | Unset = UNSET
    last_pre: HookRun | None | Unset = UNSET
    post: None | str | Unset = UNSET
    pre: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.hook_run import HookRun # noqa: PLC0415
        timeout_secs = self.timeout_secs

        last_post: dict[str, Any] | None | Unset
        if isinstance(self.last_post, Unset):
            last_post = UNSET
        elif isinstance(self.last_post, HookRun):
            last_post = self.last_post.to_dict()
        else:
            last_post = self.last_post

        last_pre: dict[str, Any] | None | Unset
        if isinstance(self.last_pre, Unset):
            last_pre = UNSET
        elif isinstance(self.last_pre, HookRun):
            last_pre = self.last_pre.to_dict()
        else:
            last_pre = self.last_pre

        post: None | str | Unset
        if isinstance(self.post, Unset):
            post = UNSET
        else:
            post = self.post

        pre: None | str | Unset
        if isinstance(self.pre, Unset):
            pre = UNSET
        else:
            pre = self.pre


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "timeout_secs": timeout_secs,
        })
        if last_post is not UNSET:
            field_dict["last_post"] = last_post
        if last_pre is not UNSET:
            field_dict["last_pre"] = last_pre
        if post is not UNSET:
            field_dict["post"] = post
        if pre is not UNSET:
            field_dict["pre"] = pre

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.hook_run import HookRun # noqa: PLC0415
        d = dict(src_dict)
        timeout_secs = d.pop("timeout_secs")

        def _parse_last_post(data: object) -> HookRun | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                last_post_type_1 = HookRun.from_dict(data)



                return last_post_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(HookRun | None | Unset, data)

        last_post = _parse_last_post(d.pop("last_post", UNSET))


        def _parse_last_pre(data: object) -> HookRun | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                last_pre_type_1 = HookRun.from_dict(data)



                return last_pre_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(HookRun | None | Unset, data)

        last_pre = _parse_last_pre(d.pop("last_pre", UNSET))


        def _parse_post(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        post = _parse_post(d.pop("post", UNSET))


        def _parse_pre(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        pre = _parse_pre(d.pop("pre", UNSET))


        snapshot_hooks = cls(
            timeout_secs=timeout_secs,
            last_post=last_post,
            last_pre=last_pre,
            post=post,
            pre=pre,
        )


        snapshot_hooks.additional_properties = d
        return snapshot_hooks

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
