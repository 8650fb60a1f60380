"""Demo data for assistance monitoring: one month's run of the matching engine over a small synthetic
registry of the two demo communities, imported for the district, with a few home checks recorded.

The registry comes from ``monitoring.generate`` (≈600 persons); its households are then dressed as
the demo's own (``_dress``), so an alert leads to a resident the officer can open. The engine runs
on DuckDB with the example parameters (marked as such on every page), as of ten days ago and
imported that day, so some home checks are already overdue and flagged to the street.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from django.db.models import F
from django.utils import timezone

from linli.assistance import services
from linli.assistance.models import Alert, AlertStatus, MonitoringRun
from linli.assistance.monitoring.schema import INPUTS
from linli.people.models import HouseholdMember, Relation, Resident

XINGJIAQIAO = "500112009011"
JINZHUYUAN = "500112022006"
DISTRICT = "500112"
PERSONS = 600
SEED = 2026
RUN_DAYS_AGO = 10  # as of ten days ago: reviews already due then are late; the others (15 or 30 days) not yet
MIN_RESIDENTS = 100  # per community; a smaller demo (``--size``) goes without
PARAMS = Path(__file__).parent / "monitoring" / "params" / "example.toml"


def _heads(code: str) -> list[Any]:
    """The demo's households of a community with their heads, oldest first."""
    rows = (HouseholdMember.objects.filter(relation=Relation.HEAD, left_at__isnull=True,
                                           household__area__code__startswith=code)
            .select_related("resident", "household").order_by("household_id"))
    return list(rows)


def _dress(inputs: Path) -> None:
    """The generated households become the demo's: each takes the address and the head (name, ID
    number, birth date) of a demo household of its community. Generated households beyond the
    demo's are dropped with their members and records, so every alert is about a demo household."""
    households = pq.read_table(inputs / "households.parquet")
    ids = households.column("household_id").to_pylist()
    areas = households.column("area_code").to_pylist()
    address_of: dict[int, str] = {}
    head_of: dict[int, Any] = {}
    for code in (XINGJIAQIAO, JINZHUYUAN):
        mine = [hid for hid, area in zip(ids, areas, strict=True) if area == code]
        for hid, member in zip(mine, _heads(code), strict=False):
            address_of[hid], head_of[hid] = member.household.address, member.resident
    kept = pa.array(sorted(address_of), pa.int64())
    households = households.filter(pc.is_in(households.column("household_id"), kept))
    households = _set(households, "address", [address_of[h] for h in households.column("household_id").to_pylist()],
                      pa.string())
    persons = pq.read_table(inputs / "persons.parquet")
    persons = persons.filter(pc.is_in(persons.column("household_id"), kept))
    names, numbers, births = (persons.column(c).to_pylist() for c in ("name", "id_number", "birth_date"))
    heads = zip(persons.column("household_id").to_pylist(), persons.column("is_head").to_pylist(), strict=True)
    for i, (hid, is_head) in enumerate(heads):
        if is_head:
            resident = head_of[hid]
            names[i], numbers[i], births[i] = resident.name, resident.id_number, resident.birth_date
    persons = _set(_set(_set(persons, "name", names, pa.string()), "id_number", numbers, pa.string()),
                   "birth_date", births, pa.date32())
    pq.write_table(households, inputs / "households.parquet")
    pq.write_table(persons, inputs / "persons.parquet")
    person_ids = persons.column("person_id")
    for table in INPUTS:
        path = inputs / f"{table.name}.parquet"
        if table.name not in ("households", "persons") and path.exists():
            records = pq.read_table(path)
            pq.write_table(records.filter(pc.is_in(records.column("person_id"), person_ids)), path)


def _set(table: pa.Table, name: str, values: list[Any], kind: pa.DataType) -> pa.Table:
    return table.set_column(table.schema.get_field_index(name), name, pa.array(values, kind))


def _run(folder: Path, as_of: dt.date) -> Path:
    from linli.assistance.monitoring.engine import run
    from linli.assistance.monitoring.generate import generate

    inputs, out = folder / "inputs", folder / "out"
    generate(inputs, persons=PERSONS, seed=SEED, as_of=as_of, communities=[XINGJIAQIAO, JINZHUYUAN])
    _dress(inputs)
    report = run(inputs, PARAMS, out, engine="duckdb", as_of=as_of)
    if not report.ok:
        raise RuntimeError(f"演示数据的比对运行失败：{out / 'report.json'}")
    return out


def _home_checks(staff: dict[str, Any], today: dt.date) -> None:
    """Two households visited today: one alert cleared in 邢家桥, one referred in 金竹苑."""
    open_alerts = Alert.objects.filter(status=AlertStatus.OPEN).order_by("deadline", "pk")
    xjq = open_alerts.filter(area__code=XINGJIAQIAO, rule="income_above_line").first() or open_alerts.filter(
        area__code=XINGJIAQIAO).first()
    if xjq is not None:
        services.home_check_record(by=staff["xjq-aid"], alert=xjq, outcome="cleared", visited_on=today,
                                   note="入户核实：户主之子上月领到一次性补发工资，平时收入未超过低保标准，排除预警。")
    jzy = open_alerts.filter(area__code=JINZHUYUAN, alert_class="proactive").first() or open_alerts.filter(
        area__code=JINZHUYUAN).first()
    if jzy is not None:
        services.home_check_record(by=staff["yb-aid"], alert=jzy, outcome="referred", visited_on=today,
                                   note="入户了解：家中老人患病住院，自付费用较多，已协助申请医疗救助。",
                                   referred_to="渝北区医疗保障局")


def _imported_on_the_day(run: MonitoringRun) -> None:
    """The demo's history: the run was imported the day it ran, so its deadlines are the engine's
    (an import today moved them by the days since), and some checks are late by now."""
    moment = timezone.make_aware(dt.datetime.combine(run.as_of, dt.time(9, 0)))
    Alert.objects.filter(first_run=run).update(deadline=F("deadline") - dt.timedelta(days=run.deadline_shift),
                                               created_at=moment, updated_at=moment)
    MonitoringRun.objects.filter(pk=run.pk).update(deadline_shift=0, imported_at=moment)


def demo_build(*, staff: dict[str, Any], today: dt.date) -> None:
    if min(Resident.objects.filter(area__code__startswith=code).count()
           for code in (XINGJIAQIAO, JINZHUYUAN)) < MIN_RESIDENTS:
        return
    as_of = today - dt.timedelta(days=RUN_DAYS_AGO)
    with tempfile.TemporaryDirectory(prefix="linli-demo-monitor-") as folder:
        out = _run(Path(folder), as_of)
        run = services.run_import_dir(by=staff["yb-aid"], area_code=DISTRICT, out_dir=out)
    _imported_on_the_day(run)
    services.overdue_escalate()
    _home_checks(staff, today)
