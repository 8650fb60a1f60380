"""Reading the departments' files: every kind of bad input named by file, row and reason; stop and
skip; the cascade of skipped households; CSV and Parquet alike; the backends' row numbers."""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.datatypes as idt
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from linli.assistance.monitoring import backends, inputs
from linli.assistance.monitoring.inputs import Problem
from linli.assistance.monitoring.schema import INPUTS
from linli.assistance.tests.monitoring_files import AS_OF, base_rows, write_inputs
from linli.assistance.tests.spark import spark_backend  # noqa: F401  (fixture)

# Pure engine tests: no database, so CI runs them once (not again on PostgreSQL).
pytestmark = pytest.mark.engine

D = dt.date
FORMATS = ["parquet", "csv"]
IBIS = {"int64": idt.int64, "int8": idt.int8, "float64": idt.float64, "date": idt.date,
        "bool": idt.boolean, "string": idt.string}


@pytest.fixture(scope="module")
def duck():
    backend = backends.connect("duckdb", threads=1)
    yield backend
    backend.close()


def load(backend, folder, rows, fmt, on_error="stop", regions=("50",)):
    write_inputs(folder, rows, fmt)
    return inputs.load_inputs(backend, folder, as_of=AS_OF, regions=list(regions), on_error=on_error)


def problems(result, file_stem=None):
    return [(p.file.split(".")[0], p.row, p.column, p.key, p.reason)
            for p in result.problems if file_stem is None or p.file.startswith(file_stem + ".")]


def ids(result, name, col):
    return sorted(result.tables[name].to_pyarrow()[col].to_pylist())


# --- clean input ------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_clean_input_gives_typed_tables_with_the_schema(duck, tmp_path, fmt):
    result = load(duck, tmp_path, base_rows(), fmt)
    assert result.ok and result.problems == [] and result.problems_total == 0
    for spec in INPUTS:
        table = result.tables[spec.name]
        assert list(table.columns) == [c.name for c in spec.columns]
        assert [t.copy(nullable=True) for t in table.schema().types] == [IBIS[c.type] for c in spec.columns]
        assert result.counts[f"{spec.name}.{fmt}"] == {"read": len(base_rows()[spec.name]), "bad": 0, "skipped": 0}
    households = result.tables["households"].order_by("household_id").to_pyarrow().to_pylist()
    assert households[0]["tier"] == "dibao" and households[1]["tier"] == ""  # empty: not helped
    assert households[1]["address"] is None and households[1]["income_irregular"] is True
    assert households[0]["tier_since"] == D(2025, 3, 1)


def test_csv_and_parquet_give_the_same_tables(duck, tmp_path):
    a = load(duck, tmp_path / "p", base_rows(), "parquet")
    b = load(duck, tmp_path / "c", base_rows(), "csv")
    for spec in INPUTS:
        key = [(k, "ascending") for k in spec.key]
        assert a.tables[spec.name].to_pyarrow().sort_by(key).equals(b.tables[spec.name].to_pyarrow().sort_by(key))


def test_csv_conventions(duck, tmp_path):
    rows = base_rows()
    rows["households"][0]["income_irregular"] = "是"
    rows["households"][1]["income_irregular"] = " 0 "
    rows["persons"][0]["is_head"] = "TRUE"
    rows["persons"][1]["is_head"] = "否"
    rows["persons"][2]["is_head"] = "1"
    rows["households"][0]["tier"] = "低保"  # the Chinese name is understood too
    rows["income"][0]["month"] = "2026-01"  # a month may be written without its day
    rows["income"][1]["amount"] = " 500.50 "
    result = load(duck, tmp_path, rows, "csv")
    assert result.ok, result.problems
    hh = result.tables["households"].order_by("household_id").to_pyarrow().to_pylist()
    assert [h["income_irregular"] for h in hh] == [True, False] and hh[0]["tier"] == "dibao"
    persons = result.tables["persons"].order_by("person_id").to_pyarrow().to_pylist()
    assert [p["is_head"] for p in persons] == [True, False, True]
    income = result.tables["income"].order_by("month").to_pyarrow().to_pylist()
    assert income[0]["month"] == D(2026, 1, 1) and 500.5 in [r["amount"] for r in income]


def test_csv_with_bom_and_quoted_newline_counts_records(duck, tmp_path):
    write_inputs(tmp_path, base_rows(), "csv")
    lines = ["\ufeffhousehold_id,area_code,address,tier,tier_since,last_review,income_irregular",
             '1,500112001001,"幸福路\n1 号",dibao,2025-03-01,2026-03-01,false',
             "2,500112001001,,,,,yes"]
    (tmp_path / "households.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = inputs.load_inputs(duck, tmp_path, as_of=AS_OF, regions=["50"])
    assert problems(result, "households") == [
        ("households", 2, "income_irregular", "wrong_type", "应为是否值（true/false、1/0、是/否），实际为“yes”")
    ]


# --- the bad inputs -------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_missing_column_is_a_file_problem_even_when_skipping(duck, tmp_path, fmt):
    rows = base_rows()
    for r in rows["income"]:
        del r["amount"]
    result = load(duck, tmp_path, rows, fmt, on_error="skip")
    assert not result.ok
    assert problems(result) == [("income", None, "amount", "missing_column", "缺少列 amount")]
    assert result.problem_counts == {f"income.{fmt}": {"缺少列": 1}}
    assert result.tables["income"].count().execute() == 0  # never half-read


@pytest.mark.parametrize("on_error", ["stop", "skip"])
def test_missing_file(duck, tmp_path, on_error):
    rows = base_rows()
    del rows["deaths"]
    result = load(duck, tmp_path, rows, "parquet", on_error=on_error)
    assert not result.ok
    ((file, row, _column, key, reason),) = problems(result)
    assert (file, row, key) == ("deaths", None, "missing_file")
    assert reason == "缺少文件 deaths.parquet 或 deaths.csv（死亡登记，公安、卫健、殡葬）"


@pytest.mark.parametrize("fmt", FORMATS)
def test_wrong_types(duck, tmp_path, fmt):
    rows = base_rows()
    rows["income"][1]["month"] = "abc"
    rows["income"][2]["amount"] = "12元"
    rows["persons"][2]["disability_grade"] = "二级"
    rows["households"][1]["income_irregular"] = "不详"
    result = load(duck, tmp_path, rows, fmt, on_error="skip")
    assert result.ok
    assert problems(result, "income") == [
        ("income", 2, "month", "wrong_type", "应为日期（YYYY-MM-DD），实际为“abc”"),
        ("income", 3, "amount", "wrong_type", "应为数字，实际为“12元”"),
    ]
    assert problems(result, "persons")[0] == ("persons", 3, "disability_grade", "wrong_type", "应为整数，实际为“二级”")
    assert problems(result, "households")[0][1:4] == (2, "income_irregular", "wrong_type")


def test_parquet_types_cast_when_lossless_else_per_row(duck, tmp_path):
    write_inputs(tmp_path, base_rows(), "parquet")
    # income: person_id as int32 (lossless), amount as decimal-free int64 (lossless),
    # month as a timestamp at midnight (lossless) but one with a time of day (not).
    pq.write_table(pa.table({
        "person_id": pa.array([11, 11, 21], pa.int32()),
        "month": pa.array([dt.datetime(2026, 1, 1), dt.datetime(2026, 2, 1, 8, 30), dt.datetime(2026, 1, 1)],
                          pa.timestamp("us")),
        "amount": pa.array([500, 500, 3000], pa.int64()),
    }), tmp_path / "income.parquet")
    # persons: disability_grade as float, 2.0 is fine, 2.5 is not.
    persons = pq.read_table(tmp_path / "persons.parquet")
    grades = pa.array([0.0, 2.5, 2.0], pa.float64())
    persons = persons.set_column(persons.schema.get_field_index("disability_grade"), "disability_grade", grades)
    pq.write_table(persons, tmp_path / "persons.parquet")
    result = inputs.load_inputs(duck, tmp_path, as_of=AS_OF, regions=["50"], on_error="skip")
    assert problems(result, "persons") == [("persons", 2, "disability_grade", "wrong_type", "应为整数，实际为“2.5”")]
    assert problems(result, "income") == [
        ("income", 2, "month", "wrong_type", "应为日期（YYYY-MM-DD），实际为“2026-02-01 08:30:00”")
    ]
    assert result.tables["income"].schema()["person_id"].is_int64()
    assert result.tables["income"].schema()["amount"].is_float64()
    assert ids(result, "persons", "disability_grade") == [0, 2]


@pytest.mark.parametrize("fmt", FORMATS)
def test_negative_amounts(duck, tmp_path, fmt):
    rows = base_rows()
    rows["income"][2]["amount"] = -3000.0
    rows["deposits"][0]["balance"] = -1.0
    rows["persons"][0]["disability_grade"] = -1
    result = load(duck, tmp_path, rows, fmt)
    assert not result.ok
    assert ("income", 3, "amount", "negative", "金额为负数") in problems(result)
    assert ("deposits", 1, "balance", "negative", "金额为负数") in problems(result)
    assert ("persons", 1, "disability_grade", "negative", "不能为负数") in problems(result)


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_household_and_person_ids(duck, tmp_path, fmt):
    rows = base_rows()
    rows["persons"][2]["household_id"] = 99
    rows["vehicles"][0]["person_id"] = 12345
    result = load(duck, tmp_path, rows, fmt)
    assert not result.ok
    assert ("persons", 3, "household_id", "reference", "家庭编号 99 不在救助对象家庭文件中") in problems(result)
    assert ("vehicles", 1, "person_id", "reference", "人员编号 12345 不在家庭成员文件中") in problems(result)


@pytest.mark.parametrize("fmt", FORMATS)
def test_records_dated_in_the_future(duck, tmp_path, fmt):
    rows = base_rows()
    rows["deaths"][0]["died_on"] = D(2026, 11, 16)  # the day after as_of
    rows["business"][0]["registered_on"] = AS_OF  # as_of itself is fine
    rows["income"][0]["month"] = D(2026, 12, 1)
    result = load(duck, tmp_path, rows, fmt)
    assert problems(result) == [
        ("income", 1, "month", "future", "日期晚于比对基准日 2026-11-15"),
        ("deaths", 1, "died_on", "future", "日期晚于比对基准日 2026-11-15"),
    ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_duplicated_records(duck, tmp_path, fmt):
    rows = base_rows()
    rows["income"] += [dict(rows["income"][0], amount=1.0), dict(rows["income"][0], amount=2.0)]
    rows["vehicles"].append(dict(rows["vehicles"][0], person_id=11))
    rows["households"].append(dict(rows["households"][1]))
    result = load(duck, tmp_path, rows, fmt, on_error="skip")
    assert problems(result, "income") == [
        ("income", 4, "person_id,month", "duplicate", "重复记录（与第 1 行相同）"),
        ("income", 5, "person_id,month", "duplicate", "重复记录（与第 1 行相同）"),
    ]
    assert problems(result, "vehicles") == [("vehicles", 2, "plate", "duplicate", "重复记录（与第 1 行相同）")]
    assert problems(result, "households") == [
        ("households", 3, "household_id", "duplicate", "重复记录（与第 2 行相同）")
    ]
    # The first row stays.
    amounts = result.tables["income"].filter(lambda t: t.person_id == 11).to_pyarrow()["amount"].to_pylist()
    assert sorted(amounts) == [500.0, 500.0]


def test_duplicate_months_far_apart_are_not_mistaken(duck, tmp_path):
    # 48 months apart set the same bit of the duplicate pre-check: the exact check clears them.
    rows = base_rows()
    rows["income"] = [{"person_id": 11, "month": D(2022, 1, 1), "amount": 1.0},
                      {"person_id": 11, "month": D(2026, 1, 1), "amount": 1.0},
                      {"person_id": 11, "month": D(2026, 2, 1), "amount": 1.0},
                      {"person_id": 11, "month": D(2026, 2, 1), "amount": 1.0}]
    result = load(duck, tmp_path, rows, "parquet")
    assert problems(result) == [("income", 4, "person_id,month", "duplicate", "重复记录（与第 3 行相同）")]


@pytest.mark.parametrize("fmt", FORMATS)
def test_records_of_persons_duplicates_and_unknowns(duck, tmp_path, fmt):
    # The per-person path of DuckDB: deposits keyed by person, income by person and month.
    rows = base_rows()
    rows["deposits"] += [{"person_id": 11, "balance": 5.0}, {"person_id": 77, "balance": 1.0}]
    rows["income"] += [{"person_id": 77, "month": D(2026, 1, 1), "amount": 1.0},
                       {"person_id": 21, "month": D(2026, 1, 1), "amount": -1.0},  # bad, not a duplicate
                       {"person_id": 21, "month": D(2026, 1, 1), "amount": 9.0}]  # duplicate of row 3
    result = load(duck, tmp_path, rows, fmt, on_error="skip")
    assert problems(result, "deposits") == [
        ("deposits", 2, "person_id", "duplicate", "重复记录（与第 1 行相同）"),
        ("deposits", 3, "person_id", "reference", "人员编号 77 不在家庭成员文件中"),
    ]
    assert problems(result, "income") == [
        ("income", 4, "person_id", "reference", "人员编号 77 不在家庭成员文件中"),
        ("income", 5, "amount", "negative", "金额为负数"),
        ("income", 6, "person_id,month", "duplicate", "重复记录（与第 3 行相同）"),
    ]
    assert result.counts[f"income.{fmt}"] == {"read": 6, "bad": 3, "skipped": 3}
    assert result.tables["income"].count().execute() == 3


# --- other checks -----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_value_checks(duck, tmp_path, fmt):
    rows = base_rows()
    rows["households"][0]["tier"] = "special"
    rows["households"][1]["area_code"] = "5001120010"
    rows["medical"][0]["reimbursed"] = 9000.0
    rows["persons"][2]["disability_grade"] = 5
    rows["income"][0]["month"] = D(2026, 1, 15)
    rows["persons"][1]["name"] = None
    result = load(duck, tmp_path, rows, fmt)
    got = problems(result)
    assert ("households", 1, "tier", "bad_value",
            "救助类别“special”应为 tekun、dibao、bianyuan、gangxing 之一或留空") in got
    assert ("households", 2, "area_code", "area", "地区代码“5001120010”应为 12 位数字") in got
    assert ("medical", 1, "reimbursed", "reimbursed", "报销金额 9000.0 大于总费用 8000.0") in got
    assert ("persons", 3, "disability_grade", "bad_value", "残疾等级应为 0（无）至 4，实际为 5") in got
    assert ("income", 1, "month", "bad_value", "月份应写作当月 1 日（如 2026-03-01）") in got
    assert ("persons", 2, "name", "missing_value", "必填，不能为空") in got


def test_area_not_covered_by_the_parameters(duck, tmp_path):
    rows = base_rows()
    rows["households"][1]["area_code"] = "220102001001"
    result = load(duck, tmp_path, rows, "parquet", regions=["50", "2101"])
    assert problems(result, "households") == [
        ("households", 2, "area_code", "area", "参数文件未覆盖该地区 220102001001")
    ]
    assert load(duck, tmp_path / "b", rows, "parquet", regions=["50", "22"]).ok


def test_unreadable_files(duck, tmp_path):
    write_inputs(tmp_path, base_rows(), "csv")
    (tmp_path / "deaths.csv").write_bytes(b"person_id,died_on\n12,2026-10-20\n" + "张".encode("gbk") + b"\n")
    write_inputs(tmp_path / "x", {"illness": base_rows()["illness"]}, "parquet")
    (tmp_path / "x" / "illness.parquet").rename(tmp_path / "illness.parquet")
    (tmp_path / "vehicles.csv").write_text("", encoding="utf-8")
    (tmp_path / "deposits.csv").write_text("person_id,balance\n11,2000\n21\n", encoding="utf-8")
    (tmp_path / "rehab.csv").write_text("person_id,month,amount\n", encoding="utf-8")  # no rows: fine
    result = inputs.load_inputs(duck, tmp_path, as_of=AS_OF, regions=["50"], on_error="skip")
    assert not result.ok
    got = {p[0]: p for p in problems(result)}
    assert got["deaths"][3:] == ("unreadable", "文件不是 UTF-8 编码（可能是 GBK），请另存为 UTF-8")
    assert got["illness"][3:] == ("unreadable", "同时存在 illness.parquet 和 illness.csv，请只保留一个")
    assert got["vehicles"][3:] == ("unreadable", "文件为空，缺少标题行")
    assert got["deposits"][3:] == ("unreadable", "CSV 格式错误：第 1 行或之后有一行应为 2 列，实际为 1 列（该行内容：“21”）")
    assert "rehab" not in got and result.counts["rehab.csv"] == {"read": 0, "bad": 0, "skipped": 0}


def test_listed_problems_are_capped_but_all_counted(duck, tmp_path):
    rows = base_rows()
    rows["income"] = [{"person_id": 11, "month": D(2026, 1, 1), "amount": -float(i)} for i in range(1, 1201)]
    result = load(duck, tmp_path, rows, "parquet", on_error="skip")
    listed = problems(result, "income")
    assert len(listed) == inputs.LISTED_PER_FILE
    assert [p[1] for p in listed[:3]] == [1, 2, 3]
    # 1,200 negative rows; none reaches the duplicate check, so no duplicate either.
    assert result.problem_counts["income.parquet"] == {"负数": 1200}
    assert result.counts["income.parquet"] == {"read": 1200, "bad": 1200, "skipped": 1200}


# --- stop, skip and the cascade ---------------------------------------------------------------


def bad_household_rows():
    """Household 1 has an unknown tier: in skip mode it goes, with its persons and their records."""
    rows = base_rows()
    rows["households"][0]["tier"] = "unknown"
    rows["income"][2]["amount"] = -1.0  # person 21 of household 2: only this row goes
    return rows


@pytest.mark.parametrize("fmt", FORMATS)
def test_skip_leaves_out_bad_rows_and_cascades(duck, tmp_path, fmt):
    result = load(duck, tmp_path, bad_household_rows(), fmt, on_error="skip")
    assert result.ok
    assert ids(result, "households", "household_id") == [2]
    assert ids(result, "persons", "person_id") == [21]
    assert result.tables["income"].count().execute() == 0  # persons 11 gone; 21's row negative
    for name in ("medical", "rehab", "deposits", "deaths", "illness"):
        assert result.tables[name].count().execute() == 0, name
    assert ids(result, "vehicles", "person_id") == [21]
    counts = {f.split(".")[0]: c for f, c in result.counts.items()}
    assert counts["households"] == {"read": 2, "bad": 1, "skipped": 1}
    assert counts["persons"] == {"read": 3, "bad": 2, "skipped": 2}
    assert counts["income"] == {"read": 3, "bad": 3, "skipped": 3}
    assert problems(result, "persons") == [
        ("persons", 1, "household_id", "reference",
         f"家庭编号 1 在救助对象家庭文件（households.{fmt}）中的记录有问题，未能使用"),
        ("persons", 2, "household_id", "reference",
         f"家庭编号 1 在救助对象家庭文件（households.{fmt}）中的记录有问题，未能使用"),
    ]
    assert problems(result, "income")[0] == (
        "income", 1, "person_id", "reference", f"人员编号 11 在家庭成员文件（persons.{fmt}）中的记录有问题，未能使用")
    assert result.problem_counts[f"income.{fmt}"] == {"负数": 1, "引用的家庭或人员不存在": 2}


@pytest.mark.parametrize("fmt", FORMATS)
def test_stop_collects_everything_and_fails(duck, tmp_path, fmt):
    result = load(duck, tmp_path, bad_household_rows(), fmt, on_error="stop")
    assert not result.ok
    counts = {f.split(".")[0]: c for f, c in result.counts.items()}
    assert counts["households"] == {"read": 2, "bad": 1, "skipped": 0}
    assert counts["income"] == {"read": 3, "bad": 3, "skipped": 0}
    assert result.problems_total == 1 + 2 + 3 + 1 + 1 + 1 + 1 + 1  # households, persons, income, 5 files of 12
    assert Problem(f"households.{fmt}", 1, "tier", "bad_value",
                   "救助类别“unknown”应为 tekun、dibao、bianyuan、gangxing 之一或留空") in result.problems


def test_on_error_must_be_stop_or_skip(duck, tmp_path):
    with pytest.raises(ValueError, match="stop 或 skip"):
        inputs.load_inputs(duck, tmp_path, as_of=AS_OF, regions=["50"], on_error="ignore")


# --- backends ---------------------------------------------------------------------------------


def big_file(tmp_path, n=30_000):
    table = pa.table({"a": pa.array(range(n), pa.int64()), "s": pa.array([f"v{i}" for i in range(n)])})
    pq.write_table(table, tmp_path / "big.parquet", row_group_size=1000)
    with open(tmp_path / "big.csv", "w", encoding="utf-8") as f:
        f.write("a,s\n" + "".join(f"{i},v{i}\n" for i in range(n)))
    return n


def test_duckdb_row_numbers_follow_the_file(tmp_path):
    n = big_file(tmp_path)
    with backends.connect("duckdb", threads=2) as b:
        for name in ("big.parquet", "big.csv"):
            t = b.read(tmp_path / name)
            assert t.schema()["_row"].is_int64()
            assert t.count().execute() == n
            assert (t.a.cast("int64") + 1 != t._row).sum().execute() == 0, name
            assert t._row.min().execute() == 1


def test_duckdb_materialize_and_write_parquet(tmp_path):
    big_file(tmp_path, 100)
    with backends.connect("duckdb") as b:
        t = b.materialize(b.read(tmp_path / "big.parquet"), "big")
        b.write_parquet(t.filter(t.a < 10), tmp_path / "out" / "x.parquet")
    assert pq.read_table(tmp_path / "out" / "x.parquet").num_rows == 10


def test_unknown_engine():
    with pytest.raises(ValueError, match="未知的引擎"):
        backends.connect("polars")


# --- Spark ------------------------------------------------------------------------------------


def test_spark_row_numbers_match_duckdb(spark_backend, tmp_path):  # noqa: F811
    big_file(tmp_path, 5000)
    with backends.connect("duckdb") as duck_b:
        for name in ("big.parquet", "big.csv"):
            spark_rows = spark_backend.read(tmp_path / name).select("a", "_row").to_pyarrow().sort_by("_row")
            duck_rows = duck_b.read(tmp_path / name).select("a", "_row").to_pyarrow().sort_by("_row")
            assert spark_rows.to_pylist() == duck_rows.to_pylist(), name
            assert spark_rows["_row"].to_pylist() == list(range(1, 5001))


def test_spark_finds_the_same_problems(spark_backend, duck, tmp_path):  # noqa: F811
    rows = bad_household_rows()
    rows["income"].append(dict(rows["income"][0]))  # a duplicate
    rows["persons"][1]["is_head"] = "false"  # Spark once read "false" as "alse": trimmed as text
    write_inputs(tmp_path, rows, "csv")
    spark = inputs.load_inputs(spark_backend, tmp_path, as_of=AS_OF, regions=["50"], on_error="skip")
    local = inputs.load_inputs(duck, tmp_path, as_of=AS_OF, regions=["50"], on_error="skip")
    assert spark.problems == local.problems
    assert spark.counts == local.counts
    assert ids(spark, "persons", "person_id") == [21]
    assert spark.tables["persons"].schema() == local.tables["persons"].schema()


def test_drop_frees_a_kept_table():
    """Tables kept by materialize are really dropped (a qualified name once made this a no-op)."""
    backend = backends.connect("duckdb", threads=1)
    try:
        def temp_tables() -> int:
            return backend.con.raw_sql("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchone()[0]

        kept = backend.materialize(ibis.memtable({"a": [1, 2]}), "kept")
        assert temp_tables() == 1
        backend.drop(kept)
        assert temp_tables() == 0
    finally:
        backend.close()
