"""`linli monitor`: the low-income households' dynamic monitoring (动态监测) from the command line.

- ``run --inputs DIR --params FILE --out DIR [--engine duckdb|spark] [--spark-master URL]
  [--as-of DATE] [--skip-bad]``: match the departments' files against the registry
  (``docs/monitoring-format.md``); writes ``alerts.parquet`` and ``report.json`` into ``--out``,
  a progress line per stage on stderr; a failed run exits non-zero and prints its problems;
- ``generate --persons N --out DIR [--seed S] [--as-of DATE] [--communities CODE,…] [--format]``:
  a synthetic province for tests and benchmarks;
- ``import OUT_DIR --area CODE --by USERNAME``: import a run's alerts into the platform, as that
  assistance officer (all or nothing);
- ``flag-overdue``: flag open alerts past their deadline to the street (daily, from cron).
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"日期应写作 YYYY-MM-DD，实际为 {value!r}") from None


def _persons(value: str) -> int:
    try:
        n = int(value.replace(",", "").replace("_", ""))
    except ValueError:
        raise CommandError(f"--persons 应为人数，实际为 {value!r}") from None
    if n < 1:
        raise CommandError("--persons 至少为 1")
    return n


def _whole(value: str, option: str, minimum: int) -> int:
    try:
        n = int(value)
    except ValueError:
        raise CommandError(f"{option} 应为整数，实际为 {value!r}") from None
    if n < minimum:
        raise CommandError(f"{option} 不能小于 {minimum}，实际为 {n}")
    return n


class Command(BaseCommand):
    help = "低收入人口动态监测：run 比对并生成预警；generate 生成模拟数据；import 导入预警；flag-overdue 逾期上报"

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="比对各部门数据与救助对象库，生成预警（alerts.parquet）和运行报告（report.json）")
        run.add_argument("--inputs", required=True, help="输入文件夹（各部门的 Parquet 或 CSV 文件）")
        run.add_argument("--params", required=True, help="参数文件（TOML）")
        run.add_argument("--out", required=True, help="输出文件夹")
        run.add_argument("--engine", choices=["duckdb", "spark"], default="duckdb", help="计算引擎，默认 duckdb")
        run.add_argument("--spark-master", default=None, help="Spark 集群地址（如 spark://host:7077），默认本机")
        run.add_argument("--as-of", default=None, help="比对基准日（YYYY-MM-DD），默认今天")
        run.add_argument("--skip-bad", action="store_true", help="跳过有问题的行并计数，而不是停止运行")
        run.add_argument("--threads", default=None, help="线程数，默认全部 CPU")
        run.add_argument("--memory-limit", default=None, help="内存上限（如 4GB），默认由引擎决定")
        gen = sub.add_parser("generate", help="生成模拟省份的输入文件（固定种子，用于测试和基准）")
        gen.add_argument("--persons", required=True, help="人数，如 1000000")
        gen.add_argument("--out", required=True, help="输出文件夹")
        gen.add_argument("--seed", default="2026", help="随机种子（非负整数），默认 2026")
        gen.add_argument("--as-of", default=None, help="比对基准日（YYYY-MM-DD），默认今天")
        gen.add_argument("--communities", default="", help="社区代码（12 位，逗号分隔），默认在重庆市的街道下生成")
        gen.add_argument("--format", choices=["parquet", "csv"], default="parquet", help="文件格式，默认 parquet")
        imp = sub.add_parser("import", help="把一次运行的预警导入平台（全部导入或都不导入）")
        imp.add_argument("out_dir", help="运行的输出文件夹（含 alerts.parquet 与 report.json）")
        imp.add_argument("--area", required=True, help="导入范围（地区代码，须在导入人的辖区内）")
        imp.add_argument("--by", required=True, help="导入人（用户名，须为该地区的救助专干）")
        sub.add_parser("flag-overdue", help="把超过核查期限仍未核查的预警上报街道（每天由定时任务运行）")

    def handle(self, *args, action: str, **options) -> None:
        if action == "run":
            self._run(options)
        elif action == "generate":
            self._generate(options)
        elif action == "import":
            self._import(options)
        else:
            self._flag_overdue()

    # -- run -----------------------------------------------------------------------------------

    def _run(self, o: dict) -> None:
        from linli.assistance.monitoring import engine
        from linli.assistance.monitoring.progress import ProgressPrinter

        inputs, params = Path(o["inputs"]), Path(o["params"])
        if not inputs.is_dir():
            raise CommandError(f"--inputs：文件夹 {inputs} 不存在")
        if not params.is_file():
            raise CommandError(f"--params：参数文件 {params} 不存在")
        as_of = _date(o["as_of"]) if o["as_of"] else None
        if o["spark_master"] and o["engine"] != "spark":
            raise CommandError("--spark-master 只用于 Spark 引擎，请同时写 --engine spark（或去掉 --spark-master）")
        threads = _whole(o["threads"], "--threads", 1) if o["threads"] is not None else None
        stderr = getattr(self.stderr, "_out", sys.stderr)
        with ProgressPrinter(stderr) as progress:
            try:
                report = engine.run(
                    inputs, params, Path(o["out"]), engine=o["engine"], as_of=as_of,
                    spark_master=o["spark_master"], on_error="skip" if o["skip_bad"] else "stop",
                    progress=progress, threads=threads, memory_limit=o["memory_limit"],
                )
            except KeyboardInterrupt:
                raise CommandError("运行被中断，未生成预警") from None
            except engine.OutputError as e:
                raise CommandError(f"--out：{e}") from None
            except Exception as e:
                raise CommandError(f"运行失败（{type(e).__name__}：{e}）；报告见 {Path(o['out']) / engine.REPORT_FILE}") from e
        out_report = Path(o["out"]) / engine.REPORT_FILE
        if not report.ok:
            for line in report.problem_lines(20):
                self.stderr.write(line)
            raise CommandError(f"{report.error}；报告见 {out_report}")
        self.stdout.write(
            f"完成：监测 {report.households:,} 户，预警 {report.alerts['rows']:,} 条（{report.alerts['households']:,} 户），"
            f"用时 {report.seconds:.1f} 秒；批次号 {report.run_id}"
        )
        from linli.assistance.monitoring.schema import CLASSES, RULES

        for cls, title in CLASSES.items():
            rules = [(RULES[r][1], n) for r, n in report.alerts["by_rule"].items() if RULES[r][0] == cls and n]
            detail = "，".join(f"{t} {n:,}" for t, n in rules)
            self.stdout.write(f"  {title} {report.alerts['by_class'][cls]:,}" + (f"（{detail}）" if detail else ""))
        skipped = sum(c.get("skipped", 0) for c in report.files.values())
        if skipped:
            self.stdout.write(f"  跳过有问题的行 {skipped:,} 行（见报告）")
        self.stdout.write(f"  预警：{Path(o['out']) / engine.ALERTS_FILE}；报告：{out_report}")

    # -- generate ------------------------------------------------------------------------------

    def _generate(self, o: dict) -> None:
        from linli.assistance.monitoring.engine import os_reason
        from linli.assistance.monitoring.generate import generate
        from linli.assistance.monitoring.progress import ProgressPrinter

        persons = _persons(o["persons"])
        seed = _whole(o["seed"], "--seed", 0)
        as_of = _date(o["as_of"]) if o["as_of"] else dt.date.today()
        communities = [c.strip() for c in o["communities"].split(",") if c.strip()] or None
        stderr = getattr(self.stderr, "_out", sys.stderr)
        with ProgressPrinter(stderr) as progress:
            try:
                summary = generate(Path(o["out"]), persons=persons, seed=seed, as_of=as_of,
                                   communities=communities, fmt=o["format"], progress=progress)
            except ValueError as e:
                raise CommandError(str(e)) from None
            except OSError as e:
                where = e.filename or o["out"]
                raise CommandError(f"--out：无法写入 {where}：{os_reason(e)}") from None
        rows = "，".join(f"{name} {n:,}" for name, n in summary["rows"].items())
        self.stdout.write(
            f"已生成：{summary['persons']:,} 人，{summary['households']:,} 户，{summary['communities']:,} 个社区，"
            f"比对基准日 {as_of}，种子 {seed}，写入 {o['out']}"
        )
        self.stdout.write(f"  各文件行数：{rows}")

    # -- import, flag-overdue -------------------------------------------------------------------

    def _import(self, o: dict) -> None:
        from django.contrib.auth import get_user_model

        from linli.assistance import services
        from linli.core.errors import LinliError

        username = o["by"].strip()
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"--by：用户 {username} 不存在")
        try:
            run = services.run_import_dir(by=user, area_code=o["area"].strip(), out_dir=Path(o["out_dir"]))
        except LinliError as e:
            errors = [str(x) for x in e.extra.get("errors") or []]
            for line in errors[:20]:
                self.stderr.write(line)
            if len(errors) > 20:
                self.stderr.write(f"……另有 {len(errors) - 20} 处错误")
            raise CommandError(f"导入失败：{e.message}") from None
        self.stdout.write(
            f"已导入批次 {run.run_id}（比对基准日 {run.as_of}）：文件中预警 {run.alerts_total:,} 条，"
            f"新增 {run.alerts_imported:,} 条，再次预警 {run.alerts_repeated:,} 条，不在辖区 {run.alerts_out_of_scope:,} 条"
        )

    def _flag_overdue(self) -> None:
        from linli.assistance import services

        n = services.overdue_escalate()
        self.stdout.write(f"已将 {n} 条逾期未核查的预警上报街道" if n else "没有新的逾期预警")
