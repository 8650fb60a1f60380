"""DuckDB and Spark give the same alerts on a generated province (compared row by row, floats to
2 decimals). Skipped without Java or pyspark unless LINLI_REQUIRE_SPARK=1."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from linli.assistance.monitoring import engine
from linli.assistance.monitoring import params as params_mod
from linli.assistance.monitoring.generate import generate
from linli.assistance.tests.spark import spark_backend  # noqa: F401  (fixture)

# Pure engine tests: no database, so CI runs them once (not again on PostgreSQL).
pytestmark = pytest.mark.engine

AS_OF = dt.date(2026, 11, 15)


@pytest.mark.slow
def test_duckdb_and_spark_give_the_same_alerts(spark_backend, tmp_path: Path) -> None:  # noqa: F811
    generate(tmp_path / "inputs", persons=3000, as_of=AS_OF, seed=3)
    duck = engine.run(tmp_path / "inputs", params_mod.EXAMPLE, tmp_path / "duckdb", as_of=AS_OF)
    spark = engine.run(tmp_path / "inputs", params_mod.EXAMPLE, tmp_path / "spark", as_of=AS_OF,
                       backend=spark_backend)
    assert duck.ok and spark.ok, (duck.error, spark.error)
    assert spark.engine == "spark" and spark.run_id.startswith("20261115-spark-")
    assert duck.alerts["rows"] == spark.alerts["rows"] > 0
    assert duck.alerts["by_rule"] == spark.alerts["by_rule"]
    assert duck.households == spark.households
    a = pq.read_table(tmp_path / "duckdb" / "alerts.parquet")
    b = pq.read_table(tmp_path / "spark" / "alerts.parquet")
    assert b.schema.equals(engine.ALERTS_SCHEMA, check_metadata=False) or [f.type for f in b.schema] == [
        f.type for f in engine.ALERTS_SCHEMA
    ]
    assert engine.compare_alerts(a, b) == []
    # the shared session stays usable after the run (the engine did not close a backend it was given)
    assert spark_backend.session.range(3).count() == 3


@pytest.mark.slow
def test_spark_stops_on_bad_input_like_duckdb(spark_backend, tmp_path: Path) -> None:  # noqa: F811
    generate(tmp_path / "inputs", persons=300, as_of=AS_OF, seed=4)
    (tmp_path / "inputs" / "deaths.parquet").unlink()
    report = engine.run(tmp_path / "inputs", params_mod.EXAMPLE, tmp_path / "out", as_of=AS_OF,
                        backend=spark_backend)
    assert report.status == "failed"
    assert not (tmp_path / "out" / "alerts.parquet").exists()
