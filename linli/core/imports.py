"""The import framework: read an .xlsx or .csv table, check every row, report every error.

An ``ImportSpec`` names its columns (Chinese headers), how to parse each cell, a check across
rows and against the database, and how to write the rows. ``core.services`` stores the upload,
shows the preview and commits all rows in one transaction or none.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from linli.core.errors import CoreErrorCode, LinliError


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = True
    parse: Callable[[str], Any] = str  # raises ValueError whose text is the reason, in Chinese
    aliases: tuple[str, ...] = ()
    example: str = ""


@dataclass(frozen=True)
class RowError:
    row: int  # the row number a person sees in the spreadsheet (header is row 1)
    column: str  # Chinese header, or "" for the whole row
    reason: str


@dataclass
class ParsedRow:
    row: int
    values: dict[str, Any]


@dataclass(frozen=True)
class ImportContext:
    user: Any
    area_code: str


@dataclass(frozen=True)
class ImportSpec:
    name: str
    title: str
    columns: tuple[Column, ...]
    authorize: Callable[[Any, str], bool]  # (user, area code) -> may import there
    check_rows: Callable[[ImportContext, list[ParsedRow]], list[RowError]]
    commit_rows: Callable[[ImportContext, list[ParsedRow]], int]
    target_areas: Callable[[Any], Any]  # (user) -> the areas offered as "import into"
    menu_url: str = "/"  # where the imported records are listed
    max_rows: int = 5000

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


@dataclass
class Preview:
    spec: ImportSpec
    rows: list[ParsedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def error_rows(self) -> set[int]:
        return {e.row for e in self.errors}


_specs: dict[str, ImportSpec] = {}


def register_import(spec: ImportSpec) -> None:
    _specs[spec.name] = spec


def get_import(name: str) -> ImportSpec:
    try:
        return _specs[name]
    except KeyError:
        raise LinliError(CoreErrorCode.NOT_FOUND, f"没有名为 {name} 的导入类型") from None


def _file_error(message: str) -> LinliError:
    return LinliError(CoreErrorCode.IMPORT_FILE, message, field="file")


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        # Excel turns long digit strings (ID numbers) into floats and loses digits: keep what we
        # can and let the column's parser say what is wrong.
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value).strip()


def check_size(size: int) -> None:
    limit = settings.LINLI_MAX_UPLOAD_BYTES
    if size > limit:
        raise _file_error(f"文件过大：{size / 1048576:.1f} MB，最大 {limit / 1048576:g} MB")


def read_table(filename: str, data: bytes) -> list[list[str]]:
    """Rows of cell texts, header first. Refuses files that are too large or of the wrong type."""
    check_size(len(data))
    if not data:
        raise _file_error("文件是空的")
    name = filename.lower()
    if name.endswith(".xlsx"):
        return _read_xlsx(data)
    if name.endswith(".csv"):
        return _read_csv(data)
    if name.endswith(".xls"):
        raise _file_error("不支持旧版 .xls 文件：请在 Excel 中另存为 .xlsx 后再上传")
    raise _file_error("文件类型不支持：请上传 .xlsx 或 .csv 文件")


def _read_xlsx(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise _file_error("文件不是有效的 .xlsx 表格（可能已损坏或改了扩展名）")
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on broken files
        raise _file_error("无法读取这个 .xlsx 文件：可能已损坏") from exc
    try:
        sheet = book.worksheets[0]
        rows = [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()
    return _trim(rows)


def _read_csv(data: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise _file_error("无法识别文件编码：请保存为 UTF-8 或 GBK 编码的 CSV")
    if "\x00" in text:
        raise _file_error("文件不是文本表格（CSV）")
    try:
        rows = [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))]
    except csv.Error as exc:
        raise _file_error(f"CSV 格式错误：{exc}") from exc
    return _trim(rows)


def _trim(rows: list[list[str]]) -> list[list[str]]:
    """Drop fully empty rows at the end and empty trailing header cells."""
    while rows and not any(rows[-1]):
        rows.pop()
    return rows


def _header_map(spec: ImportSpec, header: list[str]) -> dict[str, int]:
    by_name: dict[str, Column] = {}
    for column in spec.columns:
        for alias in (column.header, *column.aliases):
            by_name[alias] = column
    positions: dict[str, int] = {}
    unknown: list[str] = []
    duplicated: list[str] = []
    for i, raw in enumerate(header):
        name = raw.strip().rstrip("*＊").strip()
        if not name:
            continue
        col = by_name.get(name)
        if col is None:
            unknown.append(raw)
        elif col.key in positions:
            duplicated.append(raw)
        else:
            positions[col.key] = i
    problems = []
    missing = [c.header for c in spec.columns if c.required and c.key not in positions]
    if missing:
        problems.append("缺少列：" + "、".join(missing))
    if unknown:
        problems.append("多出无法识别的列：" + "、".join(unknown))
    if duplicated:
        problems.append("列重复：" + "、".join(duplicated))
    if problems:
        expected = "、".join(c.header for c in spec.columns)
        raise _file_error("；".join(problems) + f"。模板的列为：{expected}")
    return positions


def preview(spec: ImportSpec, filename: str, data: bytes, context: ImportContext) -> Preview:
    table = read_table(filename, data)
    if not table:
        raise _file_error("文件里没有表头")
    positions = _header_map(spec, table[0])
    body = table[1:]
    if not any(any(r) for r in body):
        raise _file_error("文件里只有表头，没有数据行")
    if len(body) > spec.max_rows:
        raise _file_error(f"行数过多：{len(body)} 行，一次最多 {spec.max_rows} 行，请分批导入")
    result = Preview(spec=spec)
    for offset, cells in enumerate(body):
        row_no = offset + 2
        if not any(cells):
            continue
        values: dict[str, Any] = {}
        for col in spec.columns:
            pos = positions.get(col.key)
            text = cells[pos].strip() if pos is not None and pos < len(cells) else ""
            if not text:
                if col.required:
                    result.errors.append(RowError(row_no, col.header, "不能为空"))
                values[col.key] = None
                continue
            try:
                values[col.key] = col.parse(text)
            except ValueError as exc:
                result.errors.append(RowError(row_no, col.header, str(exc)))
        result.rows.append(ParsedRow(row=row_no, values=values))
    clean = [r for r in result.rows if r.row not in result.error_rows]
    result.errors.extend(spec.check_rows(context, clean))
    result.errors.sort(key=lambda e: (e.row, e.column))
    return result


def template_rows(spec: ImportSpec) -> tuple[list[str], list[list[str]]]:
    """Headers (required ones starred) and one example row, for the downloadable template."""
    headers = [c.header + ("*" if c.required else "") for c in spec.columns]
    return headers, [[c.example for c in spec.columns]]
