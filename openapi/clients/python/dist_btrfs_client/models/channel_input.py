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






T = TypeVar("T", bound="ChannelInput")



@_attrs_define
class ChannelInput:
    """ A channel as given by an admin. Webhook: `url`. Email: `smtp_host`, `smtp_port`,
    `tls`, `from`, `to`, and `username` when the relay wants a login.

        Attributes:
            kind (ChannelKind): What a channel is.
            name (str):
            from_ (None | str | Unset):
            secret (None | str | Unset): Write-only. Webhook: the signing key (at least 16 characters; generated on
                create when absent). Email: the SMTP password of `username`. On a change,
                absent keeps the stored one.
            smtp_host (None | str | Unset):
            smtp_port (int | None | Unset):
            tls (None | SmtpTls | Unset):
            to (list[str] | None | Unset):
            url (None | str | Unset):
            username (None | str | Unset):
     """

    kind: ChannelKind
    name: str
    from_: None | str | Unset = UNSET
    secret: None | str | Unset = UNSET
    smtp_host: None | str | Unset = UNSET
    smtp_port: int | None | Unset = UNSET
    tls: None | SmtpTls | Unset = UNSET
    to: list[str] | None | Unset = UNSET
    url: None | str | Unset = UNSET
    username: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        kind = self.kind.value

        name = self.name

        from_: None | str | Unset
        if isinstance(self.from_, Unset):
            from_ = UNSET
        else:
            from_ = self.from_

        secret: None | str | Unset
        if isinstance(self.secret, Unset):
            secret = UNSET
        else:
            secret = self.secret

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

        to: list[str] | None | Unset
        if isinstance(self.to, Unset):
            to = UNSET
        elif isinstance(self.to, list):
            to = self.to


        else:
            to = self.to

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
            "kind": kind,
            "name": name,
        })
        if from_ is not UNSET:
            field_dict["from"] = from_
        if secret is not UNSET:
            field_dict["secret"] = secret
        if smtp_host is not UNSET:
            field_dict["smtp_host"] = smtp_host
        if smtp_port is not UNSET:
            field_dict["smtp_port"] = smtp_port
        if tls is not UNSET:
            field_dict["tls"] = tls
        if to is not UNSET:
            field_dict["to"] = to
        if url is not UNSET:
            field_dict["url"] = url
        if username is not UNSET:
            field_dict["username"] = username

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        kind = ChannelKind(d.pop("kind"))




        name = d.pop("name")

        def _parse_from_(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        from_ = _parse_from_(d.pop("from", UNSET))


        def _parse_secret(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        secret = _parse_secret(d.pop("secret", UNSET))


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


        def _parse_to(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                to_type_0 = cast(list[str], data)

                return to_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        to = _parse_to(d.pop("to", UNSET))


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


        channel_input = cls(
            kind=kind,
            name=name,
            from_=from_,
            secret=secret,
            smtp_host=smtp_host,
            smtp_port=smtp_port,
            tls=tls,
            to=to,
            url=url,
            username=username,
        )


        channel_input.additional_properties = d
        return channel_input

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
