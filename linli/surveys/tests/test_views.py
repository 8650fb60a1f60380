"""The back office's pages: list, create, questions while a draft, publish, results, export,
the QR poster and typing in paper answers."""

from __future__ import annotations

import datetime as dt
import io
import json
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from linli.core.testing import JINZHUYUAN, XINGJIAQIAO, resident, with_token
from linli.surveys import services
from linli.surveys.models import Channel, Response, Survey, SurveyStatus
from linli.surveys.tests.helpers import RENHE, good_answers, make_survey, q

pytestmark = pytest.mark.django_db


def _login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_list_shows_counts_and_filters(personas):
    survey = make_survey(personas.xjq_worker, XINGJIAQIAO, title="邢家桥意见调查")
    make_survey(personas.xjq_worker, XINGJIAQIAO, title="草稿调查", publish=False)
    services.response_submit(by=personas.xjq_worker, survey=survey, resident=personas.xjq_residents[1],
                             answers=good_answers(survey), channel=Channel.PAPER)
    client = _login(personas.xjq_worker)
    html = client.get("/surveys/").content.decode()
    assert "邢家桥意见调查" in html and "草稿调查" in html and "新建问卷" in html
    row = re.search(r"邢家桥意见调查.*?</tr>", html, re.S).group(0)
    assert "进行中" in row and ">1<" in row.replace(" ", "")
    html = client.get("/surveys/", {"status": "draft"}).content.decode()
    assert "草稿调查" in html and "邢家桥意见调查" not in html
    # Grid workers see the list but no results count, and cannot create.
    grid = _login(personas.xjq_grid_worker).get("/surveys/").content.decode()
    assert "邢家桥意见调查" in grid and "新建问卷" not in grid and "—" in grid


def test_list_queries_do_not_grow_with_rows(personas):
    def count() -> int:
        client = _login(personas.district_admin)
        client.get("/surveys/")
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/surveys/").status_code == 200
        return len(ctx)

    make_survey(personas.district_admin, RENHE, title="a")
    make_survey(personas.district_admin, XINGJIAQIAO, title="b")
    few = count()
    for i in range(8):
        survey = make_survey(personas.district_admin, JINZHUYUAN if i % 2 else RENHE, title=f"s{i}")
        services.response_submit(by=personas.district_admin, survey=survey, resident=personas.xjq_residents[1]
                                 if i % 2 == 0 else personas.jzy_residents[1], answers=good_answers(survey),
                                 channel=Channel.PAPER)
    assert count() == few


def test_create_blank_and_from_the_template(personas):
    client = _login(personas.jzy_worker)
    page = client.get("/surveys/new/").content.decode()
    assert "金竹苑社区" in page and "邢家桥社区" not in page and "17 题" in page
    data = {"template": "college_interest", "title": "", "area": JINZHUYUAN, "opens_on": "2026-03-10",
            "closes_on": "2026-04-10", "intro": ""}
    response = client.post("/surveys/new/", with_token(personas.jzy_worker, data))
    survey = Survey.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/surveys/{survey.pk}/"
    assert survey.questions.count() == 17 and survey.purpose == "college_interest"
    bad = client.post("/surveys/new/", with_token(personas.jzy_worker, {**data, "template": "general"}))
    assert bad.status_code == 400 and "不能为空" in bad.content.decode()
    other = client.post("/surveys/new/", with_token(personas.jzy_worker, {**data, "area": XINGJIAQIAO}))
    assert other.status_code == 400  # not a choice for this worker
    assert Survey.objects.count() == 1
    assert _login(personas.xjq_grid_worker).get("/surveys/new/").status_code == 403


def test_questions_are_added_moved_and_removed_while_a_draft(personas):
    survey = make_survey(personas.xjq_worker, XINGJIAQIAO, publish=False)
    client = _login(personas.xjq_worker)
    url = f"/surveys/{survey.pk}/"
    assert "添加题目" in client.get(url).content.decode()
    data = {"kind": "single", "text": "您住几楼？", "options": "1-3 楼\n4-6 楼\n\n7 楼以上", "required": "on", "scale": "5"}
    response = client.post(f"{url}questions/", with_token(personas.xjq_worker, data))
    assert response.status_code == 302
    added = survey.questions.get(position=7)
    assert added.options == ["1-3 楼", "4-6 楼", "7 楼以上"]
    bad = client.post(f"{url}questions/", with_token(personas.xjq_worker, {**data, "options": "只有一个"}))
    assert bad.status_code == 400 and "至少要有 2 个选项" in bad.content.decode()
    moved = client.post(f"{url}questions/{added.pk}/move/", {"direction": "up"}, headers={"HX-Request": "true"})
    assert moved.status_code == 200 and moved.content.decode().lstrip().startswith('<div id="questions">')
    added.refresh_from_db()
    assert added.position == 6
    edit = client.post(f"{url}questions/{added.pk}/edit/", {**data, "text": "您住在几楼？", "options": "低层\n高层"})
    assert edit.status_code == 302
    added.refresh_from_db()
    assert (added.text, added.options) == ("您住在几楼？", ["低层", "高层"])
    client.post(f"{url}questions/{added.pk}/remove/")
    assert survey.questions.count() == 6


def test_publish_then_the_questions_are_fixed(personas):
    survey = make_survey(personas.xjq_worker, XINGJIAQIAO, publish=False)
    client = _login(personas.xjq_worker)
    client.post(f"/surveys/{survey.pk}/publish/")
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.OPEN
    html = client.get(f"/surveys/{survey.pk}/").content.decode()
    assert "添加题目" not in html and "题目不能再修改" in html and "打印二维码海报" in html
    response = client.post(f"/surveys/{survey.pk}/questions/", with_token(personas.xjq_worker, {
        "kind": "text", "text": "晚到的题", "scale": "5"}))
    assert response.status_code == 400 and "问卷已发布，题目不能再修改" in response.content.decode()
    client.post(f"/surveys/{survey.pk}/close/")
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.CLOSED
    reopened = client.post(f"/surveys/{survey.pk}/reopen/", {"closes_on": "2026-05-01"})
    assert reopened.status_code == 302
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.OPEN and survey.closes_on == dt.date(2026, 5, 1)


def _answered_street_survey(personas) -> Survey:
    survey = make_survey(personas.district_admin, RENHE, title="人和街道调查")
    services.response_submit(by=personas.xjq_worker, survey=survey, resident=personas.xjq_residents[1],
                             answers=good_answers(survey, p2={"choices": ["象棋"], "text": "葫芦丝"}),
                             channel=Channel.PAPER)
    services.response_submit(by=personas.xjq_worker, survey=survey, resident=personas.xjq_residents[2],
                             answers=good_answers(survey), channel=Channel.PAPER)
    return survey


def test_results_page_has_charts_and_the_slot_grid(personas):
    survey = _answered_street_survey(personas)
    html = _login(personas.renhe_admin).get(f"/surveys/{survey.pk}/results/").content.decode()
    assert 'id="response-count">2<' in html
    charts = json.loads(re.search(r'id="survey-charts" type="application/json">(.*?)</script>', html).group(1))
    multiple = next(c for c in charts if c["id"] == f"chart-q{q(survey, 2).pk}")
    assert multiple["labels"] == ["绘画", "象棋", "快板", "其他"] and multiple["values"] == [1, 1, 0, 1]
    assert "echarts.common.min.js" in html and "葫芦丝" in html
    assert 'class="l4" title="周二上午：2 人"' in html
    assert "http://" not in html and "https://" not in html


def test_export_one_row_per_sheet_without_ids_or_phones(personas):
    survey = _answered_street_survey(personas)
    response = _login(personas.renhe_admin).get(f"/surveys/{survey.pk}/export/")
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:5] == ("姓名", "社区", "填写方式", "提交时间", "1. 您支持开办兴趣班吗？")
    assert len(rows[0]) == 4 + 6
    by_name = {r[0]: r for r in rows[1:]}
    first = by_name[personas.xjq_residents[1].name]
    assert first[1:3] == ("邢家桥社区", "纸质问卷录入")
    assert first[5] == "象棋、其他：葫芦丝" and first[7] == "4 分" and first[8] == "周二上午、周六下午"
    text = response.content.decode("latin-1")
    for r in personas.xjq_residents:
        assert r.id_number not in text and r.phone not in text


def test_poster_is_a_printable_qr_of_the_residents_link(personas):
    survey = make_survey(personas.xjq_worker, XINGJIAQIAO, title="邢家桥意见调查")
    html = _login(personas.xjq_grid_worker).get(f"/surveys/{survey.pk}/poster/").content.decode()
    assert "<svg" in html and "微信扫一扫 填写问卷" in html and "邢家桥意见调查" in html
    assert "@page { size: A4" in html
    from linli.portal import qr

    assert str(qr.svg(f"http://testserver/m/surveys/{survey.token}/", box_size=12)) in html


def test_paper_entry_finds_the_resident_and_saves_the_sheet(personas):
    survey = make_survey(personas.renhe_admin, RENHE)
    elder = personas.xjq_residents[1]
    client = _login(personas.xjq_worker)
    found = client.get(f"/surveys/{survey.pk}/paper/", {"q": elder.name[:2]}).content.decode()
    assert elder.name in found and f"/surveys/{survey.pk}/paper/{elder.pk}/" in found
    assert personas.jzy_residents[0].name not in client.get(f"/surveys/{survey.pk}/paper/", {"q": "金"}).content.decode()
    url = f"/surveys/{survey.pk}/paper/{elder.pk}/"
    form = client.get(url).content.decode()
    assert f'name="q{q(survey, 5).pk}" value="2-am"' in form and "sv-slot" in form
    post = {f"q{q(survey, 1).pk}": "支持", f"q{q(survey, 2).pk}": ["绘画", "快板", "象棋"],
            f"q{q(survey, 4).pk}": "9", f"q{q(survey, 5).pk}": ["1-am"]}
    bad = client.post(url, with_token(personas.xjq_worker, post))
    html = bad.content.decode()
    assert bad.status_code == 400 and not Response.objects.exists()
    assert "第 2 题：最多选 2 项" in html and "第 4 题：评分应为 1 到 5 之间的整数" in html
    assert re.search(r'value="绘画" checked', html)  # what was ticked stays ticked
    post.update({f"q{q(survey, 2).pk}": ["绘画"], f"q{q(survey, 4).pk}": "3"})
    ok = client.post(url, with_token(personas.xjq_worker, post))
    assert ok.status_code == 302 and ok["Location"] == f"/surveys/{survey.pk}/paper/"
    response = Response.objects.get()
    assert (response.channel, response.entered_by_id, response.resident_id) == ("paper", personas.xjq_worker.pk, elder.pk)
    again = client.get(url).content.decode()
    assert "已填写过这份问卷" in again and "周一上午" in again


def test_results_page_queries_do_not_grow(personas):
    survey = make_survey(personas.district_admin, RENHE)
    crowd = [resident(XINGJIAQIAO, f"居民{i}") for i in range(10)]

    def count() -> int:
        client = _login(personas.district_admin)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/surveys/{survey.pk}/results/").status_code == 200
            assert client.get(f"/surveys/{survey.pk}/export/").status_code == 200
        return len(ctx)

    for r in crowd[:2]:
        services.response_submit(by=personas.district_admin, survey=survey, resident=r, answers=good_answers(survey),
                                 channel=Channel.PAPER)
    few = count()
    for r in crowd[2:]:
        services.response_submit(by=personas.district_admin, survey=survey, resident=r, answers=good_answers(survey),
                                 channel=Channel.PAPER)
    assert count() == few
