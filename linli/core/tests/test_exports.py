"""Lists to .xlsx: what goes in comes back out, and nothing in a cell runs as a formula."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from linli.core.exports import XLSX_TYPE, xlsx_bytes, xlsx_response


def _read(data: bytes):
    book = load_workbook(io.BytesIO(data))
    return book, book.worksheets[0]


def test_round_trip_through_openpyxl():
    headers = ["姓名", "年龄", "出生日期", "身份证号", "备注"]
    rows = [
        ["张桂英", 78, dt.date(1948, 5, 17), "500112********0021", None],
        ["王建国", 3.5, dt.date(2022, 1, 1), "500112********0013", "党员"],
    ]
    _book, sheet = _read(xlsx_bytes("居民名单", headers, rows))
    assert sheet.title == "居民名单"
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0] == headers
    assert values[1][:2] == ["张桂英", 78] and values[1][2].date() == dt.date(1948, 5, 17)
    assert values[1][3:] == ["500112********0021", None]
    assert values[2][1] == 3.5 and values[2][4] == "党员"
    assert len(values) == 3
    assert sheet["A1"].font.bold
    assert sheet.freeze_panes == "A2"


@pytest.mark.parametrize("text", ["=1+2", "+1+2", "-1+2", "@SUM(A1)", "=HYPERLINK(\"http://x\",\"点我\")",
                                  "\t=1", "\r=1"])
def test_formula_like_strings_are_neutralized(text):
    _book, sheet = _read(xlsx_bytes("t", ["备注"], [[text]]))
    cell = sheet["A2"]
    assert cell.data_type == "s"  # a string, never a formula
    assert cell.value == "'" + text.replace("\r", "\n")  # XML keeps no bare carriage return


def test_ordinary_values_are_left_alone():
    _book, sheet = _read(xlsx_bytes("t", ["a", "b", "c"], [["a=b", -5, "邢家桥-1"]]))
    assert [c.value for c in sheet[2]] == ["a=b", -5, "邢家桥-1"]


def test_long_titles_are_cut_to_excels_limit_and_empty_gets_a_name():
    assert _read(xlsx_bytes("很" * 40, ["a"], []))[1].title == "很" * 31
    assert _read(xlsx_bytes("", ["a"], []))[1].title == "Sheet1"


def test_wide_tables_keep_each_columns_width():
    headers = [f"第{i}列" for i in range(30)]
    headers[0] = "短"
    headers[27] = "一个相当长的列名称用来测试宽度"
    _book, sheet = _read(xlsx_bytes("t", headers, [list(range(30))]))
    assert [c.value for c in sheet[2]] == list(range(30))
    assert sheet.column_dimensions["A"].width == 10
    assert sheet.column_dimensions["AB"].width == len(headers[27]) * 2 + 4


def test_response_is_a_download():
    response = xlsx_response("居民名单.xlsx", "居民", ["姓名"], [["张三"]])
    assert response["Content-Type"] == XLSX_TYPE
    assert response["Content-Disposition"].startswith("attachment")
    assert "filename*=utf-8''%E5%B1%85%E6%B0%91" in response["Content-Disposition"]
    assert _read(response.content)[1]["A2"].value == "张三"
