from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.channel_kind import ChannelKind
from ..models.smtp_tls import SmtpTls
from ..types import UNSET, Unset
from typing import cast
from uuid import UUID
import datetime






T = TypeVar("T", bound="Channel")



@_attrs_define
class Channel:
    """ A channel (its secret is never shown).

        Attributes:
            created_at (datetime.datetime):
            id (UUID):
            kind (ChannelKind): What a channel is.
            name (str):
            to (list[str]):
            updated_at (datetime.datetime):
            from_ (None | str | Unset):
            smtp_host (None | str | Unset):
            smtp_port (int | None | Unset):
            tls (None | SmtpTls | Unset):
            url (None | str | Unset):
            username (None | str | Unset):
     """

    created_at: datetime.datetime
    id: UUID
    kind: ChannelKind
    name: str
    to: list[str]
    updated_at: datetime.datetime
    from_: None | str | Unset = UNSET
    smtp_host: None | str | Unset = UNSET
    smtp_port: int | None | Unset = UNSET
    tls: None | SmtpTls | Unset = UNSET
    url: None | str | Unset = UNSET
    username: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at.isoformat()

        id = str(self.id)

        kind = self.kind.value

        name = self.name

        to = self.to



        updated_at = self.updated_at.isoformat()

        from_: None | str | Unset
        if isinstance(self.from_, Unset):
            from_ = UNSET
        else:
            from_ = self.from_

        smtp_host: None | str | Unset
        if isinstance(self.smtp_host, Unset):
            smtp_host = UNSET
        else:
            smtp_host = self.smtp_host

        smtp_port: int | None | Unset
        if isinstance(self.smtp_port, Unset):
            smtp_port = UNSET
        else:
            smtp_port = self.smtp_port

        tls: None | str | Unset
        if isinstance(self.tls, Unset):
            tls = UNSET
        elif isinstance(self.tls, SmtpTls):
            tls = self.tls.value
        else:
            tls = self.tls

        url: None | str | Unset
        if isinstance(self.url, Unset):
            url = UNSET
        else:
            url = self.url

        username: None | str | Unset
        if isinstance(self.username, Unset):
            username = UNSET
        else:
            username = self.username


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "created_at": created_at,
            "id": id,
            "kind": kind,
            "name": name,
            "to": to,
            "updated_at": updated_at,
        })
        if from_ is not UNSET:
            field_dict["from"] = from_
        if smtp_host is not UNSET:
            field_dict["smtp_host"] = smtp_host
        if smtp_port is not UNSET:
            field_dict["smtp_port"] = smtp_port
        if tls is not UNSET:
            field_dict["tls"] = tls
        if url is not UNSET:
            field_dict["url"] = url
        if username is not UNSET:
            field_dict["username"] = username

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))




        id = UUID(d.pop("id"))




        kind = ChannelKind(d.pop("kind"))




        name = d.pop("name")

        to = cast(list[str], d.pop("to"))


        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))




        def _parse_from_(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        from_ = _parse_from_(d.pop("from", UNSET))


        def _parse_smtp_host(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        smtp_host = _parse_smtp_host(d.pop("smtp_host", UNSET))


        def _parse_smtp_port(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        smtp_port = _parse_smtp_port(d.pop("smtp_port", UNSET))


        def _parse_tls(data: object) -> None | SmtpTls | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                tls_type_1 = SmtpTls(data)



                return tls_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | SmtpTls | Unset, data)

        tls = _parse_tls(d.pop("tls", UNSET))


        def _parse_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        url = _parse_url(d.pop("url", UNSET))


        def _parse_username(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        username = _parse_username(d.pop("username", UNSET))


        channel = cls(
            created_at=created_at,
            id=id,
            kind=kind,
            name=name,
            to=to,
            updated_at=updated_at,
            from_=from_,
            smtp_host=smtp_host,
            smtp_port=smtp_port,
            tls=tls,
            url=url,
            username=username,
        )


        channel.additional_properties = d
        return channel

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
