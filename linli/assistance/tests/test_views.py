"""The assistance pages: what an officer sees of their own area, what everyone else is refused, the
home check form, the import's two steps, and the access log written by each view."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from linli.assistance.models import Alert, AlertStatus, HomeCheck, MonitoringRun
from linli.assistance.tests.page_fixtures import alert_row, file_row, officers, run_files, run_row
from linli.core.models import AccessLog, ImportBatch
from linli.core.testing import JINZHUYUAN, XINGJIAQIAO, make_id_number, with_token

pytestmark = pytest.mark.django_db

TODAY = dt.date.today()


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def world(personas):
    """Three alerts in 邢家桥 (one overdue and flagged to the street), one in 金竹苑."""
    extra = officers()
    run = run_row(extra["district"])
    xjq_open = alert_row(run, head_name="张桂英", household_key="3101")
    xjq_late = alert_row(run, rule="vehicle_registered", head_name="李建国", household_key="3102",
                         deadline=TODAY - dt.timedelta(days=5), escalated=True, value="86000", threshold="50000",
                         event_date=TODAY - dt.timedelta(days=40))
    xjq_review = alert_row(run, rule="review_due", head_name="王芳", household_key="3103", value=None,
                           threshold=None, event_date=TODAY + dt.timedelta(days=20))
    jzy = alert_row(run, JINZHUYUAN, head_name="赵金竹", household_key="4101")
    return {"p": personas, "run": run, "xjq_open": xjq_open, "xjq_late": xjq_late, "xjq_review": xjq_review,
            "jzy": jzy, **extra}


def _logs(user) -> list[AccessLog]:
    return list(AccessLog.objects.filter(actor=user, field="assistance").order_by("pk"))


# --- the list ---------------------------------------------------------------------------------


def test_officer_sees_own_communitys_alerts_masked_with_overdue_in_red(world):
    officer = world["p"].assistance_officer
    response = _client(officer).get("/assistance/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "3101" in body and "3102" in body and "4101" not in body
    assert "张*英" in body and "张桂英" not in body  # names masked on the list
    assert '<span class="overdue">逾期 5 天</span>' in body
    assert '<span class="tag escalated">已上报街道</span>' in body
    assert "车辆价值 86,000 元" in body  # the evidence in a few words
    assert "家庭编号、户主姓名或身份证号" in body  # what the search finds
    # One access-log row per alert shown.
    assert sorted(log.target_id for log in _logs(officer)) == sorted(
        str(world[k].pk) for k in ("xjq_open", "xjq_late", "xjq_review"))


def test_list_filters_narrow_and_never_leave_the_officers_area(world):
    client = _client(world["p"].assistance_officer)
    body = client.get("/assistance/", {"overdue": "yes"}).content.decode()
    assert "3102" in body and "3101" not in body
    body = client.get("/assistance/", {"rule": "review_due"}).content.decode()
    assert "3103" in body and "3101" not in body
    body = client.get("/assistance/", {"q": "3101"}).content.decode()
    assert "3101" in body and "3102" not in body
    body = client.get("/assistance/", {"q": "李建国"}).content.decode()
    assert "3102" in body and "3101" not in body
    # Another community in the filter is not one of the choices: the filter is ignored, the scope kept.
    body = client.get("/assistance/", {"area": JINZHUYUAN}).content.decode()
    assert "4101" not in body
    # The street's officer may narrow to one community.
    body = _client(world["renhe"]).get("/assistance/", {"area": XINGJIAQIAO}).content.decode()
    assert "3101" in body and "4101" not in body
    body = _client(world["district"]).get("/assistance/", {"area": JINZHUYUAN}).content.decode()
    assert "4101" in body and "3101" not in body


def test_htmx_filtering_answers_the_table_and_logs_each_view(world):
    officer = world["p"].assistance_officer
    response = _client(officer).get("/assistance/", {"overdue": "escalated"},
                                    headers={"HX-Request": "true", "HX-Target": "list-table"})
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert "3102" in body and "3101" not in body
    assert [(log.target_id, log.reason) for log in _logs(officer)] == [(str(world["xjq_late"].pk), "查看预警列表")]


def test_the_run_filter_shows_the_alerts_seen_in_that_run(world):
    later = run_row(world["district"])
    Alert.objects.filter(pk=world["xjq_open"].pk).update(last_run=later, times_seen=2)
    body = _client(world["p"].assistance_officer).get("/assistance/", {"run": later.pk}).content.decode()
    assert "3101" in body and "3102" not in body


def test_export_is_masked_scoped_and_logged(world):
    officer = world["p"].assistance_officer
    response = _client(officer).get("/assistance/", {"export": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("家庭编号", "户主", "社区")
    keys = sorted(r[0] for r in rows[1:])
    assert keys == ["3101", "3102", "3103"]
    names = {r[1] for r in rows[1:]}
    assert "张*英" in names and "张桂英" not in names
    late = next(r for r in rows[1:] if r[0] == "3102")
    assert late[6].endswith("逾期 5 天（已上报街道）")  # the export says in words what the page shows in red
    assert [log.reason for log in _logs(officer)] == ["导出预警列表"] * 3


@pytest.mark.parametrize("who", ["xjq_worker", "renhe_admin", "district_admin", "xjq_grid_worker"])
@pytest.mark.parametrize("path", ["/assistance/", "/assistance/overdue/", "/assistance/runs/",
                                  "/assistance/runs/import/"])
def test_other_roles_are_refused_every_page(world, who, path):
    assert _client(getattr(world["p"], who)).get(path).status_code == 403


def test_other_roles_and_other_areas_cannot_open_an_alert(world):
    alert = world["xjq_open"]
    assert _client(world["p"].xjq_worker).get(f"/assistance/alerts/{alert.pk}/").status_code == 403
    response = _client(world["jzy"]).get(f"/assistance/alerts/{alert.pk}/")
    assert response.status_code == 404 and "张桂英" not in response.content.decode()
    assert _client(world["jzy"]).get("/assistance/alerts/999999/").status_code == 404
    assert not AccessLog.objects.filter(field="assistance", target_id=str(alert.pk)).exists()


# --- the detail page ------------------------------------------------------------------------


def test_detail_shows_the_household_the_evidence_and_writes_the_log(world):
    officer = world["p"].assistance_officer
    resident = world["p"].xjq_residents[1]
    alert = world["xjq_late"]
    Alert.objects.filter(pk=alert.pk).update(resident=resident, head_id_number="", head_id_number_hash="")
    response = _client(officer).get(f"/assistance/alerts/{alert.pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "李建国" in body  # the full name: the officer needs it at the door
    assert "车辆价值（元）" in body and "86,000" in body and "车辆价值限额（元）" in body and "50,000" in body
    assert "登记日期" in body and (TODAY - dt.timedelta(days=40)).isoformat() in body
    assert "示例参数（非正式文件）" in body
    assert '<span class="overdue">逾期 5 天</span>' in body and "已上报街道" in body
    assert "低保" in body and "980.50" in body
    assert f'href="/people/{resident.pk}/"' in body  # linked to the people page, which the officer may see
    assert 'name="outcome"' in body  # the home check form
    logs = _logs(officer)
    assert len(logs) == 1 and logs[0].target_id == str(alert.pk) and logs[0].area_code.startswith(XINGJIAQIAO)


def test_detail_masks_the_id_number_and_lists_the_households_other_alerts(world):
    number = make_id_number(dt.date(1960, 2, 3))
    run = world["run"]
    first = alert_row(run, rule="income_above_line", household_key="3200", id_number=number)
    second = alert_row(run, rule="assets_over_limit", household_key="3200")
    body = _client(world["p"].assistance_officer).get(f"/assistance/alerts/{first.pk}/").content.decode()
    assert number not in body and number[:6] + "********" + number[-4:] in body
    assert f'/assistance/alerts/{second.pk}/' in body and "财产超过限额" in body


# --- the home check ---------------------------------------------------------------------------


def _check(client, alert, user, **data):
    payload = {"outcome": "cleared", "visited_on": TODAY.isoformat(), "note": "入户核实，收入系一次性补发工资。",
               "referred_to": "", **data}
    return client.post(f"/assistance/alerts/{alert.pk}/check/", with_token(user, payload))


def test_officer_records_a_home_check_and_the_alert_leaves_the_open_list(world):
    officer = world["p"].assistance_officer
    client = _client(officer)
    alert = world["xjq_open"]
    response = _check(client, alert, officer)
    assert response.status_code == 302 and response["Location"] == f"/assistance/alerts/{alert.pk}/"
    check = HomeCheck.objects.get(alert=alert)
    assert check.outcome == "cleared" and check.recorded_by == officer
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CHECKED
    body = client.get(f"/assistance/alerts/{alert.pk}/").content.decode()
    assert "排除预警" in body and "一次性补发工资" in body and 'name="outcome"' not in body
    assert "3101" not in client.get("/assistance/", {"status": "open"}).content.decode()
    assert "已核查（排除预警）" in client.get("/assistance/", {"q": "3101"}).content.decode()


def test_a_referral_needs_its_unit_shown_beside_the_field_and_nothing_is_written(world):
    officer = world["p"].assistance_officer
    alert = world["xjq_open"]
    response = _check(_client(officer), alert, officer, outcome="referred")
    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="error-referred_to"' in body
    assert not HomeCheck.objects.exists()
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN


@pytest.mark.parametrize(("data", "field"), [
    ({"visited_on": (TODAY + dt.timedelta(days=1)).isoformat()}, "visited_on"),
    ({"visited_on": "2026-13-40"}, "visited_on"),
    ({"note": ""}, "note"),
    ({"outcome": "maybe"}, "outcome"),
])
def test_home_check_errors_are_shown_beside_their_field(world, data, field):
    officer = world["p"].assistance_officer
    response = _check(_client(officer), world["xjq_open"], officer, **data)
    assert response.status_code == 400
    assert f'id="error-{field}"' in response.content.decode()
    assert not HomeCheck.objects.exists()


def test_a_street_officer_records_for_a_community_below_and_others_are_refused(world):
    alert = world["xjq_open"]
    assert _check(_client(world["jzy"]), alert, world["jzy"]).status_code == 404
    worker = world["p"].xjq_worker
    assert _check(_client(worker), alert, worker).status_code == 403
    assert not HomeCheck.objects.exists()
    assert _check(_client(world["renhe"]), alert, world["renhe"], outcome="referred",
                  referred_to="区医疗保障局").status_code == 302
    assert HomeCheck.objects.get().referred_to == "区医疗保障局"


def test_a_second_home_check_is_refused(world):
    officer = world["p"].assistance_officer
    client = _client(officer)
    alert = world["xjq_open"]
    assert _check(client, alert, officer).status_code == 302
    response = _check(client, alert, officer, outcome="confirmed")
    assert response.status_code == 302 and response["Location"] == f"/assistance/alerts/{alert.pk}/"
    body = client.get(response["Location"]).content.decode()
    assert "该预警已记录入户核查结论，不能重复记录" in body
    assert HomeCheck.objects.get().outcome == "cleared"


# --- overdue ------------------------------------------------------------------------------------


def test_overdue_page_counts_per_community_with_links(world):
    body = _client(world["district"]).get("/assistance/overdue/").content.decode()
    assert "邢家桥社区" in body and "金竹苑社区" in body and "人和街道" in body
    assert f"/assistance/?area={XINGJIAQIAO}&amp;overdue=yes" in body
    body = _client(world["jzy"]).get("/assistance/overdue/").content.decode()
    assert "金竹苑社区" in body and "邢家桥社区" not in body


# --- runs and the import --------------------------------------------------------------------------


def test_runs_list_and_run_page(world):
    client = _client(world["district"])
    body = client.get("/assistance/runs/").content.decode()
    assert world["run"].run_id in body and "示例参数" in body and "导入监测批次" in body
    body = client.get(f"/assistance/runs/{world['run'].pk}/").content.decode()
    assert "示例参数" in body and f"?run={world['run'].pk}" in body and "收入超过标准" in body
    mine = run_row(world["jzy"], JINZHUYUAN)
    assert _client(world["p"].assistance_officer).get(f"/assistance/runs/{mine.pk}/").status_code == 404


def test_a_runs_figures_are_the_users_own_unless_they_hold_its_area(world):
    run = world["run"]
    MonitoringRun.objects.filter(pk=run.pk).update(
        alerts_total=950, alerts_imported=900, alerts_repeated=40, alerts_out_of_scope=10,
        report={"alerts": {"by_rule": {"income_above_line": 700, "high_medical": 250}}})
    body = _client(world["district"]).get(f"/assistance/runs/{run.pk}/").content.decode()
    assert "950 条" in body and "900 条" in body and ">700<" in body and ">250<" in body
    # 邢家桥's officer: the three alerts of 邢家桥 in this run, not the district's figures.
    officer = world["p"].assistance_officer
    body = _client(officer).get(f"/assistance/runs/{run.pk}/").content.decode()
    assert "您辖区内新增</dt><dd>3 条" in body and "您辖区内再次预警</dt><dd>0 条" in body
    for county_figure in ("950", "900", ">700<", ">250<", "不在辖区"):
        assert county_figure not in body, county_figure
    assert "收入超过标准" in body and "新登记机动车" in body and "自付医疗费用高" not in body
    listed = _client(officer).get("/assistance/runs/").content.decode()
    assert "950" not in listed and "900" not in listed and "—" in listed


@pytest.mark.parametrize("by_rule", ["a lot", {"income_above_line": "七"}, {"income_above_line": -1},
                                     {"income_above_line": True}, ["income_above_line"], None])
def test_a_malformed_stored_report_does_not_break_the_run_page(world, by_rule):
    run = world["run"]
    MonitoringRun.objects.filter(pk=run.pk).update(report={"alerts": {"by_rule": by_rule}, "stages": "x"})
    response = _client(world["district"]).get(f"/assistance/runs/{run.pk}/")
    assert response.status_code == 200 and "预警规则（全部比对范围）" not in response.content.decode()


def test_a_runs_alerts_link_works_for_an_older_run(world):
    old = run_row(world["district"], as_of=TODAY - dt.timedelta(days=400))
    for n in range(30):  # thirty newer runs: the old one is not among the filter's newest choices
        run_row(world["district"], as_of=TODAY - dt.timedelta(days=n))
    alert_row(old, household_key="3999", head_name="周大海")
    client = _client(world["p"].assistance_officer)
    body = client.get(f"/assistance/runs/{old.pk}/").content.decode()
    assert f'href="/assistance/?run={old.pk}"' in body
    body = client.get("/assistance/", {"run": old.pk}).content.decode()
    assert "3999" in body and "3101" not in body and 'id="filter-error-run"' not in body
    other = run_row(world["jzy"], JINZHUYUAN)  # not theirs: an error beside the field, the rest still applies
    body = client.get("/assistance/", {"run": other.pk, "q": "3101"}).content.decode()
    assert 'id="filter-error-run"' in body and "3101" in body and "3102" not in body


def test_an_invalid_filter_is_left_out_alone(world):
    body = _client(world["p"].assistance_officer).get("/assistance/", {"rule": "bogus", "overdue": "yes"}).content.decode()
    assert 'id="filter-error-rule"' in body and "未按此筛选" in body
    assert "3102" in body and "3101" not in body  # the overdue filter still applies


def test_the_referral_unit_says_when_it_is_required(world):
    body = _client(world["p"].assistance_officer).get(f"/assistance/alerts/{world['xjq_open'].pk}/").content.decode()
    assert "转介单位（选择转介处理时必填）" in body


def test_the_dashboard_counts_overdue_checks(world):
    body = _client(world["p"].assistance_officer).get("/").content.decode()
    assert "待核查预警" in body and "逾期未核查" in body
    from linli.core import registry

    stats = {s.title: s.compute(world["p"].assistance_officer, None) for s in registry.get("assistance").stats}
    assert stats == {"待核查预警": 3, "逾期未核查": 1}


def _upload(client, alerts: bytes, report: bytes, area: str = "500112"):
    return client.post("/assistance/runs/import/", {
        "area": area,
        "alerts": _file("alerts.parquet", alerts),
        "report": _file("report.json", report),
    })


def _file(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def test_import_preview_then_commit(world):
    officer = world["district"]
    client = _client(officer)
    assert client.get("/assistance/runs/import/").status_code == 200
    alerts, report = run_files([file_row(5001), file_row(5002, rule="high_medical", tier_held="",
                                                         value=30000.0, threshold=20000.0),
                                file_row(5003, area_code="500101001001")], example=True)
    response = _upload(client, alerts, report)
    assert response.status_code == 302
    preview_url = response["Location"]
    body = client.get(preview_url).content.decode()
    assert "2026-11-run1" in body and "示例参数" in body and 'id="example-warning"' in body
    assert "确认导入" in body and "自付医疗费用高" in body
    assert not Alert.objects.filter(household_key__in=["5001", "5002"]).exists()  # nothing yet
    response = client.post(preview_url + "commit/", with_token(officer))
    assert response.status_code == 302
    run = MonitoringRun.objects.get(run_id="2026-11-run1")
    assert response["Location"] == f"/assistance/runs/{run.pk}/"
    assert set(Alert.objects.filter(first_run=run).values_list("household_key", flat=True)) == {"5001", "5002"}
    assert run.alerts_out_of_scope == 1
    assert "2026-11-run1" in client.get(response["Location"]).content.decode()


def test_import_with_row_errors_lists_them_and_keeps_nothing(world):
    officer = world["district"]
    client = _client(officer)
    alerts, report = run_files([file_row(5001), file_row(5004, area_code="5001120090XX")])
    response = _upload(client, alerts, report)
    assert response.status_code == 200  # the preview at once: nothing kept to come back to
    body = response.content.decode()
    assert "5001120090XX" in body and 'id="preview-errors"' in body and "确认导入" not in body
    assert "这次上传没有保存" in body
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.DISCARDED and batch.content == ""
    response = client.post(f"/assistance/runs/import/{batch.pk}/commit/", with_token(officer))
    assert response.status_code == 302 and response["Location"] == "/assistance/runs/"
    assert "这批数据已放弃" in client.get(response["Location"]).content.decode()
    response = client.get(f"/assistance/runs/import/{batch.pk}/")
    assert response.status_code == 302 and response["Location"] == "/assistance/runs/"
    assert not MonitoringRun.objects.filter(run_id="2026-11-run1").exists()
    assert not Alert.objects.filter(household_key="5001").exists()


def test_a_run_already_imported_is_shown_refused_and_not_kept(world):
    officer = world["district"]
    client = _client(officer)
    alerts, report = run_files([file_row(5001)])
    client.post(_upload(client, alerts, report)["Location"] + "commit/", with_token(officer))
    response = _upload(client, alerts, report)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="preview-refusal"' in body and "不能重复导入" in body and "确认导入" not in body
    assert ImportBatch.objects.order_by("-created_at").first().status == ImportBatch.Status.DISCARDED


def test_rows_of_communities_not_on_the_platform_are_listed_in_the_preview(world):
    client = _client(world["district"])
    alerts, report = run_files([file_row(5001), file_row(5002, area_code="500112009099")])
    body = client.get(_upload(client, alerts, report)["Location"]).content.decode()
    assert "平台尚未建立的社区" in body and "1 条，社区代码 500112009099" in body and "确认导入" in body


def test_a_failed_run_is_refused_beside_the_report_field(world):
    client = _client(world["district"])
    alerts, report = run_files([file_row(5001)], status="failed")
    response = _upload(client, alerts, report)
    assert response.status_code == 400
    body = response.content.decode()
    assert "运行未成功" in body
    assert not MonitoringRun.objects.filter(run_id="2026-11-run1").exists()


def test_a_report_of_another_file_is_refused_beside_the_alerts_field(world):
    client = _client(world["district"])
    alerts, _ = run_files([file_row(5001)])
    _, report = run_files([file_row(5002)])
    response = _upload(client, alerts, report)
    assert response.status_code == 400 and "预警文件与运行报告不符" in response.content.decode()


def test_a_discarded_upload_cannot_be_committed(world):
    officer = world["district"]
    client = _client(officer)
    alerts, report = run_files([file_row(5001)])
    preview_url = _upload(client, alerts, report)["Location"]
    assert 'id="discard-import"' in client.get(preview_url).content.decode()
    response = client.post(preview_url + "discard/")
    assert response.status_code == 302 and response["Location"] == "/assistance/runs/"
    response = client.post(preview_url + "commit/", with_token(officer))
    assert response.status_code == 302 and response["Location"] == "/assistance/runs/"
    assert "这批数据已放弃，不能再次导入" in client.get("/assistance/runs/").content.decode()
    response = client.post(preview_url + "discard/")  # twice: the same answer, not an error page
    assert response.status_code == 302 and response["Location"] == "/assistance/runs/"
    assert not MonitoringRun.objects.filter(run_id="2026-11-run1").exists()


def test_a_second_commit_goes_back_to_the_runs(world):
    officer = world["district"]
    client = _client(officer)
    alerts, report = run_files([file_row(5001)])
    preview_url = _upload(client, alerts, report)["Location"]
    assert client.post(preview_url + "commit/", with_token(officer)).status_code == 302
    response = client.post(preview_url + "commit/", with_token(officer))  # a new token: not the same form
    assert response.status_code == 302 and response["Location"] == "/assistance/runs/"
    assert "这批数据已导入，不能再次导入" in client.get("/assistance/runs/").content.decode()
    assert MonitoringRun.objects.filter(run_id="2026-11-run1").count() == 1


def test_only_the_uploader_sees_the_kept_upload(world):
    alerts, report = run_files([file_row(5001)])
    response = _upload(_client(world["district"]), alerts, report)
    assert _client(world["renhe"]).get(response["Location"]).status_code == 404


def test_importing_outside_ones_area_is_refused(world):
    client = _client(world["jzy"])
    alerts, report = run_files([file_row(5001)])
    response = _upload(client, alerts, report, area="500112")
    assert response.status_code == 400  # not one of the form's choices
    assert not MonitoringRun.objects.filter(run_id="2026-11-run1").exists()
