"""List pages as one reusable piece: search and filters, sorting, pagination, .xlsx export, htmx.

A view builds a ``ListPage`` from a queryset that is already scoped by the visibility rule, the
columns, and a filter form; ``render`` answers a full page, the table alone for an htmx request,
or the whole filtered list as .xlsx. Query count stays constant in the number of rows as long as
the queryset selects or prefetches what the columns read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from linli.core.errors import forbidden
from linli.core.exports import xlsx_response


@dataclass(frozen=True)
class ListColumn:
    header: str
    value: Callable[[Any], Any]  # the cell's text, on screen and in the export
    sort: tuple[str, ...] | None = None  # order_by fields when sorting by this column
    link: Callable[[Any], str] | None = None  # the cell links here
    chips: bool = False  # the value is a list shown as small tags
    export: bool = True


@dataclass
class ListPage:
    title: str
    columns: list[ListColumn]
    queryset: QuerySet
    filter_form: forms.Form | None = None
    default_order: tuple[str, ...] = ("pk",)
    page_size: int = 50
    export_name: str | None = None  # None: no export
    can_export: bool = False
    export_queryset: Callable[[], QuerySet] | None = None  # scoped with the export permission
    actions: list[tuple[str, str]] = field(default_factory=list)  # (label, url) buttons above the list
    empty_text: str = "没有符合条件的记录"

    def _sort_key(self, request: HttpRequest) -> str:
        key = request.GET.get("sort", "")
        names = {str(i) for i, c in enumerate(self.columns) if c.sort}
        return key if key.lstrip("-") in names else ""

    def _ordered(self, qs: QuerySet, key: str) -> QuerySet:
        if not key:
            return qs.order_by(*self.default_order)
        column = self.columns[int(key.lstrip("-"))]
        assert column.sort is not None
        fields = [(f[1:] if f.startswith("-") else "-" + f) if key.startswith("-") else f for f in column.sort]
        return qs.order_by(*fields, "pk")

    def render(self, request: HttpRequest, template: str = "core/list.html", **context: Any) -> HttpResponse:
        key = self._sort_key(request)
        if request.GET.get("export") == "xlsx":
            return self._export(key)
        page = Paginator(self._ordered(self.queryset, key), self.page_size).get_page(request.GET.get("page"))
        query = request.GET.copy()
        for name in ("page", "sort", "export"):
            query.pop(name, None)
        headers = []
        for i, c in enumerate(self.columns):
            sortable = c.sort is not None
            state = "asc" if key == str(i) else "desc" if key == f"-{i}" else ""
            headers.append({"title": c.header, "sort": (f"-{i}" if state == "asc" else str(i)) if sortable else None,
                            "state": state})
        rows = [[self._cell(c, obj) for c in self.columns] for obj in page]
        ctx = {"list": self, "page": page, "rows": rows, "headers": headers, "query": query.urlencode(),
               "sort": key, **context}
        if getattr(request, "htmx", False) and request.htmx.target == "list-table":  # type: ignore[attr-defined]
            response = render(request, "core/partials/list_table.html", ctx)
        else:
            response = render(request, template, ctx)
        response["Vary"] = "HX-Request"  # a cached fragment must never stand in for the page
        return response

    @staticmethod
    def _cell(column: ListColumn, obj: Any) -> dict[str, Any]:
        value = column.value(obj)
        return {"value": value, "link": column.link(obj) if column.link else None, "chips": column.chips}

    def _export(self, key: str) -> HttpResponse:
        if not (self.export_name and self.can_export):
            raise forbidden(f"导出{self.title}")
        qs = self._ordered(self.export_queryset() if self.export_queryset else self.queryset, key)
        columns = [c for c in self.columns if c.export]

        def cell(c: ListColumn, obj: Any) -> Any:
            value = c.value(obj)
            return "、".join(map(str, value)) if isinstance(value, list | tuple) else value

        rows = ([cell(c, obj) for c in columns] for obj in qs.iterator(chunk_size=500))
        filename = f"{self.export_name}-{dt.date.today():%Y%m%d}.xlsx"
        return xlsx_response(filename, self.export_name, [c.header for c in columns], rows)
