"""The import framework alone: reading .xlsx and .csv, the header, every row's errors."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from openpyxl import Workbook

from linli.core.errors import CoreErrorCode, LinliError
from linli.core.imports import (
    Column,
    ImportContext,
    ImportSpec,
    ParsedRow,
    RowError,
    get_import,
    preview,
    read_table,
    template_rows,
)


def xlsx(rows: list[list]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8-sig") -> bytes:
    return "\r\n".join(",".join(r) for r in rows).encode(encoding)


def _age(text: str) -> int:
    if not text.isdigit():
        raise ValueError("应为整数")
    return int(text)


def _no_twins(_ctx: ImportContext, rows: list[ParsedRow]) -> list[RowError]:
    seen: dict[str, int] = {}
    errors = []
    for r in rows:
        if r.values["name"] in seen:
            errors.append(RowError(r.row, "姓名", f"与第 {seen[r.values['name']]} 行重复"))
        seen.setdefault(r.values["name"], r.row)
    return errors


SPEC = ImportSpec(
    name="toy",
    title="玩具",
    columns=(
        Column("name", "姓名", example="张三"),
        Column("age", "年龄", parse=_age, aliases=("岁数",), example="70"),
        Column("note", "备注", required=False),
    ),
    authorize=lambda user, code: True,
    check_rows=_no_twins,
    commit_rows=lambda ctx, rows: len(rows),
    target_areas=lambda user: [],
    max_rows=5,
)
CTX = ImportContext(user=None, area_code="500112009011")


def _file_error(filename: str, data: bytes) -> LinliError:
    with pytest.raises(LinliError) as caught:
        read_table(filename, data)
    assert caught.value.code == CoreErrorCode.IMPORT_FILE
    assert caught.value.field == "file"
    return caught.value


# --- reading ----------------------------------------------------------------------------------


def test_xlsx_cells_become_texts():
    data = xlsx([
        ["姓名", "出生", "编号", "比例"],
        ["  张三 ", dt.date(1950, 3, 8), 42, 0.5],
        ["李四", dt.datetime(1951, 1, 2, 0, 0), 42.0, None],
        ["王五", dt.datetime(1951, 1, 2, 8, 30), "007", ""],
        [None, None, None, None],
        [None, None, None, None],
    ])
    assert read_table("a.XLSX", data) == [
        ["姓名", "出生", "编号", "比例"],
        ["张三", "1950-03-08", "42", "0.5"],
        ["李四", "1951-01-02", "42", ""],
        ["王五", "1951-01-02 08:30:00", "007", ""],
    ]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gbk"])
def test_csv_in_utf8_and_gbk(encoding):
    rows = [["姓名", "住址"], ["张桂英", "邢家桥路 12 号"], ["", ""]]
    assert read_table("居民.csv", csv_bytes(rows, encoding)) == rows[:2]


def test_csv_quoting():
    data = '姓名,住址\n"张,三","第 ""1"" 栋"\n'.encode()
    assert read_table("a.csv", data) == [["姓名", "住址"], ["张,三", '第 "1" 栋']]


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("居民.txt", b"a,b\n", "文件类型不支持"),
        ("居民", b"a,b\n", "文件类型不支持"),
        ("居民.xls", b"\xd0\xcf\x11\xe0" + b"\x00" * 100, "不支持旧版 .xls"),
        ("居民.xlsx", "姓名,年龄\n张三,70\n".encode(), "不是有效的 .xlsx"),
        ("居民.xlsx", b"", "文件是空的"),
        ("居民.csv", b"", "文件是空的"),
        ("居民.csv", b"PK\x03\x04\x00\x00binary", "不是文本表格"),
    ],
)
def test_wrong_files_are_refused_with_a_reason(filename, data, message):
    assert message in _file_error(filename, data).message


def test_a_zip_that_is_not_a_workbook_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("hello.txt", "not a workbook")
    assert "无法读取这个 .xlsx 文件" in _file_error("a.xlsx", out.getvalue()).message


def test_oversize_file_is_refused_before_reading(settings):
    settings.LINLI_MAX_UPLOAD_BYTES = 1024
    data = csv_bytes([["姓名", "年龄"]] + [["张三", "70"]] * 200)
    assert len(data) > 1024
    assert "文件过大" in _file_error("a.csv", data).message
    assert read_table("a.csv", data[:1000].rsplit(b"\r\n", 1)[0])[0] == ["姓名", "年龄"]


# --- the header ---------------------------------------------------------------------------------


def _preview_error(rows: list[list[str]]) -> LinliError:
    with pytest.raises(LinliError) as caught:
        preview(SPEC, "a.csv", csv_bytes(rows), CTX)
    assert caught.value.field == "file"
    return caught.value


def test_missing_required_columns_are_named():
    error = _preview_error([["姓名", "备注"], ["张三", ""]])
    assert "缺少列：年龄" in error.message
    assert "模板的列为：姓名、年龄、备注" in error.message


def test_unknown_columns_are_named():
    error = _preview_error([["姓名", "年龄", "身高", "体重"], ["张三", "70", "170", "60"]])
    assert "多出无法识别的列：身高、体重" in error.message
    assert "缺少列" not in error.message


def test_duplicated_columns_are_named():
    error = _preview_error([["姓名", "年龄", "岁数"], ["张三", "70", "70"]])
    assert "列重复：岁数" in error.message


def test_aliases_stars_and_column_order_are_accepted():
    result = preview(SPEC, "a.csv", csv_bytes([["岁数", "姓名*", ""], ["70", "张三", ""]]), CTX)
    assert result.ok
    assert [r.values for r in result.rows] == [{"name": "张三", "age": 70, "note": None}]


def test_header_only_or_nothing():
    assert "只有表头" in _preview_error([["姓名", "年龄"], ["", ""]]).message
    with pytest.raises(LinliError) as caught:
        preview(SPEC, "a.xlsx", xlsx([[None, None]]), CTX)
    assert "没有表头" in caught.value.message


def test_too_many_rows():
    error = _preview_error([["姓名", "年龄"]] + [[f"人{i}", "70"] for i in range(6)])
    assert "行数过多：6 行，一次最多 5 行" in error.message


# --- rows ---------------------------------------------------------------------------------------


def test_every_row_error_has_row_number_header_and_reason():
    rows = [
        ["姓名", "年龄", "备注"],
        ["张三", "70", ""],  # row 2: fine
        ["", "七十", ""],  # row 3: two errors
        ["", "", ""],  # row 4: blank, skipped
        ["张三", "71", "同名"],  # row 5: the cross-row check
    ]
    result = preview(SPEC, "a.csv", csv_bytes(rows), CTX)
    assert not result.ok
    assert result.errors == [
        RowError(3, "姓名", "不能为空"),
        RowError(3, "年龄", "应为整数"),
        RowError(5, "姓名", "与第 2 行重复"),
    ]
    assert result.error_rows == {3, 5}
    assert [r.row for r in result.rows] == [2, 3, 5]


def test_short_rows_are_padded_with_blanks():
    result = preview(SPEC, "a.csv", "姓名,年龄,备注\n张三,70\n".encode(), CTX)
    assert result.ok and result.rows[0].values["note"] is None


def test_xlsx_preview_matches_csv_preview():
    rows = [["姓名", "年龄"], ["张三", "70"], ["李四", "x"]]
    from_xlsx = preview(SPEC, "a.xlsx", xlsx(rows), CTX)
    from_csv = preview(SPEC, "a.csv", csv_bytes(rows), CTX)
    assert from_xlsx.errors == from_csv.errors == [RowError(3, "年龄", "应为整数")]


def test_template_stars_required_columns():
    headers, examples = template_rows(SPEC)
    assert headers == ["姓名*", "年龄*", "备注"]
    assert examples == [["张三", "70", ""]]


def test_unknown_import_name_is_not_found():
    with pytest.raises(LinliError) as caught:
        get_import("nonesuch")
    assert caught.value.status == 404
