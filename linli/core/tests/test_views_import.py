"""The import pages: upload, preview with every row's errors, commit all rows or none."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import Workbook

from linli.core.models import ImportBatch
from linli.core.testing import XINGJIAQIAO, make_id_number, with_token
from linli.people.models import Resident

pytestmark = pytest.mark.django_db
HEADER = ["姓名", "身份证号", "性别", "手机号", "住址", "标签"]


def _xlsx(rows: list[list[str]], header: list[str] = HEADER) -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile("居民.xlsx", out.getvalue())


def _login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _good_rows(n: int) -> list[list[str]]:
    return [[f"导入{i}", make_id_number(dt.date(1940 + i, 1, 2), "F"), "女", f"1360000{i:04d}", f"导入路 {i} 号", "独居老人"]
            for i in range(n)]


def test_clean_file_previews_then_commits_every_row(personas):
    client = _login(personas.xjq_worker)
    response = client.post("/import/residents/", {"file": _xlsx(_good_rows(4)), "area": XINGJIAQIAO})
    assert response.status_code == 302
    preview = client.get(response["Location"]).content.decode()
    assert "检查全部通过" in preview
    assert not Resident.objects.filter(name__startswith="导入").exists()  # nothing before the commit
    batch = ImportBatch.objects.get()
    response = client.post(f"/import/batch/{batch.pk}/commit/", with_token(personas.xjq_worker))
    assert response.status_code == 302
    imported = Resident.objects.filter(name__startswith="导入")
    assert imported.count() == 4
    assert all(r.area_id == XINGJIAQIAO and [t.code for t in r.tags.all()] == ["elder_alone"] for r in imported)
    # A second click on the same commit writes nothing more.
    response = client.post(f"/import/batch/{batch.pk}/commit/", with_token(personas.xjq_worker), follow=True)
    assert "已导入，不能再次导入" in response.content.decode()
    assert Resident.objects.filter(name__startswith="导入").count() == 4


def test_file_with_broken_rows_lists_them_and_commits_nothing(personas):
    rows = _good_rows(3)
    rows[1][1] = rows[1][1][:-1] + ("0" if rows[1][1][-1] != "0" else "1")  # wrong check digit
    rows[2][3] = "12345"  # phone too short
    rows.append(list(rows[0]))  # the same person twice
    client = _login(personas.xjq_worker)
    response = client.post("/import/residents/", {"file": _xlsx(rows), "area": XINGJIAQIAO}, follow=True)
    html = response.content.decode()
    assert "第 3 行" in html and "校验位错误" in html
    assert "第 4 行" in html and "手机号应为 11 位" in html
    assert "第 5 行" in html and "与第 2 行重复" in html
    batch = ImportBatch.objects.get()
    response = client.post(f"/import/batch/{batch.pk}/commit/", with_token(personas.xjq_worker), follow=True)
    assert "未导入任何数据" in response.content.decode()
    assert not Resident.objects.filter(name__startswith="导入").exists()


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("居民.txt", b"hello"), "文件类型不支持"),
        (SimpleUploadedFile("居民.xls", b"\xd0\xcf\x11\xe0"), "另存为 .xlsx"),
        (SimpleUploadedFile("居民.xlsx", b"not a zip"), "不是有效的 .xlsx"),
        (None, "缺少列：身份证号"),
        ("extra", "多出无法识别的列：籍贯"),
    ],
)
def test_bad_files_say_why_and_keep_nothing(personas, upload, message):
    if upload is None:
        upload = _xlsx([["张三"]], header=["姓名"])
    elif upload == "extra":
        upload = _xlsx([], header=[*HEADER, "籍贯"])
    response = _login(personas.xjq_worker).post("/import/residents/", {"file": upload, "area": XINGJIAQIAO})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_oversized_upload_is_refused_before_reading(personas, settings):
    settings.LINLI_MAX_UPLOAD_BYTES = 1000
    upload = SimpleUploadedFile("居民.csv", ("姓名,身份证号\n" + "张三,1\n" * 400).encode())
    response = _login(personas.xjq_worker).post("/import/residents/", {"file": upload, "area": XINGJIAQIAO})
    assert response.status_code == 400
    assert "文件过大" in response.content.decode()


def test_a_batch_belongs_to_its_uploader(personas):
    client = _login(personas.xjq_worker)
    client.post("/import/residents/", {"file": _xlsx(_good_rows(1)), "area": XINGJIAQIAO})
    batch = ImportBatch.objects.get()
    other = _login(personas.renhe_admin)
    assert other.get(f"/import/batch/{batch.pk}/").status_code == 404
    assert other.post(f"/import/batch/{batch.pk}/commit/", with_token(personas.renhe_admin)).status_code == 404
    assert not Resident.objects.filter(name__startswith="导入").exists()


def test_cannot_import_into_another_community(personas):
    response = _login(personas.jzy_worker).post("/import/residents/", {"file": _xlsx(_good_rows(1)),
                                                                        "area": XINGJIAQIAO})
    assert response.status_code == 400  # not a choice offered to this worker
    assert not ImportBatch.objects.exists()


def test_template_download_has_the_columns(personas):
    from openpyxl import load_workbook

    response = _login(personas.xjq_worker).get("/import/residents/template.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    assert header[:2] == ["姓名*", "身份证号*"]
