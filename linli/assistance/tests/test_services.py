"""Importing runs (preview, all or nothing, scope, repeats, refusals), home checks and escalation."""

from __future__ import annotations

import datetime as dt
import threading

import pyarrow as pa
import pytest
import time_machine
from django.db import close_old_connections, connection
from django.utils import timezone

from linli.accounts.roles import Role
from linli.assistance import services
from linli.assistance.errors import AssistanceErrorCode
from linli.assistance.models import Alert, AlertStatus, HomeCheck, MonitoringRun
from linli.assistance.tests.factories import (
    AS_OF,
    NOW,
    alert_row,
    alerts_parquet,
    import_rows,
    make_world,
    report_json,
    run_files,
    write_run,
)
from linli.core import protected
from linli.core.errors import CoreErrorCode, LinliError
from linli.core.models import AuditEntry, ImportBatch
from linli.core.testing import JINZHUYUAN, XINGJIAQIAO, XJQ_GRID, make_id_number, staff

pytestmark = pytest.mark.django_db
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(timezone.make_aware(NOW), tick=False) as traveller:
        yield traveller


@pytest.fixture
def officer(personas):
    return personas.assistance_officer


def tables() -> tuple[int, int, int, int]:
    return (Alert.objects.count(), MonitoringRun.objects.count(), HomeCheck.objects.count(),
            AuditEntry.objects.filter(action__startswith="assistance.").count())


def refused(code, **kw) -> LinliError:
    with pytest.raises(LinliError) as exc:
        services.run_import(**kw)
    assert exc.value.code == code, exc.value.message
    return exc.value


# --- preview and import ----------------------------------------------------------------------


def test_preview_counts_and_writes_nothing(officer):
    import_rows(officer, XINGJIAQIAO, [alert_row(household_id=1)])
    alerts, report = run_files([
        alert_row(household_id=1),  # open already: repeated
        alert_row(household_id=1, rule="vehicle_registered"),
        alert_row(household_id=2, rule="high_medical", tier_held=""),
        alert_row(household_id=3, area_code=JINZHUYUAN),  # another community: out of scope
        alert_row(household_id=4, area_code="110105001001"),  # not on this platform, and out of scope
    ])
    before = tables()
    preview = services.run_preview(by=officer, area_code=XINGJIAQIAO, alerts=alerts, report=report)
    assert tables() == before
    assert (preview.total, preview.new, preview.repeated, preview.out_of_scope) == (5, 2, 1, 2)
    assert preview.by_rule == {"income_above_line": 1, "vehicle_registered": 1, "high_medical": 1}
    assert preview.errors == [] and preview.ok and not preview.already_imported
    assert preview.params_example and preview.params_documents == ["示例参数（非任何地区的正式标准）"]
    assert (preview.as_of, preview.engine, preview.area_name) == (AS_OF, "duckdb", "邢家桥社区")


def test_import_writes_alerts_run_and_audit(officer):
    run = import_rows(officer, XINGJIAQIAO, [
        alert_row(household_id=7, value=1024.567, event_date=dt.date(2026, 10, 3)),
        alert_row(household_id=8, area_code=JINZHUYUAN),
    ], run_id="2026-11-r1")
    assert (run.alerts_total, run.alerts_imported, run.alerts_repeated, run.alerts_out_of_scope) == (2, 1, 0, 1)
    assert run.area_id == XINGJIAQIAO and run.imported_by == officer and run.report["run_id"] == "2026-11-r1"
    alert = Alert.objects.get()
    assert (alert.household_key, alert.area_id, alert.rule, alert.alert_class) == ("7", XINGJIAQIAO,
                                                                                   "income_above_line", "change")
    assert str(alert.value) == "1024.57" and alert.event_date == dt.date(2026, 10, 3)
    assert alert.first_run == alert.last_run == run and alert.times_seen == 1 and alert.status == AlertStatus.OPEN
    entry = AuditEntry.objects.get(action="assistance.run_import")
    assert entry.data["new"] == 1 and entry.data["out_of_scope"] == 1 and entry.area_code == XINGJIAQIAO


def test_head_id_number_encrypted_hashed_and_linked(personas, officer):
    person = personas.xjq_residents[1]
    stranger = make_id_number(dt.date(1970, 2, 3))
    import_rows(officer, XINGJIAQIAO, [alert_row(household_id=1, head_id_number=f" {person.id_number.lower()} "),
                                       alert_row(household_id=2, head_id_number=stranger)])
    linked, other = Alert.objects.order_by("household_key")
    assert linked.resident_id == person.pk and other.resident_id is None
    assert linked.head_id_number == person.id_number
    assert linked.head_id_number_hash == protected.blind_index(person.id_number)
    with connection.cursor() as cur:
        cur.execute("SELECT head_id_number FROM assistance_alert WHERE id = %s", [linked.pk])
        stored = cur.fetchone()[0]
    assert person.id_number not in stored and stored.startswith("v1:")


@pytest.mark.parametrize(("row", "reason"), [
    (alert_row(household_id=9, area_code="5001120090AB"), "第 2 行：社区代码 5001120090AB 格式不正确（应为 12 位数字）"),
    (alert_row(household_id=9, area_code="500112009"), "地区代码 500112009 不是社区（街道）"),
    (alert_row(household_id=9, area_code=XJQ_GRID), "不是社区（网格）"),
    (alert_row(household_id=9, rule="unknown_rule"), "未知的预警规则 unknown_rule"),
    (alert_row(household_id=9, alert_class="review"), "预警类别 review 与规则 income_above_line 不符"),
    (alert_row(household_id=9, tier_held="wubao"), "tier_held 为未知的救助类别 wubao"),
    (alert_row(household_id=9, deadline=None), "deadline 为空"),
    (alert_row(household_id=9, income_pc=-1.0), "income_pc 为负数"),
    (alert_row(household_id=9, value=float("inf")), "超出范围"),
    (alert_row(household_id=9, members=70000), "members 应为 0–32767"),
    (alert_row(household_id=9, head_name="名" * 65), "head_name 过长"),
    (alert_row(household_id=9, address="路\x00号"), "address 含有空字符"),
    (alert_row(household_id=1), "第 2 行：与第 1 行重复"),
])
def test_a_bad_row_blocks_the_whole_import(personas, row, reason):
    officer = staff("renheaid", Role.ASSISTANCE_OFFICER, "500112009")  # the street: rows of any code under it
    import_rows(officer, XINGJIAQIAO, [alert_row(household_id=5)])
    before = tables()
    alerts, report = run_files([alert_row(household_id=1), row, alert_row(household_id=5)])
    preview = services.run_preview(by=officer, area_code="500112009", alerts=alerts, report=report)
    assert not preview.ok and any(reason in e for e in preview.errors), preview.errors
    error = refused(AssistanceErrorCode.RUN_ROWS, by=officer, area_code="500112009", alerts=alerts, report=report)
    assert "未导入任何预警" in error.message and any(reason in e for e in error.extra["errors"])
    assert tables() == before
    assert Alert.objects.get(household_key="5").times_seen == 1  # the repeat was not applied either


def test_rows_out_of_scope_are_not_checked_against_the_platform(officer):
    run = import_rows(officer, XINGJIAQIAO, [alert_row(household_id=1),
                                             alert_row(household_id=2, area_code="440305001002", rule="bogus")])
    assert (run.alerts_imported, run.alerts_out_of_scope) == (1, 1)


def test_errors_are_listed_by_row_and_capped(officer):
    rows = [alert_row(household_id=i, rule="bogus") for i in range(250)] + [alert_row(household_id=1, area_code=None)]
    alerts, report = run_files(rows)
    preview = services.run_preview(by=officer, area_code=XINGJIAQIAO, alerts=alerts, report=report)
    assert preview.errors_total == 251 and len(preview.errors) == 200
    assert preview.errors[:2] == ["第 1 行：未知的预警规则 bogus", "第 2 行：未知的预警规则 bogus"]


def test_a_row_without_area_code_is_an_error(officer):
    alerts, report = run_files([alert_row(household_id=1), alert_row(household_id=2, area_code=None)])
    error = refused(AssistanceErrorCode.RUN_ROWS, by=officer, area_code=XINGJIAQIAO, alerts=alerts, report=report)
    assert error.extra["errors"] == ["第 2 行：area_code 为空"]


def test_a_later_run_updates_open_alerts(officer):
    first = import_rows(officer, XINGJIAQIAO, [alert_row(household_id=1, value=1000.0, deadline=dt.date(2026, 12, 1))])
    alert = Alert.objects.get()
    second = import_rows(officer, XINGJIAQIAO, [
        alert_row(household_id=1, value=1300.0, income_pc=1300.0, members=3, deadline=dt.date(2027, 1, 5)),
        alert_row(household_id=1, rule="vehicle_registered", value=80000.0),
    ], as_of=dt.date(2026, 12, 1))
    assert (second.alerts_imported, second.alerts_repeated) == (1, 1)
    alert.refresh_from_db()
    assert (alert.times_seen, alert.first_run, alert.last_run) == (2, first, second)
    assert str(alert.value) == "1300.00" and str(alert.income_pc) == "1300.00" and alert.members == 3
    assert alert.deadline == dt.date(2026, 12, 1)  # kept: the home check is still due by the first deadline
    assert Alert.objects.count() == 2


def test_a_checked_alert_is_not_reopened_a_new_one_is_made(officer):
    import_rows(officer, XINGJIAQIAO, [alert_row(household_id=1)])
    old = Alert.objects.get()
    services.home_check_record(by=officer, alert=old, outcome="confirmed", visited_on=TODAY, note="收入确已增加")
    run = import_rows(officer, XINGJIAQIAO, [alert_row(household_id=1)])
    assert (run.alerts_imported, run.alerts_repeated) == (1, 0)
    assert Alert.objects.filter(household_key="1").count() == 2
    old.refresh_from_db()
    assert old.status == AlertStatus.CHECKED and old.times_seen == 1


def test_a_county_import_covers_its_communities(personas):
    w = make_world(personas)
    assert (w.run.alerts_imported, w.run.alerts_out_of_scope, w.run.area_id) == (4, 0, "500112")


# --- refusals -----------------------------------------------------------------------------------


def test_failed_run_refused(officer):
    alerts, _ = run_files([alert_row()])
    report = report_json(alerts, status="failed")
    error = refused(AssistanceErrorCode.RUN_FAILED, by=officer, area_code=XINGJIAQIAO, alerts=alerts, report=report)
    assert "运行未成功" in error.message and error.field == "report"
    assert tables() == (0, 0, 0, 0)


def test_digest_and_row_count_mismatch_refused(officer):
    alerts, _ = run_files([alert_row(household_id=1), alert_row(household_id=2)])
    other, _ = run_files([alert_row(household_id=3)])
    error = refused(AssistanceErrorCode.RUN_MISMATCH, by=officer, area_code=XINGJIAQIAO, alerts=alerts,
                    report=report_json(other))
    assert "SHA-256" in error.message
    error = refused(AssistanceErrorCode.RUN_MISMATCH, by=officer, area_code=XINGJIAQIAO, alerts=alerts,
                    report=report_json(alerts, rows=3))
    assert "文件有 2 行，报告中为 3 行" in error.message
    assert tables() == (0, 0, 0, 0)


def test_run_already_imported_refused(officer, personas):
    alerts, report = run_files([alert_row()], run_id="dup-1")
    services.run_import(by=officer, area_code=XINGJIAQIAO, alerts=alerts, report=report)
    preview = services.run_preview(by=officer, area_code=XINGJIAQIAO, alerts=alerts, report=report)
    assert preview.already_imported and not preview.ok
    before = tables()
    error = refused(AssistanceErrorCode.RUN_DUPLICATE, by=officer, area_code=XINGJIAQIAO, alerts=alerts, report=report)
    assert error.status == 409
    assert error.message == "批次 dup-1 已由救助专干于 2026-11-20 为邢家桥社区导入，不能重复导入"
    assert preview.refusal == error.message
    assert tables() == before


@pytest.mark.parametrize(("alerts", "reason"), [
    (b"not parquet", "不是有效的 Parquet 文件"),
    (alerts_parquet([alert_row()], columns=("household_id", "area_code", "rule")), "缺少列 address"),
    (alerts_parquet([alert_row(members="两人")], types={"members": pa.string()}), "列 members 应为整数，实际为 string"),
    (alerts_parquet([alert_row(deadline="下月")], types={"deadline": pa.string()}), "列 deadline 应为日期"),
])
def test_unreadable_files_refused(officer, alerts, reason):
    error = refused(AssistanceErrorCode.RUN_FILE, by=officer, area_code=XINGJIAQIAO, alerts=alerts,
                    report=report_json(alerts, rows=1))
    assert reason in error.message and error.field == "alerts"


@pytest.mark.parametrize(("report", "reason"), [
    (b"{", "不是有效的 JSON"),
    (b"[]", "应为 JSON 对象"),
    (b'{"status": "ok", "engine": "duckdb"}', "run_id 缺失"),
    (b'{"status": "ok", "run_id": "r", "engine": "duckdb", "as_of": "2026-13-01"}', "as_of 应为日期"),
    (b'{"status": "ok", "run_id": "r", "engine": "duckdb", "as_of": "2026-11-01"}', "alerts.rows"),
])
def test_unreadable_report_refused(officer, report, reason):
    alerts, _ = run_files([alert_row()])
    error = refused(AssistanceErrorCode.RUN_FILE, by=officer, area_code=XINGJIAQIAO, alerts=alerts, report=report)
    assert reason in error.message and error.field == "report"


@pytest.mark.parametrize("who", ["xjq_worker", "renhe_admin", "district_admin", "outsider"])
def test_only_officers_import(personas, who):
    alerts, report = run_files([alert_row()])
    with pytest.raises(LinliError) as exc:
        services.run_preview(by=getattr(personas, who), area_code=XINGJIAQIAO, alerts=alerts, report=report)
    assert exc.value.status == 403
    with pytest.raises(LinliError) as exc:
        services.run_import(by=getattr(personas, who), area_code=XINGJIAQIAO, alerts=alerts, report=report)
    assert exc.value.status == 403


def test_officer_imports_only_for_own_area(officer):
    alerts, report = run_files([alert_row(area_code=JINZHUYUAN)])
    for code, status in ((JINZHUYUAN, 403), ("500112", 403), ("999999", 400), ("", 400)):
        with pytest.raises(LinliError) as exc:
            services.run_import(by=officer, area_code=code, alerts=alerts, report=report)
        assert exc.value.status == status, code
    assert tables() == (0, 0, 0, 0)


# --- the CLI's folder ---------------------------------------------------------------------------


def test_import_dir(officer, tmp_path):
    run = services.run_import_dir(by=officer, area_code=XINGJIAQIAO,
                                  out_dir=write_run(tmp_path / "out", [alert_row()], run_id="dir-1"))
    assert run.run_id == "dir-1" and Alert.objects.count() == 1


def test_import_dir_of_a_failed_run(officer, tmp_path):
    out = tmp_path / "failed"
    out.mkdir()
    (out / "report.json").write_bytes(report_json(b"", status="failed", rows=0, sha256="0" * 64))
    with pytest.raises(LinliError) as exc:
        services.run_import_dir(by=officer, area_code=XINGJIAQIAO, out_dir=out)
    assert exc.value.code == AssistanceErrorCode.RUN_FAILED
    with pytest.raises(LinliError) as exc:
        services.run_import_dir(by=officer, area_code=XINGJIAQIAO, out_dir=tmp_path / "missing")
    assert "report.json" in exc.value.message


def test_an_engine_run_imports_end_to_end(personas, tmp_path, frozen):
    """The engine's real output on a small synthetic district: imported whole, then repeated by the next run."""
    from linli.assistance.monitoring import engine, params
    from linli.assistance.monitoring.generate import generate

    generate(tmp_path / "in", persons=300, as_of=AS_OF, communities=[XINGJIAQIAO, JINZHUYUAN])
    first = engine.run(tmp_path / "in", params.EXAMPLE, tmp_path / "out1", as_of=AS_OF)
    assert first.ok and first.alerts["rows"] > 0
    county = staff("yubeiaid", Role.ASSISTANCE_OFFICER, "500112")
    run = services.run_import_dir(by=county, area_code="500112", out_dir=tmp_path / "out1")
    assert (run.alerts_total, run.alerts_imported, run.alerts_out_of_scope) == (first.alerts["rows"],) * 2 + (0,)
    assert run.params_example and run.run_id == first.run_id
    xjq = Alert.objects.filter(area_id=XINGJIAQIAO).count()
    assert 0 < xjq < first.alerts["rows"]
    assert Alert.objects.exclude(resident=None).count() == 0  # synthetic people are nobody on the platform
    frozen.shift(dt.timedelta(minutes=1))  # a later run: another run_id
    second = engine.run(tmp_path / "in", params.EXAMPLE, tmp_path / "out2", as_of=AS_OF)
    again = services.run_import_dir(by=personas.assistance_officer, area_code=XINGJIAQIAO, out_dir=tmp_path / "out2")
    assert (again.alerts_imported, again.alerts_repeated, again.alerts_out_of_scope) == (
        0, xjq, second.alerts["rows"] - xjq)
    assert set(Alert.objects.filter(area_id=XINGJIAQIAO).values_list("times_seen", flat=True)) == {2}


# --- web uploads kept between preview and commit ------------------------------------------------


def test_upload_preview_commit(officer, personas):
    number = make_id_number(dt.date(1966, 6, 6))
    alerts, report = run_files([alert_row(head_id_number=number)], run_id="web-1")
    batch, preview = services.run_upload_preview(by=officer, area_code=XINGJIAQIAO, alerts=alerts, report=report)
    assert preview.new == 1 and Alert.objects.count() == 0
    batch.refresh_from_db()
    assert batch.spec == services.SPEC and batch.status == ImportBatch.Status.PREVIEWED
    assert batch.content.startswith("v1:") and number not in batch.content
    again_batch, again = services.run_batch_preview(by=officer, batch_id=str(batch.pk))
    assert again_batch.pk == batch.pk and again.new == 1
    for other, bad_id in ((personas.xjq_worker, batch.pk), (officer, "not-a-uuid")):
        with pytest.raises(LinliError) as exc:
            services.run_upload_commit(by=other, batch_id=bad_id)
        assert exc.value.status == 404
    run = services.run_upload_commit(by=officer, batch_id=batch.pk)
    assert run.run_id == "web-1" and Alert.objects.count() == 1
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.COMMITTED and batch.content == ""
    with pytest.raises(LinliError) as exc:
        services.run_upload_commit(by=officer, batch_id=batch.pk)
    assert exc.value.status == 409


def test_upload_commit_refused_keeps_the_batch(officer):
    alerts, report = run_files([alert_row()], run_id="web-2")
    batch, _ = services.run_upload_preview(by=officer, area_code=XINGJIAQIAO, alerts=alerts, report=report)
    import_rows(officer, XINGJIAQIAO, [alert_row(household_id=77)], run_id="web-2")  # same run, imported meanwhile
    with pytest.raises(LinliError) as exc:
        services.run_upload_commit(by=officer, batch_id=batch.pk)
    assert exc.value.code == AssistanceErrorCode.RUN_DUPLICATE
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEWED and batch.content
    services.run_upload_discard(by=officer, batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DISCARDED and batch.content == ""


def test_upload_with_row_errors_is_discarded_at_once(officer):
    alerts, report = run_files([alert_row(area_code=XJQ_GRID)])
    batch, preview = services.run_upload_preview(by=officer, area_code=XINGJIAQIAO, alerts=alerts, report=report)
    assert preview.errors_total == 1 and batch.error_count == 1
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DISCARDED and batch.content == ""  # the file is not kept
    with pytest.raises(LinliError) as exc:
        services.run_upload_commit(by=officer, batch_id=batch.pk)
    assert exc.value.code == CoreErrorCode.IMPORT_STATE and exc.value.status == 409
    assert tables()[:2] == (0, 0)


def test_upload_of_a_run_already_imported_is_discarded_at_once(officer):
    alerts, report = run_files([alert_row()], run_id="web-3")
    services.run_import(by=officer, area_code=XINGJIAQIAO, alerts=alerts, report=report)
    batch, preview = services.run_upload_preview(by=officer, area_code=XINGJIAQIAO, alerts=alerts, report=report)
    assert preview.already_imported and "不能重复导入" in preview.refusal
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DISCARDED and batch.content == ""


def test_a_kept_upload_that_can_no_longer_be_imported_is_discarded_when_shown(officer):
    alerts, report = run_files([alert_row()], run_id="web-4")
    batch, preview = services.run_upload_preview(by=officer, area_code=XINGJIAQIAO, alerts=alerts, report=report)
    assert preview.ok
    import_rows(officer, XINGJIAQIAO, [alert_row(household_id=5)], run_id="web-4")  # imported meanwhile
    _, again = services.run_batch_preview(by=officer, batch_id=batch.pk)
    assert again.already_imported
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DISCARDED and batch.content == ""
    with pytest.raises(LinliError) as exc:
        services.run_batch_preview(by=officer, batch_id=batch.pk)
    assert exc.value.code == CoreErrorCode.IMPORT_STATE


# --- home checks ------------------------------------------------------------------------------


@pytest.fixture
def alert(officer):
    import_rows(officer, XINGJIAQIAO, [alert_row()])
    return Alert.objects.get()


def test_home_check_closes_the_alert(officer, alert):
    check = services.home_check_record(by=officer, alert=alert, outcome="cleared", visited_on=TODAY,
                                       note="  收入为一次性劳务报酬，已核实  ", referred_to="民政局")
    assert (check.outcome, check.note, check.referred_to, check.recorded_by) == (
        "cleared", "收入为一次性劳务报酬，已核实", "", officer)
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CHECKED
    entry = AuditEntry.objects.get(action="assistance.home_check")
    assert entry.data["outcome"] == "cleared" and entry.area_code == XINGJIAQIAO
    with pytest.raises(LinliError) as exc:
        services.home_check_record(by=officer, alert=alert, outcome="confirmed", visited_on=TODAY, note="再次")
    assert exc.value.status == 409 and "不能重复记录" in exc.value.message
    assert HomeCheck.objects.count() == 1


def test_home_check_referred(officer, alert):
    with pytest.raises(LinliError) as exc:
        services.home_check_record(by=officer, alert=alert, outcome="referred", visited_on=TODAY, note="需医疗救助")
    assert exc.value.field == "referred_to"
    check = services.home_check_record(by=officer, alert=alert, outcome="referred", visited_on=TODAY,
                                       note="需医疗救助", referred_to="区医保局")
    assert check.referred_to == "区医保局"


@pytest.mark.parametrize(("kw", "field", "reason"), [
    ({"visited_on": TODAY + dt.timedelta(days=1)}, "visited_on", "不能晚于今天"),
    ({"visited_on": TODAY - dt.timedelta(days=1)}, "visited_on", "不能早于比对基准日 2026-11-20"),
    ({"visited_on": None}, "visited_on", "请填写日期"),
    ({"note": "   "}, "note", "不能为空"),
    ({"note": "x" * 2001}, "note", "过长"),
    ({"outcome": "maybe"}, "outcome", "请选择"),
])
def test_home_check_refusals(officer, alert, kw, field, reason):
    args = {"outcome": "confirmed", "visited_on": TODAY, "note": "已入户"} | kw
    with pytest.raises(LinliError) as exc:
        services.home_check_record(by=officer, alert=alert, **args)
    assert exc.value.field == field and reason in exc.value.message
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN and HomeCheck.objects.count() == 0


def test_home_check_only_by_an_officer_of_the_area(personas, alert):
    jzy_officer = staff("jzyaid", Role.ASSISTANCE_OFFICER, JINZHUYUAN)
    street_officer = staff("renheaid", Role.ASSISTANCE_OFFICER, "500112009")
    for who in (jzy_officer, personas.xjq_worker, personas.renhe_admin, personas.outsider):
        with pytest.raises(LinliError) as exc:
            services.home_check_record(by=who, alert=alert, outcome="confirmed", visited_on=TODAY, note="已入户")
        assert exc.value.status == 403
    services.home_check_record(by=street_officer, alert=alert, outcome="confirmed", visited_on=TODAY, note="已入户")


# --- escalation -------------------------------------------------------------------------------


def test_overdue_escalate(personas):
    w = make_world(personas)
    services.home_check_record(by=w.jzy_officer, alert=w.jzy[1], outcome="confirmed", visited_on=TODAY, note="已入户")
    now = timezone.now()
    assert services.overdue_escalate(now=now) == 1  # 邢家桥's overdue alert; 金竹苑's is checked
    flagged = Alert.objects.get(escalated_at__isnull=False)
    assert flagged.pk == w.xjq[1].pk and flagged.escalated_at == now
    assert AuditEntry.objects.filter(action="assistance.escalate", area_code=XINGJIAQIAO).count() == 1
    assert services.overdue_escalate(now=now + dt.timedelta(days=1)) == 0  # once only
    # Past the other deadlines a month later: the rest of the open alerts.
    assert services.overdue_escalate(now=now + dt.timedelta(days=40)) == 2
    flagged = set(Alert.objects.filter(escalated_at__isnull=False).values_list("pk", flat=True))
    assert flagged == {w.xjq[0].pk, w.xjq[1].pk, w.jzy[0].pk}  # every open one; the checked one never


# --- scope, coverage per community, repeats, cleared alerts, late imports (issue 8 review) --------


def test_an_open_alert_outside_the_scope_is_a_row_error_and_left_alone(personas, officer):
    jzy = staff("jzyaid", Role.ASSISTANCE_OFFICER, JINZHUYUAN)
    import_rows(jzy, JINZHUYUAN, [alert_row(household_id=1, area_code=JINZHUYUAN, value=900.0)])
    theirs = Alert.objects.get()
    alerts, report = run_files([alert_row(household_id=2), alert_row(household_id=1, value=1300.0)])
    reason = ("第 2 行：家庭 1 的「收入超过标准」预警在金竹苑社区尚未核查（可能已搬迁或家庭编号重复），"
              "请由上级救助专干导入")
    preview = services.run_preview(by=officer, area_code=XINGJIAQIAO, alerts=alerts, report=report)
    assert preview.errors == [reason] and not preview.ok
    error = refused(AssistanceErrorCode.RUN_ROWS, by=officer, area_code=XINGJIAQIAO, alerts=alerts, report=report)
    assert error.extra["errors"] == [reason]
    again = Alert.objects.get()
    assert (again.pk, again.area_id, again.times_seen, again.last_run_id, str(again.value), again.updated_at) == (
        theirs.pk, JINZHUYUAN, 1, theirs.last_run_id, "900.00", theirs.updated_at)
    # The county holds both communities: the household moved, its open alert follows it.
    county = staff("yubeiaid", Role.ASSISTANCE_OFFICER, "500112")
    run = services.run_import(by=county, area_code="500112", alerts=alerts, report=report)
    assert (run.alerts_imported, run.alerts_repeated) == (1, 1)
    moved = Alert.objects.get(pk=theirs.pk)
    assert (moved.area_id, moved.times_seen, str(moved.value)) == (XINGJIAQIAO, 2, "1300.00")


def test_a_county_import_skips_communities_an_earlier_import_of_the_run_covered(personas, officer):
    alerts, report = run_files([alert_row(household_id=1), alert_row(household_id=2, area_code=JINZHUYUAN)],
                               run_id="cover-1", as_of=TODAY)
    mine = services.run_import(by=officer, area_code=XINGJIAQIAO, alerts=alerts, report=report)
    assert (mine.alerts_imported, mine.alerts_out_of_scope) == (1, 1)
    county = staff("yubeiaid", Role.ASSISTANCE_OFFICER, "500112")
    preview = services.run_preview(by=county, area_code="500112", alerts=alerts, report=report)
    assert (preview.new, preview.repeated, preview.covered, preview.ok) == (1, 0, 1, True)
    assert preview.covered_by == ["已由 邢家桥社区 于 2026-11-20 导入：1 条"]
    run = services.run_import(by=county, area_code="500112", alerts=alerts, report=report)
    assert (run.alerts_imported, run.alerts_repeated, run.alerts_covered) == (1, 0, 1)
    assert sorted(Alert.objects.values_list("household_key", "times_seen")) == [("1", 1), ("2", 1)]
    assert MonitoringRun.objects.filter(run_id="cover-1").count() == 2


def test_a_run_with_nothing_left_in_scope_is_refused_naming_who_imported_it(personas, officer):
    county = staff("yubeiaid", Role.ASSISTANCE_OFFICER, "500112", "渝北区救助专干")
    alerts, report = run_files([alert_row(household_id=1), alert_row(household_id=2, area_code=JINZHUYUAN)],
                               run_id="cover-2", as_of=TODAY)
    services.run_import(by=county, area_code="500112", alerts=alerts, report=report)
    before = tables()
    why = "批次 cover-2 在邢家桥社区的预警已全部导入（渝北区救助专干于 2026-11-20 为渝北区导入），没有可导入的预警"
    preview = services.run_preview(by=officer, area_code=XINGJIAQIAO, alerts=alerts, report=report)
    assert preview.already_imported and preview.refusal == why and preview.covered == 1
    error = refused(AssistanceErrorCode.RUN_DUPLICATE, by=officer, area_code=XINGJIAQIAO, alerts=alerts, report=report)
    assert error.message == why and error.status == 409
    assert tables() == before


def test_rows_of_communities_not_on_the_platform_are_left_out_then_imported_once_created(personas):
    from linli.areas.models import Area, Level

    county = staff("yubeiaid", Role.ASSISTANCE_OFFICER, "500112", "渝北区救助专干")
    alerts, report = run_files([alert_row(household_id=1), alert_row(household_id=2, area_code="500112009099"),
                                alert_row(household_id=3, area_code="500112009099"),
                                alert_row(household_id=4, area_code="110105001001")], run_id="late-1", as_of=TODAY)
    preview = services.run_preview(by=county, area_code="500112", alerts=alerts, report=report)
    assert preview.ok and (preview.new, preview.no_community, preview.out_of_scope) == (1, 2, 1)
    assert preview.missing_communities == ["500112009099"]
    run = services.run_import(by=county, area_code="500112", alerts=alerts, report=report)
    assert (run.alerts_imported, run.alerts_no_community, run.missing_communities) == (1, 2, ["500112009099"])
    Area.objects.create(code="500112009099", name="新建社区", level=Level.COMMUNITY, parent_id="500112009")
    # The county has this run: it is refused, saying how to take the new community's rows.
    error = refused(AssistanceErrorCode.RUN_DUPLICATE, by=county, area_code="500112", alerts=alerts, report=report)
    assert "平台新建社区的 2 条预警，请选择该社区或其街道为导入范围导入" in error.message
    street = staff("renheaid", Role.ASSISTANCE_OFFICER, "500112009")
    later = services.run_import(by=street, area_code="500112009", alerts=alerts, report=report)
    assert (later.alerts_imported, later.alerts_covered, later.alerts_no_community) == (2, 1, 0)
    assert sorted(Alert.objects.values_list("household_key", "area_id")) == [
        ("1", XINGJIAQIAO), ("2", "500112009099"), ("3", "500112009099")]


def test_import_areas_are_a_county_a_street_or_a_community(officer):
    alerts, report = run_files([alert_row()])
    with pytest.raises(LinliError) as exc:
        services.run_preview(by=officer, area_code=XJQ_GRID, alerts=alerts, report=report)
    assert exc.value.field == "area" and exc.value.status == 400
    assert "是网格，导入范围应为区县、街道或社区" in exc.value.message


def test_an_alert_cleared_at_home_is_not_raised_again_on_the_same_evidence(officer):
    import_rows(officer, XINGJIAQIAO, [alert_row(household_id=1, value=1024.5, threshold=760.0),
                                       alert_row(household_id=2, rule="high_medical", tier_held="", value=23000.0)])
    cleared, confirmed = Alert.objects.order_by("household_key")
    services.home_check_record(by=officer, alert=cleared, outcome="cleared", visited_on=TODAY, note="一次性收入")
    services.home_check_record(by=officer, alert=confirmed, outcome="confirmed", visited_on=TODAY, note="属实")
    same = [alert_row(household_id=1, value=1024.5, threshold=760.0, members=3),
            alert_row(household_id=2, rule="high_medical", tier_held="", value=23000.0)]
    alerts, report = run_files(same, as_of=TODAY)
    preview = services.run_preview(by=officer, area_code=XINGJIAQIAO, alerts=alerts, report=report)
    assert (preview.new, preview.cleared) == (1, 1)
    run = services.run_import(by=officer, area_code=XINGJIAQIAO, alerts=alerts, report=report)
    assert (run.alerts_imported, run.alerts_cleared) == (1, 1)  # the confirmed one is alerted again
    assert Alert.objects.filter(household_key="1").count() == 1
    changed = import_rows(officer, XINGJIAQIAO, [alert_row(household_id=1, value=1100.0, threshold=760.0)])
    assert (changed.alerts_imported, changed.alerts_cleared) == (1, 0)  # new evidence: a new alert
    assert Alert.objects.filter(household_key="1", status=AlertStatus.OPEN).count() == 1


def test_a_late_import_moves_the_deadlines_and_allows_visits_since_as_of(officer):
    # Run as of 2026-11-01, imported on 2026-11-20: a check due 15 days after the run is due 15 days after import.
    alerts, report = run_files([alert_row(household_id=1, deadline=AS_OF + dt.timedelta(days=15))])
    preview = services.run_preview(by=officer, area_code=XINGJIAQIAO, alerts=alerts, report=report)
    assert preview.deadline_shift == 19
    run = services.run_import(by=officer, area_code=XINGJIAQIAO, alerts=alerts, report=report)
    alert = Alert.objects.get()
    assert run.deadline_shift == 19 and alert.deadline == TODAY + dt.timedelta(days=15)
    # A repeat keeps the deadline it has.
    import_rows(officer, XINGJIAQIAO, [alert_row(household_id=1, deadline=dt.date(2026, 11, 25))])
    alert.refresh_from_db()
    assert alert.deadline == TODAY + dt.timedelta(days=15) and alert.times_seen == 2
    with pytest.raises(LinliError) as exc:
        services.home_check_record(by=officer, alert=alert, outcome="confirmed", visited_on=AS_OF - dt.timedelta(days=1),
                                   note="已入户")
    assert exc.value.message.endswith("不能早于比对基准日 2026-11-01")
    check = services.home_check_record(by=officer, alert=alert, outcome="confirmed", visited_on=dt.date(2026, 11, 5),
                                       note="导入前已入户")
    assert check.visited_on == dt.date(2026, 11, 5)


def test_the_run_keeps_only_counts_of_its_report(officer):
    problems = {"total": 3, "by_file": {"incomes.csv": {"金额为负数": 2, "bad": "x"}},
                "listed": [{"file": "incomes.csv", "row": 4, "key": "123456", "reason": "金额为负数"}]}
    run = import_rows(officer, XINGJIAQIAO, [alert_row()], run_id="kept-1", problems=problems,
                      inputs_dir="/home/x/registry", files={"incomes.csv": {"read": 10, "bad": 3, "skipped": 3}},
                      stages=[{"stage": "读取参数", "key": "params", "seconds": 0.5, "rows": None}])
    assert set(run.report) == {"status", "run_id", "engine", "as_of", "params", "files", "problems", "stages", "alerts"}
    assert run.report["problems"] == {"total": 3, "by_file": {"incomes.csv": {"金额为负数": 2}}}
    assert run.report["files"] == {"incomes.csv": {"read": 10, "bad": 3, "skipped": 3}}
    assert run.report["stages"] == [{"stage": "读取参数", "key": "params", "seconds": 0.5, "rows": None}]
    assert run.report["params"]["documents"] == ["示例参数（非任何地区的正式标准）"]
    assert run.report["alerts"]["rows"] == 1 and run.report["run_id"] == "kept-1"


def test_area_codes_are_read_stripped_for_the_scope_too(officer):
    run = import_rows(officer, XINGJIAQIAO, [alert_row(household_id=1, area_code=f" {XINGJIAQIAO} "),
                                             alert_row(household_id=2, area_code=f"{JINZHUYUAN} ")])
    assert (run.alerts_imported, run.alerts_out_of_scope) == (1, 1)
    assert Alert.objects.get().area_id == XINGJIAQIAO
    alerts, report = run_files([alert_row(household_id=3), alert_row(household_id=4, area_code="  ")])
    error = refused(AssistanceErrorCode.RUN_ROWS, by=officer, area_code=XINGJIAQIAO, alerts=alerts, report=report)
    assert error.extra["errors"] == ["第 2 行：area_code 为空"]


# --- PostgreSQL: concurrent writers -------------------------------------------------------------

def _all_at_once(jobs) -> tuple[list, list[BaseException]]:
    start = threading.Barrier(len(jobs))
    results: list = []
    errors: list[BaseException] = []

    def run(job):
        try:
            start.wait(timeout=10)
            results.append(job())
        except BaseException as exc:  # reported to the test
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a thread hung: a lock was never released"
    return results, errors


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks")
@pytest.mark.django_db(transaction=True)
def test_overlapping_imports_at_once_both_land_without_duplicates(personas):
    officer = personas.assistance_officer
    rows = [alert_row(household_id=i) for i in range(1, 21)]
    files = [run_files(rows + [alert_row(household_id=100 + n)], run_id=f"race-{n}") for n in range(3)]
    runs, errors = _all_at_once([
        (lambda a=a, r=r: services.run_import(by=officer, area_code=XINGJIAQIAO, alerts=a, report=r))
        for a, r in files])
    assert errors == []
    assert sorted((r.alerts_imported, r.alerts_repeated) for r in runs) == [(1, 20), (1, 20), (21, 0)]
    assert Alert.objects.count() == 23
    assert set(Alert.objects.filter(household_key__in=[str(i) for i in range(1, 21)])
               .values_list("times_seen", flat=True)) == {3}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks")
@pytest.mark.django_db(transaction=True)
def test_same_run_imported_twice_at_once_lands_once(personas):
    officer = personas.assistance_officer
    alerts, report = run_files([alert_row(household_id=i) for i in range(1, 6)], run_id="twice")
    runs, errors = _all_at_once([
        (lambda: services.run_import(by=officer, area_code=XINGJIAQIAO, alerts=alerts, report=report))] * 2)
    assert len(runs) == 1 and len(errors) == 1
    assert isinstance(errors[0], LinliError) and errors[0].code == AssistanceErrorCode.RUN_DUPLICATE
    assert Alert.objects.count() == 5 and MonitoringRun.objects.count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks")
@pytest.mark.django_db(transaction=True)
def test_two_home_checks_at_once_one_wins(personas):
    officer = personas.assistance_officer
    import_rows(officer, XINGJIAQIAO, [alert_row()])
    alert = Alert.objects.get()
    checks, errors = _all_at_once([
        (lambda o=o: services.home_check_record(by=officer, alert=Alert.objects.get(pk=alert.pk), outcome=o,
                                                visited_on=timezone.localdate(), note="已入户"))
        for o in ("confirmed", "cleared", "confirmed", "cleared")])
    assert len(checks) == 1 and len(errors) == 3
    assert all(isinstance(e, LinliError) and e.status == 409 for e in errors)
    assert HomeCheck.objects.count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks")
@pytest.mark.django_db(transaction=True)
def test_a_county_and_a_community_importing_the_same_run_at_once_take_each_row_once(personas):
    officer = personas.assistance_officer
    county = staff("yubeiaid", Role.ASSISTANCE_OFFICER, "500112")
    rows = [alert_row(household_id=i) for i in range(1, 6)] + [
        alert_row(household_id=i, area_code=JINZHUYUAN) for i in range(6, 9)]
    alerts, report = run_files(rows, run_id="both", as_of=timezone.localdate())
    runs, errors = _all_at_once([
        lambda: services.run_import(by=officer, area_code=XINGJIAQIAO, alerts=alerts, report=report),
        lambda: services.run_import(by=county, area_code="500112", alerts=alerts, report=report)])
    # Either the community went first (the county then skips it) or the county did (the community is refused).
    assert len(runs) + len(errors) == 2
    assert all(isinstance(e, LinliError) and e.code == AssistanceErrorCode.RUN_DUPLICATE for e in errors)
    assert Alert.objects.count() == 8 and set(Alert.objects.values_list("times_seen", flat=True)) == {1}
    assert sum(r.alerts_imported for r in runs) == 8
