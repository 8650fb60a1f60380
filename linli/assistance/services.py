"""Writes of the assistance app: importing a monitoring run's alerts, home checks, escalation.

Importing: preview first (counts and row errors, nothing written), then all alerts in scope or
none, in one transaction. The importer needs ``manage_assistance`` on the county, street or
community they import for; rows under it are in scope, the others counted and left alone: an
import never touches an alert outside its area. Within the scope:

- a run is imported once per area: rows of a community an earlier import of the same run covered
  are skipped (counted), and a run with nothing left in scope is refused, naming that import;
- rows of a community not on the platform yet are left out (counted, codes listed): not covered,
  a later import of the same run takes them once the community exists;
- an open alert of the same household and rule is updated (deadline kept), never duplicated; one
  open outside the scope is a row error (the household moved, or its number is reused);
- a household whose last alert for the rule was cleared at home is not alerted again while the
  evidence is the same;
- imported days after the run's as_of date, new alerts' deadlines move by as many days.

Concurrent imports into the same areas are serialised by a lock on those areas' rows.

Web uploads are kept between preview and commit in a core ImportBatch (spec "assistance_run"):
content = encrypted base64 of a zip holding alerts.parquet and report.json, readable only by its
creator, emptied on commit or discard, and at once when the preview shows it cannot be imported.
File-level refusals raise LinliError (field "alerts" or "report"); row errors are listed in
``RunPreview.errors`` and block the commit.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import math
import uuid
import zipfile
from collections import Counter
from collections.abc import Iterable
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
from linli.assistance.selectors import overdue_q
from linli.core import idcard, protected
from linli.core.errors import CoreErrorCode, LinliError, forbidden, invalid, not_found
from linli.core.models import AccessLog, ImportBatch
from linli.core.services import audit_record, audit_record_many

SPEC = "assistance_run"  # ImportBatch.spec of a kept upload
MAX_LISTED_ERRORS = 200
MAX_LISTED_CODES = 20
CHUNK = 500  # keys per IN (...) query: within SQLite's variable limit
IMPORT_LEVELS = (Level.COUNTY, Level.STREET, Level.COMMUNITY)
# Updated by a later run; first_run, deadline, status and escalation stay.
REPEAT_FIELDS = ["last_run", "times_seen", "area", "address", "head_name", "head_id_number", "head_id_number_hash",
                 "resident", "alert_class", "tier_held", "tier_eligible", "members", "income_pc", "value",
                 "threshold", "event_date", "params_document", "updated_at"]

Key = tuple[str, str]  # (household_key, rule)


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
    covered: int = 0  # in scope, but an earlier import of the run covered their community: skipped
    covered_by: list[str] = field(default_factory=list)  # "已由 邢家桥社区 于 2026-11-20 导入：3 条"
    cleared: int = 0  # 已核查排除，证据未变: not alerted again
    no_community: int = 0  # in scope, of communities not on the platform yet: left out
    missing_communities: list[str] = field(default_factory=list)  # their codes (the first 20)
    deadline_shift: int = 0  # days the new alerts' deadlines move (imported after as_of)
    by_rule: dict[str, int] = field(default_factory=dict)  # of the alerts that would be new or repeated
    errors: list[str] = field(default_factory=list)  # "第 12 行：…"; any error blocks the import
    errors_total: int = 0  # errors lists the first 200
    refusal: str = ""  # why nothing can be imported (the run already imported for this area)
    area_code: str = ""  # the importer's area (the scope)
    area_name: str = ""

    @property
    def already_imported(self) -> bool:
        return bool(self.refusal)

    @property
    def ok(self) -> bool:
        return not self.errors_total and not self.refusal


# --- reading and checking a run ----------------------------------------------------------------


@dataclass
class _Checked:
    report: run_files.Report
    area: Area
    alerts: list[Alert]  # unsaved, in scope, valid, of communities on the platform
    lines: dict[Key, int]  # each alert's row in the file (1-based)
    errors: list[tuple[int, str]]  # (row, reason)
    out_of_scope: int
    missing: Counter[str]  # rows per community code not on the platform
    total: int


def _import_area(by: Any, area_code: str) -> Area:
    code = (area_code or "").strip()
    area = Area.objects.filter(code=code).first() if code.isascii() and code.isdigit() and len(code) <= 15 else None
    if area is None:
        raise invalid("area", "导入范围", f"地区代码 {code[:20] or '（空）'} 不存在")
    if not has_permission(by, Perm.MANAGE_ASSISTANCE, area.code):
        raise forbidden(f"向{area.name}导入监测预警")
    if area.level not in IMPORT_LEVELS:
        raise invalid("area", "导入范围", f"{area.name}是{Level(area.level).label}，导入范围应为区县、街道或社区")
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


def _alert(row: dict, community: str) -> Alert:
    """One in-scope row of a community of the platform as an unsaved Alert; ValueError naming the column."""
    for name in ("household_id", "alert_class", "rule", "tier_held", "tier_eligible", "members",
                 "income_pc", "deadline", "params_document"):
        if row[name] is None:
            raise ValueError(f"{name} 为空")
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
        household_key=str(row["household_id"]), area_id=community, address=_text(row, "address", 200),
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


def _community(code: str, levels: dict[str, str], missing: Counter[str]) -> str:
    """Checks a row's community; "" when it is not on the platform yet (counted in ``missing``)."""
    level = levels.get(code)
    if level is None:
        if not (len(code) == 12 and code.isascii() and code.isdigit()):
            raise ValueError(f"社区代码 {code[:20]} 格式不正确（应为 12 位数字）")
        missing[code] += 1
        return ""
    if level != Level.COMMUNITY:
        raise ValueError(f"地区代码 {code} 不是社区（{Level(level).label}）")
    return code


def _check(by: Any, area_code: str, alerts: bytes, report: bytes) -> _Checked:
    """The files against themselves and the platform's areas (no alert is read here)."""
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
    levels = _area_levels({r["area_code"].strip() for r in rows})  # split_scope: never null here
    lines: dict[Key, int] = {}
    missing: Counter[str] = Counter()
    checked: list[Alert] = []
    for index, row in zip(in_scope, rows, strict=True):
        line = index + 1
        try:
            community = _community(row["area_code"].strip(), levels, missing)
            if not community:
                continue
            alert = _alert(row, community)
        except ValueError as exc:
            errors.append((line, str(exc)))
            continue
        key = (alert.household_key, alert.rule)
        if key in lines:
            errors.append((line, f"与第 {lines[key]} 行重复（同一家庭、同一预警规则）"))
            continue
        lines[key] = line
        checked.append(alert)
    return _Checked(report=rep, area=area, alerts=checked, lines=lines, errors=errors,
                    out_of_scope=table.num_rows - len(in_scope) - len(no_code), missing=missing, total=table.num_rows)


# --- what an import would do, against the alerts and earlier imports of the run --------------------


@dataclass
class _Plan:
    earlier: list[MonitoringRun]  # imports of the same run, oldest first
    covered: Counter[int]  # rows skipped per earlier import (pk)
    refusal: str = ""
    new: list[Alert] = field(default_factory=list)
    repeated: list[tuple[Alert, Alert]] = field(default_factory=list)  # (from the file, the open one)
    cleared: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # open outside the scope
    shift: int = 0


def _when(run: MonitoringRun) -> str:
    return f"{timezone.localtime(run.imported_at):%Y-%m-%d}"


def _refusal(checked: _Checked, earlier: list[MonitoringRun], covered: Counter[int], left: int) -> str:
    """Why this import cannot go ahead: this area has the run already, or nothing in scope is left."""
    area, run_id = checked.area, checked.report.run_id
    same = next((r for r in earlier if r.area_id == area.code), None)
    if same is not None:
        why = f"批次 {run_id} 已由{same.imported_by}于 {_when(same)} 为{same.area.name}导入，不能重复导入"
        if left:  # communities created since: their rows are not covered yet
            why += f"；平台新建社区的 {left} 条预警，请选择该社区或其街道为导入范围导入"
        return why
    above = [r for r in earlier if area.code.startswith(r.area_id)]
    by = above or [r for r in earlier if covered[r.pk]]
    if left or not by:
        return ""
    who = "；".join(f"{r.imported_by}于 {_when(r)} 为{r.area.name}导入" for r in by)
    return f"批次 {run_id} 在{area.name}的预警已全部导入（{who}），没有可导入的预警"


def _open_alerts(keys: set[Key], scope: str, *, lock: bool) -> tuple[dict[Key, Alert], dict[Key, str]]:
    """Open alerts of these households and rules: those under ``scope`` (locked when asked), and
    the community of those outside it (read only: an import never touches them)."""
    households = sorted({k for k, _ in keys})
    inside: dict[Key, Alert] = {}
    outside: dict[Key, str] = {}
    for i in range(0, len(households), CHUNK):
        chunk = Alert.objects.filter(status=AlertStatus.OPEN, household_key__in=households[i : i + CHUNK])
        mine = chunk.filter(area__code__startswith=scope).order_by("pk")
        for alert in (mine.select_for_update() if lock else mine):
            if (alert.household_key, alert.rule) in keys:
                inside[(alert.household_key, alert.rule)] = alert
        others = chunk.exclude(area__code__startswith=scope).values_list("household_key", "rule", "area__name")
        for household, rule, name in others:
            if (household, rule) in keys:
                outside[(household, rule)] = name
    return inside, outside


def _cleared(keys: set[Key]) -> dict[Key, tuple]:
    """The evidence of each household and rule's last alert, when that one was cleared at home."""
    households = sorted({k for k, _ in keys})
    last: dict[Key, tuple] = {}
    for i in range(0, len(households), CHUNK):
        rows = (Alert.objects.filter(status=AlertStatus.CHECKED, household_key__in=households[i : i + CHUNK])
                .order_by("pk").values_list("household_key", "rule", "home_check__outcome", "value", "threshold",
                                            "event_date"))
        for household, rule, outcome, *evidence in rows:
            last[(household, rule)] = (outcome, *evidence)  # the latest wins
    return {k: tuple(v[1:]) for k, v in last.items() if k in keys and v[0] == HomeCheck.Outcome.CLEARED}


def _plan(checked: _Checked, *, lock: bool) -> _Plan:
    rep, scope = checked.report, checked.area.code
    earlier = list(MonitoringRun.objects.filter(run_id=rep.run_id).select_related("area", "imported_by")
                   .order_by("imported_at", "pk"))
    # An earlier import covers the communities under its area, less those then missing on the platform.
    scopes = [(r, set(r.missing_communities) if isinstance(r.missing_communities, list) else set())
              for r in earlier]
    covered: Counter[int] = Counter()
    todo: list[Alert] = []
    for alert in checked.alerts:
        code = alert.area_id
        by = next((r for r, missing in scopes if code.startswith(r.area_id) and code not in missing), None)
        if by is None:
            todo.append(alert)
        else:
            covered[by.pk] += 1
    plan = _Plan(earlier=earlier, covered=covered, refusal=_refusal(checked, earlier, covered, len(todo)),
                 shift=max(0, (timezone.localdate() - rep.as_of).days))
    if plan.refusal:
        return plan
    keys = {(a.household_key, a.rule) for a in todo}
    inside, outside = _open_alerts(keys, scope, lock=lock) if keys else ({}, {})
    cleared = _cleared(keys - inside.keys() - outside.keys()) if keys else {}
    for alert in todo:
        key = (alert.household_key, alert.rule)
        if key in outside:
            plan.errors.append((checked.lines[key], f"家庭 {key[0]} 的「{RULES[key[1]][1]}」预警在{outside[key]}尚未核查"
                                                    "（可能已搬迁或家庭编号重复），请由上级救助专干导入"))
        elif key in inside:
            plan.repeated.append((alert, inside[key]))
        elif cleared.get(key) == (alert.value, alert.threshold, alert.event_date):
            plan.cleared += 1
        else:
            plan.new.append(alert)
    return plan


def _listed(errors: list[tuple[int, str]]) -> list[str]:
    return [f"第 {line} 行：{reason}" for line, reason in sorted(errors)[:MAX_LISTED_ERRORS]]


def _preview(checked: _Checked) -> RunPreview:
    rep, plan = checked.report, _plan(checked, lock=False)
    errors = checked.errors + plan.errors
    earlier = {r.pk: r for r in plan.earlier}
    return RunPreview(
        run_id=rep.run_id, as_of=rep.as_of, engine=rep.engine, params_documents=rep.documents,
        params_example=rep.example, total=checked.total, new=len(plan.new), repeated=len(plan.repeated),
        out_of_scope=checked.out_of_scope, covered=sum(plan.covered.values()),
        covered_by=[f"已由 {earlier[pk].area.name} 于 {_when(earlier[pk])} 导入：{n} 条"
                    for pk, n in plan.covered.items()],
        cleared=plan.cleared, no_community=sum(checked.missing.values()),
        missing_communities=sorted(checked.missing)[:MAX_LISTED_CODES], deadline_shift=plan.shift,
        by_rule=dict(Counter(a.rule for a in plan.new + [a for a, _ in plan.repeated])),
        errors=_listed(errors), errors_total=len(errors), refusal=plan.refusal,
        area_code=checked.area.code, area_name=checked.area.name,
    )


def run_preview(*, by: Any, area_code: str, alerts: bytes, report: bytes) -> RunPreview:
    return _preview(_check(by, area_code, alerts, report))


def _rows_refused(errors: list[tuple[int, str]]) -> LinliError:
    return LinliError(AssistanceErrorCode.RUN_ROWS,
                      f"预警文件有 {len(errors)} 处错误，未导入任何预警；请修正后重新运行或上传",
                      {"errors": _listed(errors)}, field="alerts")


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


def _shifted(day: dt.date, days: int) -> dt.date:
    return day + dt.timedelta(days=days) if day < dt.date.max - dt.timedelta(days=days) else dt.date.max


@transaction.atomic
def run_import(*, by: Any, area_code: str, alerts: bytes, report: bytes) -> MonitoringRun:
    """All alerts in scope or none; refuses a failed run, a file not matching its report, a run
    already imported for the area (or with nothing left in it), and any row error of the preview."""
    checked = _check(by, area_code, alerts, report)
    rep = checked.report
    if checked.errors:
        raise _rows_refused(checked.errors)
    # Serialise imports of the same run or into the same communities: the second waits on these rows,
    # then sees what the first wrote (its import of the run, the alerts it opened).
    codes = sorted({checked.area.code, *(a.area_id for a in checked.alerts)})
    list(Area.objects.select_for_update(no_key=True).filter(code__in=codes).order_by("code").values_list("pk"))
    plan = _plan(checked, lock=True)
    if plan.refusal:
        raise LinliError(AssistanceErrorCode.RUN_DUPLICATE, plan.refusal, status=409)
    if plan.errors:
        raise _rows_refused(plan.errors)
    try:
        with transaction.atomic():
            run = MonitoringRun.objects.create(
                run_id=rep.run_id, engine=rep.engine, as_of=rep.as_of, params_documents="\n".join(rep.documents),
                params_example=rep.example, report=rep.summary, alerts_total=checked.total,
                alerts_out_of_scope=checked.out_of_scope, alerts_covered=sum(plan.covered.values()),
                alerts_cleared=plan.cleared, alerts_no_community=sum(checked.missing.values()),
                missing_communities=sorted(checked.missing), deadline_shift=plan.shift, area=checked.area,
                imported_by=by)
    except IntegrityError:  # the same area at once: the lock above makes this rare
        raise LinliError(AssistanceErrorCode.RUN_DUPLICATE,
                         f"批次 {rep.run_id} 已为{checked.area.name}导入，不能重复导入", status=409) from None
    everyone = plan.new + [a for a, _ in plan.repeated]
    residents = _residents({a.head_id_number_hash for a in everyone})
    now = timezone.now()
    for alert in plan.new:
        alert.resident_id = residents.get(alert.head_id_number_hash)
        alert.first_run = alert.last_run = run
        alert.deadline = _shifted(alert.deadline, plan.shift)  # a 15-day check stays a 15-day check
    repeated = []
    for alert, old in plan.repeated:
        alert.resident_id = residents.get(alert.head_id_number_hash)
        alert.pk, alert.first_run_id, alert.deadline = old.pk, old.first_run_id, old.deadline
        alert.times_seen = min(old.times_seen + 1, 32767)
        alert.last_run, alert.updated_at = run, now
        repeated.append(alert)
    try:
        with transaction.atomic():
            Alert.objects.bulk_create(plan.new, batch_size=CHUNK)
            _update_repeated(repeated)
    except IntegrityError:
        # Another import opened the same household's alert outside this scope meanwhile.
        raise LinliError(AssistanceErrorCode.RUN_BUSY, "另一批次同时导入了相同家庭的预警，未导入任何预警；请稍后重试",
                         status=409) from None
    run.alerts_imported, run.alerts_repeated = len(plan.new), len(repeated)
    run.save(update_fields=["alerts_imported", "alerts_repeated"])
    audit_record(actor=by, action="assistance.run_import", target=run, area_code=checked.area.code,
                 data={"run_id": run.run_id, "total": run.alerts_total, "new": run.alerts_imported,
                       "repeated": run.alerts_repeated, "out_of_scope": run.alerts_out_of_scope,
                       "covered": run.alerts_covered, "cleared": run.alerts_cleared,
                       "no_community": run.alerts_no_community, "deadline_shift": run.deadline_shift})
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


def _discard(batch: ImportBatch) -> None:
    batch.status, batch.content = ImportBatch.Status.DISCARDED, ""
    batch.save(update_fields=["status", "content"])


def run_upload_preview(*, by: Any, area_code: str, alerts: bytes, report: bytes) -> tuple[ImportBatch, RunPreview]:
    """Checks both files (file-level refusals raise) and keeps them, encrypted, for the commit; an
    upload that cannot be imported (row errors, nothing left to import) is not kept: discarded at once."""
    preview = run_preview(by=by, area_code=area_code, alerts=alerts, report=report)
    kept = preview.ok
    batch = ImportBatch.objects.create(
        spec=SPEC, created_by=by, area_code=preview.area_code, filename=f"{preview.run_id}.zip",
        content=_pack(alerts, report) if kept else "",
        status=ImportBatch.Status.PREVIEWED if kept else ImportBatch.Status.DISCARDED,
        row_count=preview.total, error_count=preview.errors_total)
    audit_record(actor=by, action="import.preview", target=batch, area_code=preview.area_code,
                 data={"run_id": preview.run_id, "rows": preview.total, "errors": preview.errors_total,
                       "kept": kept})
    return batch, preview


@transaction.atomic
def run_batch_preview(*, by: Any, batch_id: Any) -> tuple[ImportBatch, RunPreview]:
    """The kept upload's preview again, checked against the database as it is now (NOT_FOUND unless
    ``by`` made it; committed or discarded: IMPORT_STATE). One that can no longer be imported is discarded."""
    batch = _batch(by, batch_id, lock=True)
    alerts, report = _unpack(batch.content)
    preview = run_preview(by=by, area_code=batch.area_code, alerts=alerts, report=report)
    if not preview.ok:
        _discard(batch)
    return batch, preview


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
    _discard(_batch(by, batch_id, lock=True))


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
    today = timezone.localdate()
    # The run's as_of date: a run imported late may have been checked at the door before its import.
    as_of = MonitoringRun.objects.filter(pk=locked.first_run_id).values_list("as_of", flat=True).first()
    earliest = min(as_of or today, timezone.localdate(locked.created_at))
    if visited_on > today:
        raise invalid("visited_on", "入户日期", f"不能晚于今天（{today:%Y-%m-%d}）")
    if visited_on < earliest:
        raise invalid("visited_on", "入户日期", f"不能早于比对基准日 {earliest:%Y-%m-%d}")
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


def _seen(by: Any, pk: int, area_code: str, label: str, reason: str) -> AccessLog:
    # Neutral label and reason: the access-log page is read by admins who may not see assistance data.
    return AccessLog(actor=by, target_type="assistance.alert", target_id=str(pk), target_label=label[:100],
                     field="assistance", reason=reason[:200], area_code=area_code)


def alert_view_log(*, by: Any, alert: Alert, what: str) -> None:
    """The access-log row for a view of one household's alert (its detail)."""
    _seen(by, alert.pk, alert.area_id, f"监测预警 #{alert.pk}", what).save()


def alert_list_log(*, by: Any, shown: Iterable[tuple[int, str, str]], what: str) -> int:
    """One access-log row per alert shown on a list page or exported, written in one statement:
    ``shown`` holds (pk, community code, community name). Answers "who saw household X"."""
    rows = [_seen(by, pk, code, name, what) for pk, code, name in shown]
    AccessLog.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


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
