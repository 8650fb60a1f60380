"""The resident import through the core services: preview every error, then commit all or nothing."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import Workbook

from linli.accounts.models import User
from linli.core.errors import CoreErrorCode, LinliError
from linli.core.models import AuditEntry, ImportBatch
from linli.core.services import import_commit, import_preview
from linli.core.testing import JINZHUYUAN, XINGJIAQIAO, XJQ_GRID, make_id_number
from linli.people.models import ResidenceHistory, Resident

pytestmark = pytest.mark.django_db

HEADER = ["姓名", "身份证号", "性别", "出生日期", "手机号", "社区/网格代码", "住址", "标签", "备注"]



def xlsx(rows: list[list], header: list[str] = HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows: list[list[str]], encoding: str, header: list[str] = HEADER) -> bytes:
    return "\r\n".join(",".join(r) for r in [header, *rows]).encode(encoding)


def row(i: int, **values) -> list[str]:
    birth = dt.date(1940 + i, 2, 3)
    base = {
        "name": f"导入{i}",
        "id_number": make_id_number(birth, "F"),
        "sex": "女",
        "birth": birth.isoformat(),
        "phone": f"1360000{i:04d}",
        "area": "",
        "address": f"导入路 {i} 号",
        "tags": "独居老人",
        "note": "",
    }
    base.update(values)
    return list(base.values())


def _preview(by, data: bytes, *, area: str = XINGJIAQIAO, filename: str = "居民.xlsx"):
    return import_preview(by=by, spec_name="residents", area_code=area, filename=filename, data=data)


def _imported():
    return Resident.objects.filter(name__startswith="导入")


def _errors(result) -> list[tuple[int, str, str]]:
    return [(e.row, e.column, e.reason) for e in result.errors]


# --- preview --------------------------------------------------------------------------------


def test_clean_preview_writes_no_resident(personas):
    batch, result = _preview(personas.xjq_worker, xlsx([row(1), row(2, area=XJQ_GRID)]))
    assert result.ok and len(result.rows) == 2
    assert batch.status == ImportBatch.Status.PREVIEWED and batch.row_count == 2 and batch.error_count == 0
    assert not _imported().exists()
    # the kept file is encrypted: no ID number in the stored content
    assert result.rows[0].values["id_number"].number not in batch.content


def test_preview_reports_every_row_error(personas):
    rows = [row(i) for i in range(1, 9)]
    good = rows[0][1]
    rows[1][1] = good[:17] + ("0" if good[17] != "0" else "1")  # row 3: check digit
    rows[2][1] = good  # row 4: the same person as row 2
    rows[3][1] = personas.xjq_residents[1].id_number  # row 5: already registered
    rows[4][7] = "独居老人、外星人"  # row 6: unknown tag
    rows[5][5] = JINZHUYUAN  # row 7: outside the import's area
    rows[6][2] = "男"  # row 8: sex does not match the number
    rows[7][4] = "1360000"  # row 9: phone too short
    _batch, result = _preview(personas.xjq_worker, xlsx(rows))
    errors = _errors(result)
    assert (3, "身份证号", "校验位错误：最后一位应为 " + good[17]) in errors
    assert (2, "身份证号", "与第 4 行重复") in errors
    assert (4, "身份证号", "与第 2 行重复") in errors
    assert any(r == 5 and c == "身份证号" and "邢家桥社区" in m and "不能重复登记" in m for r, c, m in errors)
    assert (6, "标签", "没有“外星人”这个标签") in errors
    assert (7, "社区/网格代码", "金竹苑社区 不在本次导入的地区内") in errors
    assert (8, "性别", "与身份证号不符（应为女）") in errors
    assert (9, "手机号", "手机号应为 11 位，实际 7 位") in errors
    assert result.error_rows == {2, 3, 4, 5, 6, 7, 8, 9}
    assert [e.row for e in result.errors] == sorted(e.row for e in result.errors)


def test_area_column_must_be_a_community_or_grid_that_exists(personas):
    rows = [row(1, area="500112009"), row(2, area="500112009099"), row(3, birth="1941-02-04")]
    _batch, result = _preview(personas.xjq_worker, xlsx(rows))
    assert _errors(result) == [
        (2, "社区/网格代码", "人和街道 是街道，请填写社区或网格代码"),
        (3, "社区/网格代码", "地区代码 500112009099 不存在"),
        (4, "出生日期", "与身份证号不符（应为 1943-02-03）"),
    ]


def test_an_id_number_that_excel_turned_into_a_number(personas):
    number = "500112195001010027"  # valid; as a float, 5.0011219500101e17: the last digits are gone
    assert float(number) != int(number)
    _batch, result = _preview(personas.xjq_worker, xlsx([row(1, id_number=float(number))]))
    assert [(e.row, e.column) for e in result.errors] == [(2, "身份证号")]
    csv_result = _preview(personas.xjq_worker, csv_bytes([row(1, id_number="5.00112E+17")], "utf-8"),
                          filename="a.csv")[1]
    assert "被 Excel 当成了数字" in csv_result.errors[0].reason


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk"])
def test_csv_files_in_either_encoding(personas, encoding):
    _batch, result = _preview(personas.xjq_worker, csv_bytes([row(1), row(2)], encoding), filename="居民.csv")
    assert result.ok
    assert [r.values["name"] for r in result.rows] == ["导入1", "导入2"]
    assert result.rows[0].values["tags"] == ["独居老人"]


def test_missing_and_unknown_columns_refuse_the_file(personas):
    header = ["姓名", "住址", "民族", "血型"]
    with pytest.raises(LinliError) as caught:
        _preview(personas.xjq_worker, xlsx([["导入1", "路", "汉", "A"]], header=header))
    error = caught.value
    assert error.field == "file" and error.code == CoreErrorCode.IMPORT_FILE
    assert "缺少列：身份证号" in error.message
    assert "多出无法识别的列：民族、血型" in error.message
    assert not ImportBatch.objects.exists()


def test_header_aliases_from_other_systems(personas):
    header = ["姓名", "公民身份号码", "联系电话", "网格代码"]
    r = row(1)
    _batch, result = _preview(personas.xjq_worker, xlsx([[r[0], r[1], r[4], XJQ_GRID]], header=header))
    assert result.ok and result.rows[0].values["area"] == XJQ_GRID


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("居民.txt", b"x", "文件类型不支持"),
        ("居民.xls", b"\xd0\xcf\x11\xe0" * 8, "不支持旧版 .xls"),
        ("居民.xlsx", b"this is not a zip", "不是有效的 .xlsx"),
        ("居民.xlsx", b"", "文件是空的"),
    ],
)
def test_wrong_files_are_refused_and_nothing_is_kept(personas, filename, data, message):
    with pytest.raises(LinliError) as caught:
        _preview(personas.xjq_worker, data, filename=filename)
    assert caught.value.field == "file" and message in caught.value.message
    assert not ImportBatch.objects.exists()


def test_oversize_file_is_refused(personas, settings):
    data = xlsx([row(i) for i in range(1, 4)])
    settings.LINLI_MAX_UPLOAD_BYTES = len(data) - 1
    with pytest.raises(LinliError) as caught:
        _preview(personas.xjq_worker, data)
    assert caught.value.field == "file" and "文件过大" in caught.value.message
    settings.LINLI_MAX_UPLOAD_BYTES = len(data)
    assert _preview(personas.xjq_worker, data)[1].ok


@pytest.mark.parametrize(
    ("who", "area"),
    [("xjq_worker", JINZHUYUAN), ("jzy_worker", XINGJIAQIAO), ("xjq_grid_worker", XJQ_GRID),
     ("assistance_officer", XINGJIAQIAO), ("outsider", XINGJIAQIAO), ("renhe_admin", "500112022")],
)
def test_importing_outside_ones_areas_is_forbidden(personas, who, area):
    with pytest.raises(LinliError) as caught:
        _preview(getattr(personas, who), xlsx([row(1, area=area if len(area) >= 12 else "")]), area=area)
    assert caught.value.code == CoreErrorCode.FORBIDDEN
    assert not ImportBatch.objects.exists()


def test_street_admin_imports_into_communities_of_the_street(personas):
    rows = [row(1, area=XINGJIAQIAO), row(2, area=XJQ_GRID), row(3)]
    _batch, result = _preview(personas.renhe_admin, xlsx(rows), area="500112009")
    # a row without its own area falls on the street itself, which is not where people live
    assert _errors(result) == [(4, "社区/网格代码", "人和街道 是街道，请填写社区或网格代码")]


# --- commit -------------------------------------------------------------------------------


def test_clean_file_commits_every_row_with_history_tags_and_audit(personas):
    rows = [row(1), row(2, area=XJQ_GRID, tags="党员，独居老人"), row(3, tags="", phone="")]
    batch, _ = _preview(personas.xjq_worker, xlsx(rows))
    assert import_commit(by=personas.xjq_worker, batch_id=batch.pk) == 3
    imported = {r.name: r for r in _imported()}
    assert set(imported) == {"导入1", "导入2", "导入3"}
    one, two, three = imported["导入1"], imported["导入2"], imported["导入3"]
    assert one.id_number == rows[0][1] and one.phone == "13600000001" and one.sex == "F"
    assert one.birth_date == dt.date(1941, 2, 3) and one.area_id == XINGJIAQIAO and one.address == "导入路 1 号"
    assert two.area_id == XJQ_GRID
    assert three.phone == "" and three.phone_hash == ""
    assert one.checkin_code and one.checkin_code != two.checkin_code
    assert [t.code for t in one.tags.all()] == ["elder_alone"]
    assert sorted(t.code for t in two.tags.all()) == ["elder_alone", "party_member"]
    assert list(three.tags.all()) == []
    for resident in imported.values():
        (history,) = ResidenceHistory.objects.filter(resident=resident)
        assert history.moved_out_at is None and history.reason == "批量导入"
        assert history.recorded_by == personas.xjq_worker and history.area_id == resident.area_id
        audit = AuditEntry.objects.get(action="resident.create", target_id=str(resident.pk))
        assert audit.actor == personas.xjq_worker and audit.area_code == resident.area_id
        assert audit.data == {"via": "import"}
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.COMMITTED and batch.committed_at is not None
    assert batch.content == ""  # no second copy of the personal data
    assert AuditEntry.objects.filter(action="import.commit", target_id=str(batch.pk)).get().data == {"rows": 3}


def test_repeated_or_mixed_tag_names_in_a_cell(personas):
    rows = [row(1, tags="独居老人,独居老人 "), row(2, tags="elder_alone、独居老人， 党员")]
    batch, result = _preview(personas.xjq_worker, xlsx(rows))
    assert result.ok
    assert import_commit(by=personas.xjq_worker, batch_id=batch.pk) == 2
    tags = {r.name: sorted(t.code for t in r.tags.all()) for r in _imported()}
    assert tags == {"导入1": ["elder_alone"], "导入2": ["elder_alone", "party_member"]}


def test_one_bad_row_commits_nothing(personas):
    rows = [row(1), row(2), row(3, phone="12")]
    batch, result = _preview(personas.xjq_worker, xlsx(rows))
    assert result.error_rows == {4}
    with pytest.raises(LinliError) as caught:
        import_commit(by=personas.xjq_worker, batch_id=batch.pk)
    assert caught.value.code == CoreErrorCode.IMPORT_ROWS
    assert "未导入任何数据" in caught.value.message
    assert caught.value.extra["errors"][0]["row"] == 4
    assert not _imported().exists()
    assert not AuditEntry.objects.filter(action__in=["resident.create", "import.commit"], actor=personas.xjq_worker).exists()
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportBatch.Status.PREVIEWED


def test_rows_are_checked_again_at_commit(personas):
    """Someone registered one of the file's people between the preview and the commit."""
    from linli.people.services import resident_create

    rows = [row(1), row(2)]
    batch, result = _preview(personas.xjq_worker, xlsx(rows))
    assert result.ok
    resident_create(by=personas.jzy_worker, name="抢先", id_number=rows[1][1], area_code=JINZHUYUAN)
    with pytest.raises(LinliError) as caught:
        import_commit(by=personas.xjq_worker, batch_id=batch.pk)
    assert caught.value.code == CoreErrorCode.IMPORT_ROWS
    assert "金竹苑社区" in caught.value.extra["errors"][0]["reason"]
    assert not _imported().exists()


def test_the_same_batch_commits_once(personas):
    batch, _ = _preview(personas.xjq_worker, xlsx([row(1), row(2)]))
    assert import_commit(by=personas.xjq_worker, batch_id=batch.pk) == 2
    with pytest.raises(LinliError) as caught:
        import_commit(by=personas.xjq_worker, batch_id=batch.pk)
    assert caught.value.code == CoreErrorCode.IMPORT_STATE
    assert "已导入，不能再次导入" in caught.value.message
    assert _imported().count() == 2


@pytest.mark.parametrize("who", ["jzy_worker", "district_admin", "renhe_admin"])
def test_nobody_else_commits_someones_batch(personas, who):
    batch, _ = _preview(personas.xjq_worker, xlsx([row(1)]))
    with pytest.raises(LinliError) as caught:
        import_commit(by=getattr(personas, who), batch_id=batch.pk)
    assert caught.value.code == CoreErrorCode.NOT_FOUND
    assert not _imported().exists()
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportBatch.Status.PREVIEWED


def test_a_worker_who_lost_the_role_cannot_commit(personas):
    from linli.accounts.selectors import grants_of
    from linli.accounts.services import role_revoke

    batch, _ = _preview(personas.xjq_worker, xlsx([row(1)]))
    role_revoke(by=personas.district_admin, grant=grants_of(personas.xjq_worker).get())
    worker = User.objects.get(pk=personas.xjq_worker.pk)  # the next request's user
    with pytest.raises(LinliError) as caught:
        import_commit(by=worker, batch_id=batch.pk)
    assert caught.value.code == CoreErrorCode.FORBIDDEN
    assert not _imported().exists()
