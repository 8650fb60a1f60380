"""Where the rules run: DuckDB (embedded, the default) or Apache Spark (local or a cluster).

Both are wrapped by Ibis, so the rules are written once. A Backend reads the departments' files
with a 1-based ``_row`` (the data row in the file, header not counted) for the bad-input report,
keeps intermediate tables in memory (``materialize``) and writes Parquet.

CSV files are first streamed by pyarrow into a Parquet file in a scratch folder, every column
as text, ``_row`` counted in file order; both engines then read that file. One path for both
engines, and the row numbers cannot depend on how an engine splits a file among its threads.
"""

from __future__ import annotations

import atexit
import csv
import itertools
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

Engine = Literal["duckdb", "spark"]
ENGINES: tuple[str, ...] = ("duckdb", "spark")
ROW = "_row"


class InputFileError(Exception):
    """A file that cannot be read at all (not UTF-8, broken CSV, not Parquet): reason in Chinese."""


@dataclass
class Backend:
    name: str
    con: Any  # the Ibis backend
    scratch: Path  # CSV conversions; removed by close()
    session: Any = None  # Spark only: the SparkSession
    _names: itertools.count = field(default_factory=lambda: itertools.count(1))
    _owns_scratch: bool = True

    def _name(self, stem: str) -> str:
        safe = "".join(ch if ch.isalnum() else "_" for ch in stem)
        return f"linli_{safe}_{next(self._names)}"

    # --- reading -------------------------------------------------------------------------------

    def read(self, path: Path) -> ir.Table:
        """The file as a table plus ``_row``: Parquet with its own types, CSV all text."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix == ".csv":
            converted = csv_to_parquet(path, self.scratch / f"{self._name(path.stem)}.parquet")
            return self._register(converted, path.stem, count_rows=False)
        if suffix != ".parquet":
            raise InputFileError(f"不支持的文件类型 {path.suffix}（应为 .parquet 或 .csv）")
        columns = parquet_columns(path)
        return self._register(path, path.stem, count_rows=True, drop=[c for c in columns if c == ROW])

    def _register(self, path: Path, stem: str, *, count_rows: bool, drop: list[str] | None = None) -> ir.Table:
        name = self._name(stem)
        drop = drop or []
        if self.name == "duckdb":
            if count_rows:
                # file_row_number is the row's position in the file, whatever thread read it.
                excluded = ", ".join(["file_row_number", *(f'"{c}"' for c in drop)])
                select = (
                    f"SELECT * EXCLUDE ({excluded}), CAST(file_row_number + 1 AS BIGINT) AS {ROW} "
                    f"FROM read_parquet({_sql_str(path)}, file_row_number = true)"
                )
            else:
                select = f"SELECT * FROM read_parquet({_sql_str(path)})"
            self.con.raw_sql(f"CREATE OR REPLACE TEMP VIEW {name} AS {select}")
        else:
            from pyspark.sql import functions as F

            df = self.session.read.parquet(str(path.resolve()))
            if count_rows:
                # Spark (3.5+) knows each Parquet row's index within its file, across splits.
                df = df.drop(*drop)
                df = df.select("*", (F.col("_metadata.row_index") + 1).cast("bigint").alias(ROW))
            df.createOrReplaceTempView(name)
        return self.con.table(name)

    # --- keeping and writing -------------------------------------------------------------------

    def materialize(self, expr: ir.Table, name: str) -> ir.Table:
        """Compute ``expr`` once and keep it (DuckDB: temp table; Spark: cached temp view)."""
        table_name = self._name(name)
        if self.name == "duckdb":
            return self.con.create_table(table_name, expr, temp=True)
        self.con.create_view(f"{table_name}_plan", expr, overwrite=True)
        # cacheTable does not hold for Ibis' plans (its repeated sub-queries keep the cached plan
        # from matching), so every later query recomputed the features; a local checkpoint
        # stores the result and cuts the plan.
        df = self.session.table(f"{table_name}_plan").localCheckpoint(eager=True)
        df.createOrReplaceTempView(table_name)
        return self.con.table(table_name)

    def drop(self, table: ir.Table) -> None:
        """Free a table made by ``materialize`` (DuckDB). Spark keeps it: a temp view made from SQL
        names the views it reads, so a view built on this one would stop working; Spark spills
        its cache to disk, and close() clears it."""
        if self.name == "duckdb":
            # get_name() is qualified ("temp.main.<name>"), which drop_table(force=True) silently
            # took for another table: name the temp table itself.
            name = table.get_name().split(".")[-1].replace('"', '""')
            self.con.raw_sql(f'DROP TABLE IF EXISTS temp.main."{name}"')

    def write_parquet(self, expr: ir.Table, path: Path) -> None:
        """One Parquet file at ``path`` (not Spark's folder of parts)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        if self.name == "duckdb":
            self.con.to_parquet(expr, path)
            return
        # Spark writes a folder of parts; the alerts are small enough to come through Arrow.
        table = self.con.to_pyarrow(expr)
        pq.write_table(table, path)

    def close(self) -> None:
        try:
            if self.name == "spark" and self.session is not None:
                self.session.catalog.clearCache()
                self.session.stop()
            else:
                self.con.disconnect()
        finally:
            if self._owns_scratch:
                shutil.rmtree(self.scratch, ignore_errors=True)

    def __enter__(self) -> Backend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def connect(
    engine: str = "duckdb",
    *,
    spark_master: str | None = None,
    threads: int | None = None,
    memory_limit: str | None = None,
    scratch: Path | None = None,
) -> Backend:
    """A Backend on ``engine``. ``memory_limit`` like "4GB" (DuckDB) or the Spark driver's memory.

    ``scratch`` (or env LINLI_MONITOR_SCRATCH) holds CSV conversions; on a Spark cluster it must
    be a folder every executor can read.
    """
    if engine not in ENGINES:
        raise ValueError(f"未知的引擎 {engine!r}（应为 duckdb 或 spark）")
    scratch_root = scratch or os.environ.get("LINLI_MONITOR_SCRATCH")
    if scratch_root:
        Path(scratch_root).mkdir(parents=True, exist_ok=True)
    scratch_dir = Path(tempfile.mkdtemp(prefix="linli-monitor-", dir=scratch_root or None))
    # A backend never closed still leaves no scratch folder behind when the process ends.
    atexit.register(shutil.rmtree, scratch_dir, True)
    if engine == "duckdb":
        config: dict[str, Any] = {}
        if threads:
            config["threads"] = threads
        if memory_limit:
            config["memory_limit"] = memory_limit
        # Spill to disk rather than fail when a large run exceeds memory_limit.
        config["temp_directory"] = str(scratch_dir / "duckdb-spill")
        con = ibis.duckdb.connect(**config)
        return Backend("duckdb", con, scratch_dir)
    return _connect_spark(spark_master, threads, memory_limit, scratch_dir)


def local_spark_master(threads: int | None) -> str:
    """The master used when none is given: ``threads`` cores on this machine, else 2."""
    return f"local[{threads or 2}]"


def _connect_spark(master: str | None, threads: int | None, memory: str | None, scratch: Path) -> Backend:
    from pyspark.sql import SparkSession

    # Python workers (if any) run this interpreter, with this environment's packages.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    master = master or local_spark_master(threads)
    local = master.startswith("local")
    builder = (
        SparkSession.builder.master(master)
        .appName("linli-monitor")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        # DuckDB's semantics: a bad cast or a division by zero gives NULL rather than failing the job.
        .config("spark.sql.ansi.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4" if local else "200")
        .config("spark.local.dir", str(scratch / "spark-local"))
        .config("spark.sql.warehouse.dir", str(scratch / "spark-warehouse"))  # not ./spark-warehouse
    )
    if memory:
        builder = builder.config("spark.driver.memory", memory)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    con = ibis.pyspark.connect(session)
    return Backend("spark", con, scratch, session=session)


# --- files -------------------------------------------------------------------------------------


def _sql_str(path: Path) -> str:
    return "'" + str(path.resolve()).replace("'", "''") + "'"


def parquet_columns(path: Path) -> list[str]:
    try:
        return list(pq.read_schema(path).names)
    except (OSError, pa.ArrowException) as e:
        raise InputFileError(f"不是有效的 Parquet 文件：{e}") from e


def csv_header(path: Path) -> list[str]:
    """The header row's column names (a UTF-8 BOM, as Excel writes, is allowed)."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            header = next(csv.reader(f), None)
    except UnicodeDecodeError as e:
        raise InputFileError("文件不是 UTF-8 编码（可能是 GBK），请另存为 UTF-8") from e
    if not header:
        raise InputFileError("文件为空，缺少标题行")
    names = [h.strip() for h in header]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise InputFileError(f"标题行中列名重复：{'、'.join(dup)}")
    return names


def csv_to_parquet(src: Path, dest: Path) -> Path:
    """Stream ``src`` into ``dest``: every column text, empty cells null, plus ``_row``."""
    names = csv_header(src)
    dest.parent.mkdir(parents=True, exist_ok=True)
    schema = pa.schema([(n, pa.string()) for n in names] + [(ROW, pa.int64())])
    read = pacsv.ReadOptions(column_names=names, skip_rows=1, encoding="utf8", block_size=8 << 20)
    ragged: list[Any] = []

    def on_ragged(row: Any) -> str:  # pyarrow does not know the row's number here: keep its text
        ragged.append(row)
        return "error"

    parse = pacsv.ParseOptions(newlines_in_values=True, invalid_row_handler=on_ragged)
    convert = pacsv.ConvertOptions(
        column_types={n: pa.string() for n in names},
        strings_can_be_null=True,
        null_values=[""],
        quoted_strings_can_be_null=True,
    )
    done = 0
    try:
        reader = pacsv.open_csv(src, read_options=read, parse_options=parse, convert_options=convert)
        with pq.ParquetWriter(dest, schema) as writer:
            for batch in reader:
                rows = pa.array(range(done + 1, done + batch.num_rows + 1), pa.int64())
                cols = [batch.column(n) for n in names] + [rows]
                writer.write_batch(pa.RecordBatch.from_arrays(cols, schema=schema))
                done += batch.num_rows
    except pa.ArrowInvalid as e:
        msg = str(e)
        if "UTF8" in msg or "utf8" in msg or "UTF-8" in msg:
            raise InputFileError("文件不是 UTF-8 编码（可能是 GBK），请另存为 UTF-8") from e
        if ragged:
            r = ragged[0]
            text = r.text if len(r.text) <= 80 else r.text[:80] + "…"
            raise InputFileError(
                f"CSV 格式错误：第 {done + 1} 行或之后有一行应为 {r.expected_columns} 列，"
                f"实际为 {r.actual_columns} 列（该行内容：“{text}”）"
            ) from e
        raise InputFileError(f"CSV 格式错误（第 {done + 1} 行或之后）：{msg}") from e
    return dest
