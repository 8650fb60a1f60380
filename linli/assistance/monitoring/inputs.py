"""Read and check the departments' files: typed clean tables plus the problems found.

Every check is an Ibis expression run by the backend over the whole file (no Python loop over
rows). Text (CSV, or a Parquet column of another type) is parsed once into a kept table; Parquet
already in the schema's types is read in place. One query counts every row check, duplicated keys
and unknown references; for the records of persons on DuckDB, one group-by by person does it (see
``_per_person``). Only the problem rows come back to Python, at most ``LISTED_PER_FILE`` per file
(all are counted). References are checked against the referenced file's *clean* rows, so a
household skipped for a bad value takes its persons, and their records, with it. In skip mode a
file with skipped rows is kept once, clean, so the rules do not redo the checks.

``on_error="stop"``: every problem is collected and ``ok`` is False if there is any.
``on_error="skip"``: bad rows are left out and counted; ``ok`` stays True unless a file could not
be used at all (missing, unreadable, missing columns).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.datatypes as idt
import ibis.expr.types as ir
import pyarrow as pa

from .backends import ROW, Backend, InputFileError
from .schema import INPUTS, TIERS, Column, InputTable

LISTED_PER_FILE = 1000
# Keep a copy of Parquet files already in the schema's types (see _Loader.load)?
MATERIALIZE_TYPED_FILES = False

# Problem kinds (Problem.key) and their Chinese labels, for counting in the run's report.
KINDS: dict[str, str] = {
    "missing_file": "缺少文件",
    "unreadable": "文件无法读取",
    "missing_column": "缺少列",
    "wrong_type": "类型错误",
    "missing_value": "缺少必填值",
    "negative": "负数",
    "future": "日期晚于比对基准日",
    "bad_value": "取值不合法",
    "area": "地区代码不合法或未覆盖",
    "reimbursed": "报销金额大于总费用",
    "duplicate": "重复记录",
    "reference": "引用的家庭或人员不存在",
}
FILE_LEVEL = frozenset({"missing_file", "unreadable", "missing_column"})

TYPE_ZH = {"int64": "整数", "int8": "整数", "float64": "数字", "date": "日期（YYYY-MM-DD）",
           "bool": "是否值（true/false、1/0、是/否）", "string": "文本"}
IBIS_TYPE: dict[str, idt.DataType] = {
    "int64": idt.int64, "int8": idt.int8, "float64": idt.float64,
    "date": idt.date, "bool": idt.boolean, "string": idt.string,
}
ID_TITLES = {"household_id": "家庭编号", "person_id": "人员编号"}
TRUE_WORDS = ("true", "1", "是")
FALSE_WORDS = ("false", "0", "否")
TIER_WORDS = {title: code for code, title in TIERS.items() if code}  # 低保 -> dibao, also accepted
MAX_DISABILITY_GRADE = 4

_INT_RE = r"^[+-]?[0-9]+$"
_FLOAT_RE = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$"
_DATE_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_MONTH_RE = r"^[0-9]{4}-[0-9]{2}$"


@dataclass(frozen=True)
class Problem:
    file: str  # the file's name, e.g. "persons.csv"
    row: int | None  # data row, 1-based, header not counted; None: the whole file
    column: str | None
    key: str  # the kind, one of KINDS
    reason: str  # in Chinese, for people


@dataclass
class LoadResult:
    tables: dict[str, ir.Table]  # schema name -> clean typed table (no _row)
    problems: list[Problem]  # listed: at most LISTED_PER_FILE per file, by row
    counts: dict[str, dict[str, int]]  # file -> {"read", "bad" (rows with a problem), "skipped"}
    problem_counts: dict[str, dict[str, int]] = field(default_factory=dict)  # file -> kind label -> all
    files: dict[str, str] = field(default_factory=dict)  # schema name -> file name read
    ok: bool = True

    @property
    def problems_total(self) -> int:
        return sum(sum(c.values()) for c in self.problem_counts.values())


@dataclass
class _Check:
    column: str | None
    kind: str
    cond: ir.BooleanValue
    reason: Callable[[dict[str, Any]], str]
    show: tuple[str, ...] = ()  # columns fetched for the reason


def load_inputs(
    backend: Backend,
    inputs_dir: Path,
    *,
    as_of: dt.date,
    regions: list[str] | None,
    on_error: str = "stop",
    progress: Callable[[str], None] | None = None,
) -> LoadResult:
    if on_error not in ("stop", "skip"):
        raise ValueError(f"on_error 应为 stop 或 skip，而不是 {on_error!r}")
    loader = _Loader(backend, Path(inputs_dir), as_of, list(regions or []), on_error == "skip", progress)
    for spec in INPUTS:
        loader.load(spec)
    result = loader.result
    kinds = {p.key for p in result.problems}
    result.ok = not (kinds & FILE_LEVEL) and (loader.skip or not result.problem_counts)
    loader.release()
    return result


class _Loader:
    def __init__(self, backend: Backend, folder: Path, as_of: dt.date, regions: list[str], skip: bool,
                 progress: Callable[[str], None] | None) -> None:
        self.backend = backend
        self.folder = folder
        self.as_of = as_of
        self.regions = regions
        self.skip = skip
        self.progress = progress or (lambda _msg: None)
        self.result = LoadResult(tables={}, problems=[], counts={})
        self.checked: dict[str, ir.Table] = {}  # schema name -> typed table with _row, every row
        self.unusable: set[str] = set()  # schema names whose file could not be used
        self.scratch: list[ir.Table] = []  # kept tables only the checks need: freed by release()

    # --- one file ------------------------------------------------------------------------------

    def load(self, spec: InputTable) -> None:
        path = self._find(spec)
        if path is None:
            return
        file = path.name
        self.result.files[spec.name] = file
        self.progress(f"读取 {file}")
        try:
            raw = self.backend.read(path)
        except InputFileError as e:
            self._file_problem(spec, file, None, "unreadable", str(e))
            return
        missing = [c.name for c in spec.columns if c.name not in raw.columns]
        if missing:
            for name in missing:
                self._file_problem(spec, file, name, "missing_column", f"缺少列 {name}")
            return

        typed, raws = _typed(raw, spec, self.as_of, native_trim=self.backend.name == "duckdb")
        if raws or MATERIALIZE_TYPED_FILES:
            # Text to parse (CSV, or a Parquet column of another type): parse once, keep the result.
            checked = self.backend.materialize(typed, f"checked_{spec.name}")
        else:
            # Parquet in the schema's types: reading the file again costs about what scanning a kept
            # copy does, and a kept copy of 120 M monthly rows would take gigabytes.
            checked = typed
        self.checked[spec.name] = checked
        checks = self._row_checks(spec, checked, raws)
        listed: list[Problem] = []
        counts: dict[str, int] = {}

        rowbad = _any(ch.cond for ch in checks)
        key = list(spec.key)
        refs = [(col, other, other_col, self.result.tables[other]) for col, other, other_col in spec.references
                if other not in self.unusable and other in self.result.tables]
        per = self._per_person(spec, checked, checks)
        if per is None:
            # One query: the row checks over every row; duplicates and references over the good rows.
            good = checked.filter(~rowbad)
            suspects = good
            groups = suspects.group_by(key).aggregate(_n=suspects.count(), _first=suspects[ROW].min())
            aggs: dict[str, ir.Scalar] = {"n": checked.count(), "bad": ibis.ifelse(rowbad, 1, 0).sum()}
            aggs.update({f"c{i}": ibis.ifelse(ch.cond, 1, 0).sum() for i, ch in enumerate(checks)})
            parts = [checked.aggregate(**aggs), groups.aggregate(dups=ibis.ifelse(groups._n > 1, groups._n - 1, 0).sum())]
            unknowns = []
            for j, (col, _other, other_col, target) in enumerate(refs):
                unknowns.append(good.anti_join(target, good[col] == target[other_col]))
                parts.append(unknowns[-1].aggregate(**{f"r{j}": unknowns[-1].count()}))
            combined = parts[0]
            for part in parts[1:]:
                combined = combined.cross_join(part)
            totals = _one_row(combined)
        else:
            totals, good, suspects, unknowns = self._per_person_totals(per, checked, checks, rowbad, refs)
            groups = suspects.group_by(key).aggregate(_n=suspects.count(), _first=suspects[ROW].min())
            totals["dups"] = _one_row(groups.aggregate(x=ibis.ifelse(groups._n > 1, groups._n - 1, 0).sum()))["x"]
        read = int(totals["n"] or 0)
        bad_rows = int(totals["bad"] or 0)
        for i, ch in enumerate(checks):
            n = int(totals[f"c{i}"] or 0)
            if n:
                _add(counts, ch.kind, n)
                listed += self._list(file, checked, ch)

        # Duplicates among the rows that are otherwise fine: the second and later rows of a key.
        removed: list[ir.Table] = []
        dups = int(totals["dups"] or 0)
        if dups:
            _add(counts, "duplicate", dups)
            multi = groups.filter(groups._n > 1).drop("_n")
            dup_rows = suspects.join(multi, key).filter(lambda t: t[ROW] != t._first).select(ROW, "_first")
            listed += self._list_rows(
                file, dup_rows, ",".join(key), "duplicate", lambda r: f"重复记录（与第 {r['_first']} 行相同）"
            )
            removed.append(dup_rows.select(ROW))

        # References, against the referenced file's clean rows (so skipped rows cascade).
        for j, ((col, other, other_col, _target), unknown) in enumerate(zip(refs, unknowns, strict=True)):
            n = int(totals[f"r{j}"] or 0)
            if n:
                _add(counts, "reference", n)
                listed += self._reference_problems(file, unknown, col, other, other_col)
                removed.append(unknown.select(ROW))

        gone: ir.Table | None = None  # _row of the rows dropped after the row checks
        for r in removed:
            gone = r if gone is None else gone.union(r)
        # A row can be both a duplicate and an orphan: count rows, not problems.
        bad = bad_rows + (int(gone.distinct().count().execute()) if gone is not None else 0)
        listed.sort(key=lambda p: (p.row or 0, p.column or ""))
        self.result.problems += listed[:LISTED_PER_FILE]
        if counts:
            self.result.problem_counts[file] = {KINDS[k]: v for k, v in counts.items()}
        self.result.counts[file] = {"read": read, "bad": bad, "skipped": bad if self.skip else 0}

        base = good if bad_rows else checked  # not re-filtering on every later read
        clean = base if gone is None else base.anti_join(gone, ROW)
        clean = clean.select(*[clean[c.name].cast(IBIS_TYPE[c.type]).name(c.name) for c in spec.columns])
        if bad and self.skip:
            # Kept once, so the rules and the files that reference this one do not redo the checks.
            clean = self.backend.materialize(clean, f"clean_{spec.name}")
            if checked is not typed:
                self.scratch.append(checked)
        self.result.tables[spec.name] = clean
        self.progress(f"{file}：{read} 行" + (f"，{bad} 行有问题" if bad else ""))

    def _find(self, spec: InputTable) -> Path | None:
        found = [p for ext in (".parquet", ".csv") if (p := self.folder / f"{spec.name}{ext}").is_file()]
        if len(found) > 1:
            self._file_problem(spec, found[0].name, None, "unreadable",
                               f"同时存在 {found[0].name} 和 {found[1].name}，请只保留一个")
            return None
        if found:
            return found[0]
        if spec.required:
            self._file_problem(spec, f"{spec.name}.parquet", None, "missing_file",
                               f"缺少文件 {spec.name}.parquet 或 {spec.name}.csv（{spec.title}，{spec.department}）")
            return None
        self.result.tables[spec.name] = empty_table(spec)
        self.result.counts[f"{spec.name}.parquet"] = {"read": 0, "bad": 0, "skipped": 0}
        return None

    def _file_problem(self, spec: InputTable, file: str, column: str | None, kind: str, reason: str) -> None:
        self.unusable.add(spec.name)
        self.result.problems.append(Problem(file, None, column, kind, reason))
        _add(self.result.problem_counts.setdefault(file, {}), KINDS[kind], 1)
        self.result.counts[file] = {"read": 0, "bad": 0, "skipped": 0}
        # The rules still get a table of the right shape; the run stops anyway (ok is False).
        self.result.tables[spec.name] = empty_table(spec)

    # --- the checks ----------------------------------------------------------------------------

    def _row_checks(self, spec: InputTable, t: ir.Table, raws: set[str]) -> list[_Check]:
        checks: list[_Check] = []
        for c in spec.columns:
            v = t[c.name]
            if c.name in raws:
                checks.append(_Check(c.name, "wrong_type", t[_raw(c.name)].notnull(),
                                     _wrong_type(c), (_raw(c.name),)))
            if not c.nullable:
                cond = v.isnull() & t[_raw(c.name)].isnull() if c.name in raws else v.isnull()
                checks.append(_Check(c.name, "missing_value", cond, lambda r: "必填，不能为空"))
            if c.non_negative:
                what = "金额为负数" if c.type == "float64" else "不能为负数"
                checks.append(_Check(c.name, "negative", (v < 0).fill_null(False), _const(what)))
            if c.not_future:
                checks.append(_Check(c.name, "future", (v > self.as_of).fill_null(False),
                                     lambda r: f"日期晚于比对基准日 {self.as_of.isoformat()}"))
            if c.name == "month":
                checks.append(_Check(c.name, "bad_value", (v.day() != 1).fill_null(False),
                                     lambda r: "月份应写作当月 1 日（如 2026-03-01）"))
        checks += self._value_checks(spec, t)
        return checks

    def _value_checks(self, spec: InputTable, t: ir.Table) -> list[_Check]:
        out: list[_Check] = []
        if spec.name == "households":
            tier = t.tier
            out.append(_Check("tier", "bad_value", (~tier.isin(list(TIERS))).fill_null(False),
                              lambda r: f"救助类别“{r['tier']}”应为 tekun、dibao、bianyuan、gangxing 之一或留空",
                              ("tier",)))
            code = t.area_code
            bad_code = (~code.re_search(r"^[0-9]{12}$")).fill_null(False)
            out.append(_Check("area_code", "area", bad_code,
                              lambda r: f"地区代码“{r['area_code']}”应为 12 位数字", ("area_code",)))
            if self.regions:
                covered = _any(code.startswith(p) for p in self.regions)
                out.append(_Check("area_code", "area", (~bad_code & ~covered).fill_null(False),
                                  lambda r: f"参数文件未覆盖该地区 {r['area_code']}", ("area_code",)))
        elif spec.name == "persons":
            out.append(_Check("disability_grade", "bad_value",
                              (t.disability_grade > MAX_DISABILITY_GRADE).fill_null(False),
                              lambda r: f"残疾等级应为 0（无）至 {MAX_DISABILITY_GRADE}，实际为 {r['disability_grade']}",
                              ("disability_grade",)))
        elif spec.name == "medical":
            out.append(_Check("reimbursed", "reimbursed", (t.reimbursed > t.total).fill_null(False),
                              lambda r: f"报销金额 {r['reimbursed']} 大于总费用 {r['total']}",
                              ("reimbursed", "total")))
        return out

    def _per_person(self, spec: InputTable, checked: ir.Table, checks: list[_Check]) -> ir.Table | None:
        """For the records of persons on DuckDB: one pass groups the file by person, counting rows
        and bad rows, and (monthly files) a mask of the good rows' months. The duplicate
        and reference checks then work on this table of persons rather than on every row: grouping
        by (person, month) builds a hash table as large as the file (4 s for 12 M rows here), by
        person with the mask 0.8 s. Exact: two rows of one month set the same bit, so sum ≠ bit_or
        (months 48 apart share a bit too; the exact check on those persons' rows clears them)."""
        key = list(spec.key)
        if (
            self.backend.name != "duckdb"  # Spark's compiler has no bit_or; it runs for agreement
            or spec.references != (("person_id", "persons", "person_id"),)
            or key not in (["person_id", "month"], ["person_id"])
        ):
            return None
        rowbad = _any(ch.cond for ch in checks)
        aggs: dict[str, ir.Scalar] = {"_n": checked.count(), "_bad": ibis.ifelse(rowbad, 1, 0).sum()}
        if key == ["person_id", "month"]:
            month = checked.month
            bit = ibis.literal(1, "int64") << ((month.year() * 12 + month.month()) % 48).cast("int64")
            good_bit = ibis.ifelse(rowbad, ibis.literal(0, "int64"), bit)
            aggs["_sum"] = good_bit.sum()
            aggs["_or"] = good_bit.bit_or()
        per = checked.group_by("person_id").aggregate(**aggs)
        kept = self.backend.materialize(per, f"per_person_{spec.name}")
        self.scratch.append(kept)
        return kept

    def _per_person_totals(self, per: ir.Table, checked: ir.Table, checks: list[_Check], rowbad: ir.BooleanValue,
                           refs: list[tuple[str, str, str, ir.Table]]) -> tuple[dict[str, Any], ir.Table, ir.Table, list[ir.Table]]:
        """Counts from the table of persons; the rows themselves are read again only for a problem."""
        aggs: dict[str, ir.Scalar] = {"n": per._n.sum(), "bad": per._bad.sum()}
        monthly = "_or" in per.columns
        doubtful = (per._sum != per._or) if monthly else (per._n - per._bad > 1)
        aggs["suspects"] = ibis.ifelse(doubtful, 1, 0).sum()
        absent_per = []
        for _col, _other, other_col, target in refs:
            absent = per.filter(per._n > per._bad).anti_join(target, per.person_id == target[other_col])
            absent_per.append(absent)
        totals = _one_row(per.aggregate(**aggs))
        for j, absent in enumerate(absent_per):
            totals[f"r{j}"] = _one_row(absent.aggregate(x=(absent._n - absent._bad).sum()))["x"]
        bad_rows = int(totals["bad"] or 0)
        counts = {f"c{i}": ibis.ifelse(ch.cond, 1, 0).sum() for i, ch in enumerate(checks)}
        if bad_rows and counts:  # which checks: a second pass, only when some rows are bad
            totals.update(_one_row(checked.aggregate(**counts)))
        else:
            totals.update({k: 0 for k in counts})
        good = checked.filter(~rowbad) if bad_rows else checked
        suspects = good.limit(0)
        if totals["suspects"]:
            suspects = good.semi_join(per.filter(doubtful).select("person_id"), "person_id")
        unknowns = [good.semi_join(a.select("person_id"), "person_id") for a in absent_per]
        return totals, good, suspects, unknowns

    # --- listing the problem rows --------------------------------------------------------------

    def _list(self, file: str, t: ir.Table, ch: _Check) -> list[Problem]:
        rows = t.filter(ch.cond).select(ROW, *ch.show)
        return self._list_rows(file, rows, ch.column, ch.kind, ch.reason)

    def _list_rows(self, file: str, rows: ir.Table, column: str | None, kind: str,
                   reason: Callable[[dict[str, Any]], str]) -> list[Problem]:
        got = rows.order_by(ROW).limit(LISTED_PER_FILE).to_pyarrow().to_pylist()
        return [Problem(file, int(r[ROW]), column, kind, reason(r)) for r in got]

    def _reference_problems(self, file: str, unknown: ir.Table, col: str, other: str, other_col: str) -> list[Problem]:
        got = unknown.select(ROW, col).order_by(ROW).limit(LISTED_PER_FILE).to_pyarrow().to_pylist()
        values = sorted({r[col] for r in got})
        # Tell "not in the file" from "in the file but skipped for its own problems".
        everyone = self.checked.get(other)
        present: set[Any] = set()
        if everyone is not None and values:
            present = set(everyone.filter(everyone[other_col].isin(values))[other_col].to_pyarrow().to_pylist())
        other_spec = next(s for s in INPUTS if s.name == other)
        other_file = self.result.files.get(other, f"{other}.parquet")
        title = ID_TITLES.get(col, col)
        out = []
        for r in got:
            v = r[col]
            if v in present:
                why = f"{title} {v} 在{other_spec.title}文件（{other_file}）中的记录有问题，未能使用"
            else:
                why = f"{title} {v} 不在{other_spec.title}文件中"
            out.append(Problem(file, int(r[ROW]), col, "reference", why))
        return out

    def release(self) -> None:
        """Free what only the checks needed (the clean tables stay)."""
        for table in self.scratch:
            self.backend.drop(table)
        self.scratch.clear()


# --- typing -------------------------------------------------------------------------------------


def _raw(name: str) -> str:
    return f"_raw_{name}"


def _typed(raw: ir.Table, spec: InputTable, as_of: dt.date, *, native_trim: bool = False) -> tuple[ir.Table, set[str]]:
    """Each schema column in its type, plus ``_raw_<col>`` (the text, only where it did not parse)
    for the columns that needed parsing. ``native_trim``: DuckDB's trim() instead of a regex."""
    trim = _native_trim if native_trim else _trim
    cols: list[ir.Value] = [raw[ROW]]
    raws: set[str] = set()
    for c in spec.columns:
        value, bad = _convert(raw[c.name], c, trim)
        if c.name == "tier":
            value = value.substitute(TIER_WORDS).fill_null("")
        cols.append(value.cast(IBIS_TYPE[c.type]).name(c.name))
        if bad is not None:
            raws.add(c.name)
            cols.append(ibis.ifelse(bad, raw[c.name].cast("string"), ibis.null("string")).name(_raw(c.name)))
    return raw.select(*cols), raws


def _convert(col: ir.Value, c: Column, trim: Callable[[ir.StringValue], ir.StringValue] | None = None
             ) -> tuple[ir.Value, ir.BooleanValue | None]:
    """(value in the column's type, per-row "did not convert" condition or None if lossless)."""
    trim = trim or _trim
    src = col.type()
    target = IBIS_TYPE[c.type]
    if src == target or (src.is_string() and target.is_string()):
        if target.is_string():
            s = trim(col)
            return ibis.ifelse(s == "", ibis.null("string"), s), None
        return col, None
    if target.is_string():
        if src.is_integer() or src.is_string():
            return col.cast("string"), None
        return _from_string(col.cast("string"), c, trim)
    if src.is_string():
        return _from_string(col, c, trim)
    if target.is_integer():
        lo, hi = (-128, 127) if c.type == "int8" else (-(2**63), 2**63 - 1)
        if src.is_integer():
            bad = ((col < lo) | (col > hi)).fill_null(False) if c.type == "int8" else None
        elif src.is_floating() or src.is_decimal():
            bad = (col.notnull() & ((col != col.floor()) | (col < lo) | (col > hi))).fill_null(True)
        elif src.is_boolean():
            return col.cast(target), None
        else:
            return _from_string(col.cast("string"), c, trim)
        value = col.cast(target) if bad is None else ibis.ifelse(bad, ibis.null(target), col.cast(target))
        return value, bad
    if target.is_floating():
        if src.is_integer() or src.is_decimal():
            return col.cast(target), None
        if src.is_floating():
            bad = col.notnull() & (col.isnan() | col.isinf()).fill_null(False)
            return ibis.ifelse(bad, ibis.null(target), col.cast(target)), bad
        return _from_string(col.cast("string"), c, trim)
    if target.is_date():
        if src.is_timestamp():
            has_time = (col.hour() != 0) | (col.minute() != 0) | (col.second() != 0)
            bad = col.notnull() & has_time.fill_null(False)
            return ibis.ifelse(bad, ibis.null(target), col.date()), bad
        return _from_string(col.cast("string"), c, trim)
    if target.is_boolean():
        if src.is_integer():
            bad = col.notnull() & ~col.isin([0, 1])
            return ibis.ifelse(bad, ibis.null(target), col == 1), bad
        return _from_string(col.cast("string"), c, trim)
    return _from_string(col.cast("string"), c, trim)


def _trim(col: ir.StringValue) -> ir.StringValue:
    # Not .strip(): ibis writes its character set with \v and \f escapes, which Spark reads as the
    # letters v and f ("false" would lose its f). Full-width spaces (U+3000) are trimmed too.
    return col.re_replace("^[\\s\u3000]+|[\\s\u3000]+$", "")


# The characters the regex above trims (RE2: \s is [\t\n\f\r ]), plus U+3000.
_TRIM_CHARS = " \t\n\f\r\u3000"


@ibis.udf.scalar.builtin(name="trim")
def _duckdb_trim(s: str, chars: str) -> str:  # type: ignore[empty-body]
    """DuckDB's trim(s, chars)."""


def _native_trim(col: ir.StringValue) -> ir.StringValue:
    # The regex costs about 6 s over the text columns of 10 M persons; trim() is a plain scan.
    return _duckdb_trim(col, _TRIM_CHARS)


def _from_string(col: ir.StringValue, c: Column,
                 trim: Callable[[ir.StringValue], ir.StringValue]) -> tuple[ir.Value, ir.BooleanValue]:
    s = trim(col)
    s = ibis.ifelse(s == "", ibis.null("string"), s)
    target = IBIS_TYPE[c.type]
    if c.type in ("int64", "int8"):
        lo, hi = (-128, 127) if c.type == "int8" else (None, None)
        v = ibis.ifelse(s.re_search(_INT_RE), s, ibis.null("string")).try_cast("int64")
        ok = v.notnull() if lo is None else (v.notnull() & v.between(lo, hi))
    elif c.type == "float64":
        v = ibis.ifelse(s.re_search(_FLOAT_RE), s, ibis.null("string")).try_cast("float64")
        ok = v.notnull() & ~v.isinf()
    elif c.type == "date":
        if c.name == "month":  # "2026-03" is the month's first day
            s = ibis.ifelse(s.re_search(_MONTH_RE), s.concat("-01"), s)
        v = ibis.ifelse(s.re_search(_DATE_RE), s, ibis.null("string")).try_cast("date")
        ok = v.notnull()
    elif c.type == "bool":
        w = s.lower()
        v = w.isin(TRUE_WORDS)
        ok = w.isin(TRUE_WORDS + FALSE_WORDS)
    else:  # string
        return s, ibis.literal(False)
    bad = s.notnull() & ~ok.fill_null(False)
    return ibis.ifelse(bad, ibis.null(target), v.cast(target)), bad


def _const(text: str) -> Callable[[dict[str, Any]], str]:
    return lambda _row: text


def _wrong_type(c: Column) -> Callable[[dict[str, Any]], str]:
    expected = TYPE_ZH[c.type]
    return lambda r: f"应为{expected}，实际为“{r[_raw(c.name)]}”"


# --- helpers ------------------------------------------------------------------------------------


def empty_table(spec: InputTable) -> ir.Table:
    """A table with the file's columns and types and no rows (an optional file that is absent)."""
    schema = ibis.schema({c.name: IBIS_TYPE[c.type] for c in spec.columns})
    return ibis.memtable(pa.Table.from_pylist([], schema=schema.to_pyarrow()))


def _any(conds: Iterable[ir.BooleanValue]) -> ir.BooleanValue:
    out: ir.BooleanValue | None = None
    for cond in conds:
        out = cond if out is None else (out | cond)
    return out if out is not None else ibis.literal(False)


def _one_row(expr: ir.Table) -> dict[str, Any]:
    return expr.to_pyarrow().to_pylist()[0]


def _add(counts: dict[str, int], kind: str, n: int) -> None:
    counts[kind] = counts.get(kind, 0) + n
