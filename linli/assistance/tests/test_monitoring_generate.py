"""The synthetic province: the schema's exact columns and types, valid-looking and consistent
records, and the same bytes for the same seed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from linli.assistance.monitoring import generate as gen
from linli.assistance.monitoring.schema import INPUTS
from linli.core import idcard

# Pure engine tests: no database, so CI runs them once (not again on PostgreSQL).
pytestmark = pytest.mark.engine

AS_OF = dt.date(2026, 11, 15)


@pytest.fixture(scope="module")
def province(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("province")
    gen.generate(out, persons=6000, as_of=AS_OF)
    return out


def _sql(folder: Path, query: str) -> list[tuple]:
    con = duckdb.connect()
    for t in INPUTS:
        con.execute(f"CREATE VIEW {t.name} AS SELECT * FROM read_parquet('{folder / (t.name + '.parquet')}')")
    return con.execute(query).fetchall()


def test_files_have_exactly_the_schema_columns_and_types(province: Path) -> None:
    for t in INPUTS:
        schema = pq.read_schema(province / f"{t.name}.parquet")
        assert schema.names == [c.name for c in t.columns], t.name
        assert schema == gen.SCHEMAS[t.name], t.name
        assert pq.read_metadata(province / f"{t.name}.parquet").num_rows > 0, t.name


def test_summary_counts_rows_and_persons(tmp_path: Path) -> None:
    summary = gen.generate(tmp_path, persons=1234, as_of=AS_OF, communities=["500112009011"])
    assert summary["persons"] == 1234
    assert pq.read_metadata(tmp_path / "persons.parquet").num_rows == 1234
    for t in INPUTS:
        assert pq.read_metadata(tmp_path / f"{t.name}.parquet").num_rows == summary["rows"][t.name]
    assert (tmp_path / gen.MANIFEST).is_file()


def test_same_seed_same_bytes_other_seed_differs(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    gen.generate(a, persons=2500, as_of=AS_OF, seed=7)
    gen.generate(b, persons=2500, as_of=AS_OF, seed=7)
    gen.generate(c, persons=2500, as_of=AS_OF, seed=8)
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    assert len(names) == len(INPUTS) + 1  # and the manifest
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    assert (a / "persons.parquet").read_bytes() != (c / "persons.parquet").read_bytes()
    assert (a / "income.parquet").read_bytes() != (c / "income.parquet").read_bytes()


def test_keys_unique_references_hold_and_nothing_in_the_future(province: Path) -> None:
    for t in INPUTS:
        key = ", ".join(t.key)
        dups = _sql(province, f"SELECT count(*) FROM (SELECT {key} FROM {t.name} GROUP BY {key} HAVING count(*) > 1)")
        assert dups == [(0,)], t.name
        for col, other, other_col in t.references:
            orphans = _sql(province, f"SELECT count(*) FROM {t.name} WHERE {col} NOT IN (SELECT {other_col} FROM {other})")
            assert orphans == [(0,)], (t.name, col)
        for c in t.columns:
            if c.not_future:
                assert _sql(province, f"SELECT count(*) FROM {t.name} WHERE {c.name} > DATE '{AS_OF}'") == [(0,)]
            if c.non_negative:
                assert _sql(province, f"SELECT count(*) FROM {t.name} WHERE {c.name} < 0") == [(0,)]
            if not c.nullable:
                assert _sql(province, f"SELECT count(*) FROM {t.name} WHERE {c.name} IS NULL") == [(0,)]
    assert _sql(province, "SELECT count(*) FROM medical WHERE reimbursed > total") == [(0,)]
    # one head per household; months are first days, in the window or the month before it
    assert _sql(province, "SELECT count(*) FROM (SELECT household_id FROM persons GROUP BY 1 HAVING sum(is_head::int) <> 1)") == [(0,)]
    for table in ("income", "medical", "education", "rehab"):
        lo, hi, days = _sql(province, f"SELECT min(month), max(month), count(DISTINCT day(month)) FROM {table}")[0]
        assert days == 1 and lo >= dt.date(2025, 10, 1) and hi == dt.date(2026, 10, 1), table
    assert _sql(province, "SELECT count(*) FROM deaths d JOIN persons p USING (person_id) WHERE d.died_on < p.birth_date") == [(0,)]


def test_population_looks_like_a_low_income_registry(province: Path) -> None:
    hh = dict(_sql(province, "SELECT coalesce(tier, ''), count(*) FROM households GROUP BY 1"))
    total = sum(hh.values())
    assert 0.35 < hh["dibao"] / total < 0.5
    assert 0.05 < hh["tekun"] / total < 0.13
    assert 0.1 < hh["bianyuan"] / total < 0.2
    assert 0.03 < hh["gangxing"] / total < 0.08
    sizes = dict(_sql(province, "SELECT n, count(*) FROM (SELECT household_id, count(*) n FROM persons GROUP BY 1) GROUP BY 1"))
    assert set(sizes) <= set(range(1, 7)) and sizes[1] == max(sizes.values())
    elderly_singles = _sql(
        province,
        f"SELECT count(*) FROM (SELECT household_id FROM persons GROUP BY 1 HAVING count(*) = 1 "
        f"AND max(birth_date) <= DATE '{AS_OF.replace(year=AS_OF.year - 60)}')",
    )[0][0]
    assert elderly_singles > 0.15 * total
    # about one income row a month per earner, some months missing
    per_earner = _sql(province, "SELECT count(*) / count(DISTINCT person_id) FROM income WHERE month >= DATE '2025-11-01'")[0][0]
    assert 10 < per_earner <= 12
    share_medical = _sql(province, "SELECT count(DISTINCT person_id) / (SELECT count(*) FROM persons) FROM medical")[0][0]
    assert 0.15 < share_medical < 0.35
    death_rate = _sql(province, "SELECT count(*) / (SELECT count(*) FROM persons) FROM deaths")[0][0]
    assert 0.003 < death_rate < 0.015
    # registrations in the last 90 days exist for vehicles, property and businesses
    for table in ("vehicles", "property", "business"):
        assert _sql(province, f"SELECT count(*) FROM {table} WHERE registered_on > DATE '{AS_OF}' - 90")[0][0] > 0


def test_id_numbers_credit_codes_and_plates_are_valid(province: Path) -> None:
    persons = pq.read_table(province / "persons.parquet", columns=["id_number", "birth_date"]).to_pylist()
    for p in persons:
        info = idcard.parse(p["id_number"], today=AS_OF)
        assert info.birth_date == p["birth_date"]
        assert info.address_code.startswith("50")
    for code in pq.read_table(province / "business.parquet", columns=["credit_code"]).column(0).to_pylist():
        assert len(code) == 18 and code.startswith("92")
        values = [gen.CREDIT_CHARS.index(ch) for ch in code]
        assert (values[17] + sum(v * pow(3, i, 31) for i, v in enumerate(values[:17]))) % 31 == 0, code
    plates = pq.read_table(province / "vehicles.parquet", columns=["plate"]).column(0).to_pylist()
    assert len(set(plates)) == len(plates) and all(p.startswith("渝") and len(p) == 7 for p in plates)


def test_default_communities_are_real_chongqing_streets(province: Path) -> None:
    codes = [r[0] for r in _sql(province, "SELECT DISTINCT area_code FROM households")]
    streets = {r["code"] for r in gen._official("streets.csv.gz")}
    assert codes and all(len(c) == 12 and c.startswith("50") and c[:9] in streets for c in codes)
    assert len({c[:6] for c in codes}) > 3  # spread over several counties
    per_community = _sql(province, "SELECT avg(n) FROM (SELECT area_code, count(*) n FROM households GROUP BY 1)")[0][0]
    assert 70 < per_community < 130
    address = _sql(province, "SELECT address FROM households WHERE address IS NOT NULL LIMIT 1")[0][0]
    assert address.startswith("重庆市") and "社区" in address


def test_given_communities_and_csv(tmp_path: Path) -> None:
    codes = ["500112009011", "500112022006"]
    gen.generate(tmp_path, persons=800, as_of=AS_OF, communities=codes, fmt="csv")
    for t in INPUTS:
        table = pacsv.read_csv(tmp_path / f"{t.name}.csv")
        assert table.column_names == [c.name for c in t.columns]
    households = pacsv.read_csv(tmp_path / "households.csv",
                                convert_options=pacsv.ConvertOptions(column_types={"area_code": "string"}))
    assert set(households.column("area_code").to_pylist()) == set(codes)


def test_bad_arguments_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="人数"):
        gen.generate(tmp_path, persons=0, as_of=AS_OF)
    with pytest.raises(ValueError, match="12 位"):
        gen.generate(tmp_path, persons=10, as_of=AS_OF, communities=["5001"])
    with pytest.raises(ValueError, match="格式"):
        gen.generate(tmp_path, persons=10, as_of=AS_OF, fmt="xlsx")


def test_generating_again_in_another_format_leaves_only_that_format(tmp_path: Path) -> None:
    from linli.assistance.monitoring import engine
    from linli.assistance.monitoring import params as params_mod

    gen.generate(tmp_path, persons=300, as_of=AS_OF, seed=3)
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    gen.generate(tmp_path, persons=300, as_of=AS_OF, seed=3, fmt="csv")
    names = {p.name for p in tmp_path.iterdir()}
    assert names == {f"{t.name}.csv" for t in INPUTS} | {gen.MANIFEST, "notes.txt"}
    report = engine.run(tmp_path, params_mod.EXAMPLE, tmp_path / "out", as_of=AS_OF)
    assert report.ok, report.error  # not "同时存在" for every file

    gen.generate(tmp_path, persons=300, as_of=AS_OF, seed=3)  # and back
    assert not list(tmp_path.glob("*.csv")) and len(list(tmp_path.glob("*.parquet"))) == len(INPUTS)
