"""Declaration of a REST API source: where it is, how it pages, how it authenticates."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from connectors.spec import _Connector
from connectors.text import as_text


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PageNumberPagination(_Part):
    """Pages numbered ``start_page``, ``start_page + 1``, …; an empty page ends the read."""

    style: Literal["page_number"]
    page_param: str = Field(default="page", min_length=1)
    start_page: int = Field(default=1, ge=0)
    size_param: str | None = Field(default=None, min_length=1)
    page_size: int | None = Field(default=None, gt=0)
    total_pages_path: str | None = None
    """Dotted path of the page count in each page; when given, the read stops at that page."""

    @model_validator(mode="after")
    def _size_param_and_page_size(self) -> PageNumberPagination:
        if (self.size_param is None) != (self.page_size is None):
            raise ValueError("give both `size_param` and `page_size`, or neither")
        return self


class OffsetPagination(_Part):
    """Pages of ``limit`` records from an offset; a page shorter than ``limit`` is the last."""

    style: Literal["offset"]
    offset_param: str = Field(default="offset", min_length=1)
    limit_param: str = Field(default="limit", min_length=1)
    limit: int = Field(default=100, gt=0)


class CursorPagination(_Part):
    """Each page names the next one with a token; a missing, null or empty token ends the read."""

    style: Literal["cursor"]
    cursor_param: str = Field(default="cursor", min_length=1)
    next_cursor_path: str = Field(min_length=1)


class LinkHeaderPagination(_Part):
    """Each response names the next page in its ``Link: <…>; rel="next"`` header."""

    style: Literal["link_header"]


class NoPagination(_Part):
    """One request returns every record."""

    style: Literal["none"]


Pagination = Annotated[
    PageNumberPagination
    | OffsetPagination
    | CursorPagination
    | LinkHeaderPagination
    | NoPagination,
    Field(discriminator="style"),
]
"""How a REST source pages; ``style`` picks the scheme."""


class BearerAuth(_Part):
    """``Authorization: Bearer <token>``, the token read from an environment variable."""

    kind: Literal["bearer"]
    token_env: str = Field(min_length=1)


class ApiKeyAuth(_Part):
    """An API key from an environment variable, sent in a header or a query parameter."""

    kind: Literal["api_key"]
    key_env: str = Field(min_length=1)
    header: str | None = Field(default=None, min_length=1)
    query_param: str | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _header_or_query_param(self) -> ApiKeyAuth:
        if (self.header is None) == (self.query_param is None):
            raise ValueError("give exactly one of `header` or `query_param`")
        return self


RestAuth = Annotated[BearerAuth | ApiKeyAuth, Field(discriminator="kind")]
"""How a REST source authenticates; ``kind`` picks the scheme. Secrets stay in the environment."""


class RestConnector(_Connector):
    """A JSON REST API that lists customer records, page by page.

    The incremental cursor's high-water mark is the largest ``cursor_field`` value read:
    compared as numbers when every value is numeric (ids: ``10`` after ``9``), otherwise
    as text, which orders ISO-8601 timestamps of one format and time zone correctly.
    """

    kind: Literal["rest"]
    url: str
    """Endpoint to GET, ``http`` or ``https``."""
    params: dict[str, str] = Field(default_factory=dict)
    """Query parameters sent with every request."""
    headers: dict[str, str] = Field(default_factory=dict)
    """Headers sent with every request; nothing secret (secrets go through ``auth``)."""
    records_path: str = ""
    """Dotted path to the list of records in each page (``data``, ``result.items``);
    empty when the page itself is the list."""
    timeout_seconds: float = Field(default=30, gt=0)
    pagination: Pagination = Field(default_factory=lambda: NoPagination(style="none"))
    auth: RestAuth | None = None
    cursor_field: str | None = Field(default=None, min_length=1)
    """Record field whose largest value is the incremental high-water mark."""
    since_param: str | None = Field(default=None, min_length=1)
    """Query parameter that sends the previous high-water mark, so the API returns only
    records changed since; sent with every page request of the read."""
    max_retries: int = Field(default=5, ge=0)
    backoff_seconds: float = Field(default=0.5, ge=0)
    max_backoff_seconds: float = Field(default=30, ge=0)
    """Longest wait between tries, also the longest ``Retry-After`` the connector obeys."""

    @field_validator("url")
    @classmethod
    def _http_url(cls, url: str) -> str:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"`url` {url!r} is not an http or https URL")
        return url

    @field_validator("params", mode="before")
    @classmethod
    def _params_as_text(cls, params: Any) -> Any:
        if not isinstance(params, dict):
            return params
        texts: dict[Any, Any] = {}
        for name, value in params.items():
            if isinstance(value, (dict, list)) or value is None:
                raise ValueError(f"`params` `{name}`: give a single value, not {value!r}")
            texts[name] = as_text(value) or ""
        return texts

    @field_validator("headers")
    @classmethod
    def _no_secret_headers(cls, headers: dict[str, str]) -> dict[str, str]:
        for name in headers:
            if name.lower() in ("authorization", "proxy-authorization"):
                raise ValueError(
                    f"`headers` `{name}` would put a secret in the config; use `auth` instead"
                )
        return headers

    @field_validator("records_path")
    @classmethod
    def _dotted_path(cls, records_path: str) -> str:
        if records_path and not all(records_path.split(".")):
            raise ValueError(f"`records_path` {records_path!r} has an empty step")
        return records_path

    @model_validator(mode="after")
    def _since_needs_cursor(self) -> RestConnector:
        if self.since_param is not None and self.cursor_field is None:
            raise ValueError("`since_param` needs `cursor_field` to know what to send")
        if self.max_backoff_seconds < self.backoff_seconds:
            raise ValueError("`max_backoff_seconds` must be at least `backoff_seconds`")
        return self

    @property
    def has_cursor(self) -> bool:
        return self.cursor_field is not None and self.since_param is not None

    @property
    def cursor_hint(self) -> str:
        return "set `connector.cursor_field` and `connector.since_param`"

    @property
    def has_fixed_columns(self) -> bool:
        return False
