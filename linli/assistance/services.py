"""Writes of the assistance app: importing a monitoring run's alerts, home checks, escalation.

Importing: preview first (counts and row errors, nothing written), then all alerts in scope or
none, in one transaction. The importer needs ``manage_assistance`` on the area they import for;
rows under it are in scope, the others counted and left alone. An open alert of the same
household and rule is updated by a later run (deadline kept), never duplicated: concurrent
imports into the same communities are serialised by a lock on those communities' rows.

Web uploads are kept between preview and commit in a core ImportBatch (spec "assistance_run"):
content = encrypted base64 of a zip holding alerts.parquet and report.json, readable only by its
creator, emptied on commit or discard. File-level refusals raise LinliError (field "alerts" or
"report"); row errors are listed in ``RunPreview.errors`` and block the commit.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import math
import uuid
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from linli.accounts.roles import Perm
from linli.accounts.selectors import has_permission
from linli.areas.models import Area, Level
from linli.assistance import run_files
from linli.assistance.errors import AssistanceErrorCode
from linli.assistance.models import Alert, AlertStatus, HomeCheck, MonitoringRun
from linli.assistance.monitoring.schema import CLASSES, RULES, TIERS
from linli.assistance.selectors import VIEW, overdue_q
from linli.core import idcard, protected
from linli.core.errors import CoreErrorCode, LinliError, forbidden, invalid, not_found
from linli.core.models import ImportBatch
from linli.core.services import access_log_record, audit_record, audit_record_many

SPEC = "assistance_run"  # ImportBatch.spec of a kept upload
MAX_LISTED_ERRORS = 200
CHUNK = 500  # keys per IN (...) query: within SQLite's variable limit
# Updated by a later run; first_run, deadline, status and escalation stay.
REPEAT_FIELDS = ["last_run", "times_seen", "area", "address", "head_name", "head_id_number", "head_id_number_hash",
                 "resident", "alert_class", "tier_held", "tier_eligible", "members", "income_pc", "value",
                 "threshold", "event_date", "params_document", "updated_at"]


@dataclass
class RunPreview:
    """What importing a run would do, before anything is written."""

    run_id: str
    as_of: dt.date
    engine: str
    params_documents: list[str]
    params_example: bool
    total: int  # alerts in the file
    new: int  # would be created (within the importer's area)
    repeated: int  # already open for the same household and rule: would be updated
    out_of_scope: int  # outside the importer's area: left alone
    by_rule: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)  # "第 12 行：社区代码 … 不在本平台"; any error blocks the import
    already_imported: bool = False
    errors_total: int = 0  # errors lists the first 200
    area_code: str = ""  # the importer's area (the scope)
    area_name: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors_total and not self.already_imported


# --- reading and checking a run ----------------------------------------------------------------


@dataclass
class _Checked:
    report: run_files.Report
    area: Area
    alerts: list[Alert]  # unsaved, in scope and valid
    errors: list[str]
    errors_total: int
    out_of_scope: int
    total: int


def _import_area(by: Any, area_code: str) -> Area:
    code = (area_code or "").strip()
    area = Area.objects.filter(code=code).first() if code.isascii() and code.isdigit() and len(code) <= 15 else None
    if area is None:
        raise invalid("area", "导入范围", f"地区代码 {code[:20] or '（空）'} 不存在")
    if not has_permission(by, Perm.MANAGE_ASSISTANCE, area.code):
        raise forbidden(f"向{area.name}导入监测预警")
    return area


def _money(value: float, digits: int) -> Decimal:
    """A float as stored (2 decimals); ValueError if it cannot be (infinite, too large)."""
    if not math.isfinite(value) or abs(value) >= 10 ** (digits - 2):
        raise ValueError(f"数值 {value} 超出范围")
    return Decimal(str(round(value, 2))).quantize(Decimal("0.01"))


def _amount(value: float | None, digits: int) -> Decimal | None:
    return None if value is None else _money(value, digits)


def _text(row: dict, name: str, max_length: int) -> str:
    text = " ".join(str(row[name] or "").split())
    if "\x00" in text:
        raise ValueError(f"{name} 含有空字符")
    if len(text) > max_length:
        raise ValueError(f"{name} 过长（最多 {max_length} 个字）")
    return text


def _alert(row: dict, communities: dict[str, str]) -> Alert:
    """One in-scope row as an unsaved Alert; ValueError naming the column and why."""
    for name in ("household_id", "area_code", "alert_class", "rule", "tier_held", "tier_eligible", "members",
                 "income_pc", "deadline", "params_document"):
        if row[name] is None:
            raise ValueError(f"{name} 为空")
    code = row["area_code"].strip()
    level = communities.get(code)
    if level is None:
        raise ValueError(f"社区代码 {code[:20]} 不在本平台")
    if level != Level.COMMUNITY:
        raise ValueError(f"地区代码 {code} 不是社区（{Level(level).label}）")
    rule, klass = row["rule"], row["alert_class"]
    if rule not in RULES:
        raise ValueError(f"未知的预警规则 {rule[:32]}")
    if klass not in CLASSES:
        raise ValueError(f"未知的预警类别 {klass[:32]}")
    if RULES[rule][0] != klass:
        raise ValueError(f"预警类别 {klass} 与规则 {rule} 不符（应为 {RULES[rule][0]}）")
    for name in ("tier_held", "tier_eligible"):
        if row[name] not in TIERS:
            raise ValueError(f"{name} 为未知的救助类别 {row[name][:16]}")
    if not 0 <= row["members"] <= 32767:
        raise ValueError(f"members 应为 0–32767，实际为 {row['members']}")
    if row["income_pc"] < 0:
        raise ValueError("income_pc 为负数")
    if row["household_id"] < 0:
        raise ValueError("household_id 为负数")
    number = idcard.normalize(_text(row, "head_id_number", 32))
    return Alert(
        household_key=str(row["household_id"]), area_id=code, address=_text(row, "address", 200),
        head_name=_text(row, "head_name", 64), head_id_number=number,
        head_id_number_hash=protected.blind_index(number) if number else "",
        alert_class=klass, rule=rule, tier_held=row["tier_held"], tier_eligible=row["tier_eligible"],
        members=row["members"], income_pc=_money(row["income_pc"], 12), value=_amount(row["value"], 14),
        threshold=_amount(row["threshold"], 14), event_date=row["event_date"],
        params_document=_text(row, "params_document", 200), deadline=row["deadline"],
    )


def _area_levels(codes: set[str]) -> dict[str, str]:
    ordered = sorted(c for c in codes if len(c) <= 15)
    levels: dict[str, str] = {}
    for i in range(0, len(ordered), CHUNK):
        levels.update(Area.objects.filter(code__in=ordered[i : i + CHUNK]).values_list("code", "level"))
    return levels


def _check(by: Any, area_code: str, alerts: bytes, report: bytes) -> _Checked:
    area = _import_area(by, area_code)
    rep = run_files.read_report(report)
    table = run_files.read_alerts(alerts, rep)
    in_scope, no_code = run_files.split_scope(table, area.code)
    errors = [(i + 1, "area_code 为空") for i in no_code]
    try:
        rows = table.take(in_scope).to_pylist() if in_scope else []
    except (ValueError, OverflowError):  # a date Python cannot hold (year > 9999)
        raise LinliError(AssistanceErrorCode.RUN_FILE, "预警文件 alerts.parquet：含有超出范围的日期",
                         field="alerts") from None
    levels = _area_levels({(r["area_code"] or "").strip() for r in rows})
    seen: dict[tuple[str, str], int] = {}
    checked: list[Alert] = []
    for index, row in zip(in_scope, rows, strict=True):
        line = index + 1
        try:
            alert = _alert(row, levels)
        except ValueError as exc:
            errors.append((line, str(exc)))
            continue
        key = (alert.household_key, alert.rule)
        if key in seen:
            errors.append((line, f"与第 {seen[key]} 行重复（同一家庭、同一预警规则）"))
            continue
        seen[key] = line
        checked.append(alert)
    listed = [f"第 {line} 行：{reason}" for line, reason in sorted(errors)[:MAX_LISTED_ERRORS]]
    return _Checked(report=rep, area=area, alerts=checked, errors=listed, errors_total=len(errors),
                    out_of_scope=table.num_rows - len(in_scope) - len(no_code), total=table.num_rows)


def _open_alerts(keys: set[tuple[str, str]], *, lock: bool) -> dict[tuple[str, str], Alert]:
    households = sorted({k for k, _ in keys})
    found: dict[tuple[str, str], Alert] = {}
    for i in range(0, len(households), CHUNK):
        qs = Alert.objects.filter(status=AlertStatus.OPEN, household_key__in=households[i : i + CHUNK]).order_by("pk")
        for alert in (qs.select_for_update() if lock else qs):
            if (alert.household_key, alert.rule) in keys:
                found[(alert.household_key, alert.rule)] = alert
    return found


def _preview(checked: _Checked) -> RunPreview:
    rep = checked.report
    keys = {(a.household_key, a.rule) for a in checked.alerts}
    repeated = len(_open_alerts(keys, lock=False)) if keys else 0
    return RunPreview(
        run_id=rep.run_id, as_of=rep.as_of, engine=rep.engine, params_documents=rep.documents,
        params_example=rep.example, total=checked.total, new=len(keys) - repeated, repeated=repeated,
        out_of_scope=checked.out_of_scope, by_rule=dict(Counter(a.rule for a in checked.alerts)),
        errors=checked.errors, errors_total=checked.errors_total,
        already_imported=MonitoringRun.objects.filter(run_id=rep.run_id).exists(),
        area_code=checked.area.code, area_name=checked.area.name,
    )


def run_preview(*, by: Any, area_code: str, alerts: bytes, report: bytes) -> RunPreview:
    return _preview(_check(by, area_code, alerts, report))


def _duplicate(run_id: str) -> LinliError:
    run = MonitoringRun.objects.filter(run_id=run_id).first()
    when = f"已于 {timezone.localtime(run.imported_at):%Y-%m-%d %H:%M} " if run else "已"
    return LinliError(AssistanceErrorCode.RUN_DUPLICATE, f"批次 {run_id} {when}导入，不能重复导入", status=409)


def _residents(hashes: set[str]) -> dict[str, int]:
    # A batch read of people's blind index (people.selectors offers it one hash at a time).
    from linli.people.models import Resident

    ordered = sorted(h for h in hashes if h)
    found: dict[str, int] = {}
    for i in range(0, len(ordered), CHUNK):
        found.update(Resident.objects.filter(id_number_hash__in=ordered[i : i + CHUNK]).values_list("id_number_hash",
                                                                                                    "pk"))
    return found


def _update_repeated(alerts: list[Alert]) -> None:
    """One parameterised UPDATE per alert, sent with executemany: Django's bulk_update builds a CASE
    expression per field and row in Python (about 7 ms a row here, minutes for a county's run)."""
    qn = connection.ops.quote_name
    fields = [f for f in Alert._meta.concrete_fields if f.name in REPEAT_FIELDS]
    sets = ", ".join(f"{qn(f.column or f.attname)} = %s" for f in fields)
    sql = f"UPDATE {qn(Alert._meta.db_table)} SET {sets} WHERE {qn('id')} = %s"
    params = [[f.get_db_prep_save(getattr(a, f.attname), connection) for f in fields] + [a.pk] for a in alerts]
    with connection.cursor() as cursor:
        for start in range(0, len(params), CHUNK):
            cursor.executemany(sql, params[start : start + CHUNK])


@transaction.atomic
def run_import(*, by: Any, area_code: str, alerts: bytes, report: bytes) -> MonitoringRun:
    """All alerts in scope or none; refuses a failed run, a file not matching its report, a run
    already imported, and any row error of the preview."""
    checked = _check(by, area_code, alerts, report)
    rep = checked.report
    if checked.errors_total:
        raise LinliError(AssistanceErrorCode.RUN_ROWS,
                         f"预警文件有 {checked.errors_total} 处错误，未导入任何预警；请修正后重新运行或上传",
                         {"errors": checked.errors}, field="alerts")
    try:
        with transaction.atomic():
            run = MonitoringRun.objects.create(
                run_id=rep.run_id, engine=rep.engine, as_of=rep.as_of, params_documents="\n".join(rep.documents),
                params_example=rep.example, report=rep.raw, alerts_total=checked.total,
                alerts_out_of_scope=checked.out_of_scope, area=checked.area, imported_by=by)
    except IntegrityError:
        raise _duplicate(rep.run_id) from None
    # Serialise imports into the same communities: the second waits, then updates what the first wrote.
    communities = sorted({a.area_id for a in checked.alerts})
    list(Area.objects.select_for_update(no_key=True).filter(code__in=communities).order_by("code").values_list("pk"))
    existing = _open_alerts({(a.household_key, a.rule) for a in checked.alerts}, lock=True)
    residents = _residents({a.head_id_number_hash for a in checked.alerts})
    now = timezone.now()
    new, repeated = [], []
    for alert in checked.alerts:
        alert.resident_id = residents.get(alert.head_id_number_hash)
        old = existing.get((alert.household_key, alert.rule))
        if old is None:
            alert.first_run = alert.last_run = run
            new.append(alert)
            continue
        alert.pk, alert.first_run_id, alert.deadline = old.pk, old.first_run_id, old.deadline
        alert.times_seen = min(old.times_seen + 1, 32767)
        alert.last_run, alert.updated_at = run, now
        repeated.append(alert)
    try:
        with transaction.atomic():
            Alert.objects.bulk_create(new, batch_size=CHUNK)
            _update_repeated(repeated)
    except IntegrityError:
        # Only an open alert of a household that moved between communities can get here.
        raise LinliError(AssistanceErrorCode.RUN_BUSY, "另一批次同时导入了相同家庭的预警，未导入任何预警；请稍后重试",
                         status=409) from None
    run.alerts_imported, run.alerts_repeated = len(new), len(repeated)
    run.save(update_fields=["alerts_imported", "alerts_repeated"])
    audit_record(actor=by, action="assistance.run_import", target=run, area_code=checked.area.code,
                 data={"run_id": run.run_id, "total": run.alerts_total, "new": len(new), "repeated": len(repeated),
                       "out_of_scope": run.alerts_out_of_scope})
    return run


def run_import_dir(*, by: Any, area_code: str, out_dir: Path) -> MonitoringRun:
    """The CLI's path: ``alerts.parquet`` and ``report.json`` of a run's output folder."""
    out_dir = Path(out_dir)
    report_path, alerts_path = out_dir / "report.json", out_dir / "alerts.parquet"
    if not report_path.is_file():
        raise LinliError(AssistanceErrorCode.RUN_FILE, f"{out_dir} 中没有 report.json（运行报告）", field="report")
    report = report_path.read_bytes()
    if not alerts_path.is_file():
        run_files.read_report(report)  # a failed run has no alerts file: say that it failed
        raise LinliError(AssistanceErrorCode.RUN_FILE, f"{out_dir} 中没有 alerts.parquet（预警文件）", field="alerts")
    return run_import(by=by, area_code=area_code, alerts=alerts_path.read_bytes(), report=report)


# --- web uploads: kept encrypted between preview and commit -------------------------------------


def _pack(alerts: bytes, report: bytes) -> str:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:  # Parquet is compressed already
        z.writestr("alerts.parquet", alerts)
        z.writestr("report.json", report)
    return protected.encrypt(base64.b64encode(buf.getvalue()).decode())


def _unpack(content: str) -> tuple[bytes, bytes]:
    with zipfile.ZipFile(io.BytesIO(base64.b64decode(protected.decrypt(content)))) as z:
        return z.read("alerts.parquet"), z.read("report.json")


def _batch(by: Any, batch_id: Any, *, lock: bool = False) -> ImportBatch:
    try:
        key = uuid.UUID(str(batch_id))
    except ValueError:
        raise not_found("导入批次") from None
    qs = ImportBatch.objects.filter(pk=key, spec=SPEC, created_by_id=getattr(by, "pk", None))
    batch = (qs.select_for_update() if lock else qs).first()
    if batch is None:
        raise not_found("导入批次")
    if batch.status != ImportBatch.Status.PREVIEWED:
        raise LinliError(CoreErrorCode.IMPORT_STATE, f"这批数据{batch.get_status_display()}，不能再次导入", status=409)
    return batch


def run_upload_preview(*, by: Any, area_code: str, alerts: bytes, report: bytes) -> tuple[ImportBatch, RunPreview]:
    """Checks both files (file-level refusals raise) and keeps them, encrypted, for the commit."""
    preview = run_preview(by=by, area_code=area_code, alerts=alerts, report=report)
    batch = ImportBatch.objects.create(
        spec=SPEC, created_by=by, area_code=preview.area_code, filename=f"{preview.run_id}.zip",
        content=_pack(alerts, report), row_count=preview.total, error_count=preview.errors_total)
    audit_record(actor=by, action="import.preview", target=batch, area_code=preview.area_code,
                 data={"run_id": preview.run_id, "rows": preview.total, "errors": preview.errors_total})
    return batch, preview


def run_batch_preview(*, by: Any, batch_id: Any) -> tuple[ImportBatch, RunPreview]:
    """The kept upload's preview again (NOT_FOUND unless ``by`` made it; committed: LinliError)."""
    batch = _batch(by, batch_id)
    alerts, report = _unpack(batch.content)
    return batch, run_preview(by=by, area_code=batch.area_code, alerts=alerts, report=report)


@transaction.atomic
def run_upload_commit(*, by: Any, batch_id: Any) -> MonitoringRun:
    """Imports the kept upload (checked again against the database as it is now), then empties it."""
    batch = _batch(by, batch_id, lock=True)
    alerts, report = _unpack(batch.content)
    run = run_import(by=by, area_code=batch.area_code, alerts=alerts, report=report)
    batch.status, batch.committed_at, batch.content = ImportBatch.Status.COMMITTED, timezone.now(), ""
    batch.save(update_fields=["status", "committed_at", "content"])
    return run


@transaction.atomic
def run_upload_discard(*, by: Any, batch_id: Any) -> None:
    batch = _batch(by, batch_id, lock=True)
    batch.status, batch.content = ImportBatch.Status.DISCARDED, ""
    batch.save(update_fields=["status", "content"])


# --- home checks, the access log, escalation ----------------------------------------------------


def _conflict(message: str) -> LinliError:
    return LinliError(AssistanceErrorCode.CHECKED, message, status=409)


@transaction.atomic
def home_check_record(*, by: Any, alert: Alert, outcome: str, visited_on: dt.date, note: str,
                      referred_to: str = "") -> HomeCheck:
    """入户核查: closes the alert. Only MANAGE_ASSISTANCE on its community; one record per alert."""
    locked = Alert.objects.select_for_update().filter(pk=alert.pk).first()
    if locked is None:
        raise not_found("预警")
    if not has_permission(by, Perm.MANAGE_ASSISTANCE, locked.area_id):
        raise forbidden("记录该预警的入户核查")
    if locked.status != AlertStatus.OPEN or HomeCheck.objects.filter(alert=locked).exists():
        raise _conflict("该预警已记录入户核查结论，不能重复记录")
    if outcome not in HomeCheck.Outcome.values:
        raise invalid("outcome", "核查结论", "请选择情况属实、排除预警或转介处理")
    if not isinstance(visited_on, dt.date) or isinstance(visited_on, dt.datetime):
        raise invalid("visited_on", "入户日期", "请填写日期")
    today, created = timezone.localdate(), timezone.localdate(locked.created_at)
    if visited_on > today:
        raise invalid("visited_on", "入户日期", f"不能晚于今天（{today:%Y-%m-%d}）")
    if visited_on < created:
        raise invalid("visited_on", "入户日期", f"不能早于预警生成日期 {created:%Y-%m-%d}")
    text = str(note or "").strip()
    if not text or "\x00" in text or len(text) > 2000:
        reason = "不能为空" if not text else "不能包含空字符" if "\x00" in text else "过长（最多 2000 个字）"
        raise invalid("note", "核查情况", reason)
    unit = " ".join(str(referred_to or "").split()) if outcome == HomeCheck.Outcome.REFERRED else ""
    if outcome == HomeCheck.Outcome.REFERRED and not unit:
        raise invalid("referred_to", "转介单位", "转介处理须填写转介单位")
    if len(unit) > 100 or "\x00" in unit:
        raise invalid("referred_to", "转介单位", "过长（最多 100 个字）" if len(unit) > 100 else "不能包含空字符")
    try:
        with transaction.atomic():
            check = HomeCheck.objects.create(alert=locked, outcome=outcome, visited_on=visited_on, note=text,
                                             referred_to=unit, recorded_by=by)
    except IntegrityError:
        raise _conflict("该预警已记录入户核查结论，不能重复记录") from None
    locked.status = AlertStatus.CHECKED
    locked.save(update_fields=["status", "updated_at"])
    alert.status = locked.status
    audit_record(actor=by, action="assistance.home_check", target=check, area_code=locked.area_id,
                 data={"alert": locked.pk, "outcome": outcome, "visited_on": visited_on.isoformat()})
    return check


def alert_view_log(*, by: Any, alert: Alert, what: str) -> None:
    """Writes the access-log row for a view of a household's assistance data."""
    access_log_record(actor=by, target=alert, field="assistance", reason=what, area_code=alert.area_id)


def alert_list_log(*, by: Any, area_code: str | None, what: str) -> None:
    """One access-log row for a page of alerts (a list or an export), per area it covers (the
    page's area, else each of the user's areas): the target is the area viewed."""
    from linli.accounts.selectors import codes_with_permission
    from linli.areas.visibility import narrow

    codes = narrow(codes_with_permission(by, VIEW), area_code or None)
    for area in Area.objects.filter(code__in=codes).order_by("code"):
        access_log_record(actor=by, target=area, field="assistance", reason=what, area_code=area.code)


@transaction.atomic
def overdue_escalate(*, now: dt.datetime | None = None) -> int:
    """Flags open alerts past their deadline to the street (cron: ``linli monitor flag-overdue``)."""
    now = now or timezone.now()
    due = list(Alert.objects.select_for_update().filter(overdue_q(timezone.localdate(now)), escalated_at__isnull=True)
               .only("pk", "area_id").order_by("pk"))
    if not due:
        return 0
    ids = [a.pk for a in due]
    for i in range(0, len(ids), CHUNK):
        Alert.objects.filter(pk__in=ids[i : i + CHUNK]).update(escalated_at=now, updated_at=now)
    targets: list[models.Model] = list(due)
    audit_record_many(actor=None, action="assistance.escalate", targets=targets, data={"at": now.isoformat()})
    return len(due)
