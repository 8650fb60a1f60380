"""`linli bench ledger`: postings per second, and balance vs statement reads at a million entries.

Runs in a scratch database made for the run and dropped after it (Django's test-database
machinery: ``<name>_bench`` on PostgreSQL, a temporary file on SQLite), so the configured
database — var/ or production — is never touched.

1. Postings: ``--postings`` awards through ``points_award`` (locks, checks, audit row), against a
   baseline of the same number of one-row inserts, each in its own transaction, into a table.
2. Reads: a resident's stored balance (``points_balance``) and the first page (50 lines) of their
   statement, before and after ``--entries`` more entries are bulk-written; and, for contrast, a
   balance summed from the entries, as a ledger without stored balances would have to.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from typing import Any

from linli.bench import benchmark


def _median_ms(fn: Callable[[], Any], repeat: int) -> float:
    fn()  # warm
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


@benchmark("ledger", "积分账：每秒记账笔数；百万分录下余额与明细首页的读取时间", options=(
    ("--entries", int, 1_000_000, "批量写入的分录数（默认 1,000,000）"),
    ("--postings", int, 2000, "逐笔记账的笔数（默认 2000）"),
))
def run(*, out: Callable[[str], Any], entries: int, postings: int) -> None:
    from django.core.management.base import CommandError
    from django.db import connection

    if postings < 1:  # the rate divides by it
        raise CommandError("--postings 须至少为 1（逐笔记账的笔数）")
    if entries < 0:
        raise CommandError("--entries 不能为负数")

    old_name = connection.settings_dict["NAME"]
    test = connection.settings_dict.setdefault("TEST", {})
    tmpdir = None
    if connection.vendor == "sqlite":
        tmpdir = tempfile.mkdtemp(prefix="linli-bench-")
        test["NAME"] = os.path.join(tmpdir, "bench.sqlite3")
    else:
        test["NAME"] = f"{old_name}_bench"
    out(f"数据库：{connection.vendor}，临时库 {test['NAME']}（运行后删除，不动配置的数据库）")
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        _measure(out, entries=entries, postings=postings)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        if tmpdir:
            for name in os.listdir(tmpdir):
                os.remove(os.path.join(tmpdir, name))
            os.rmdir(tmpdir)


def _measure(out: Callable[[str], Any], *, entries: int, postings: int) -> None:
    from django.db import transaction

    from linli.accounts.models import User
    from linli.core.models import AuditEntry
    from linli.core.testing import XINGJIAQIAO, area_tree, resident
    from linli.points import selectors, services
    from linli.points.models import Account, Entry, Transfer

    area_tree()
    admin = User.objects.create_user(username="bench-admin", password=None)
    from linli.accounts.services import role_grant
    from linli.areas.models import Area

    role_grant(by=None, user=admin, area=Area.objects.get(code="500112"), role="district_admin")
    services.rule_set(by=admin, area_code=XINGJIAQIAO, action="service_half_hour", points=5,
                      valid_from=dt.date(2020, 1, 1))
    people = [resident(XINGJIAQIAO, f"基准{i}", by=admin) for i in range(20)]
    sources = AuditEntry.objects.bulk_create(
        [AuditEntry(action="bench.source", target_type="bench", target_id=str(i)) for i in range(postings)])

    # -- 1. postings per second vs one-row inserts ------------------------------------------------
    start = time.perf_counter()
    for i in range(postings):
        with transaction.atomic():
            AuditEntry.objects.create(action="bench.baseline", target_type="bench", target_id=str(i))
    baseline = postings / (time.perf_counter() - start)
    start = time.perf_counter()
    for i, source in enumerate(sources):
        services.points_award(by=None, resident=people[i % len(people)], action="service_half_hour", source=source)
    rate = postings / (time.perf_counter() - start)
    out(f"逐笔记账：{postings} 笔，{rate:,.0f} 笔/秒；基线（每笔一个事务插入一行）{baseline:,.0f} 行/秒；"
        f"记账/基线 = {rate / baseline:.2f}")
    out("（每笔记账：锁两个账户、查重、写 1 笔流水 + 2 条分录、更新 2 个余额、写 1 条审计）")

    target = people[0]
    account = services.resident_account(target)

    def reads(label: str) -> tuple[float, float, float]:
        n = Entry.objects.count()
        balance = _median_ms(lambda: services.points_balance(target), 300)
        page = _median_ms(lambda: list(selectors.statement(account)[:50]), 300)
        from django.db.models import Sum

        summed = _median_ms(lambda: Entry.objects.filter(account=account).aggregate(s=Sum("amount")), 5)
        mine = Entry.objects.filter(account=account).count()
        out(f"{label}：共 {n:,} 条分录（该居民 {mine:,} 条）：余额读取 {balance:.3f} ms，明细首页 50 条 {page:.3f} ms，"
            f"按分录求和算余额 {summed:.2f} ms")
        return balance, page, summed

    small = reads("写入前")

    # -- 2. a million entries, bulk-written ---------------------------------------------------------
    start = time.perf_counter()
    pool = services.pool_account(Area.objects.get(code=XINGJIAQIAO))
    accounts = [services.resident_account(r) for r in people]
    today = dt.date.today()
    per_batch = 5000  # transfers per batch, two entries each
    written = 0
    totals: dict[int, int] = {}
    while written < entries:
        count = min(per_batch, (entries - written) // 2 or 1)
        with transaction.atomic():
            transfers = Transfer.objects.bulk_create([
                Transfer(kind="award", area_id=XINGJIAQIAO, reason="批量基准", action="service_half_hour", units=1,
                         on=today) for _ in range(count)])
            rows = []
            for k, t in enumerate(transfers):
                acct = accounts[(written // 2 + k) % len(accounts)]
                rows.append(Entry(transfer=t, account=pool, amount=-5))
                rows.append(Entry(transfer=t, account=acct, amount=5))
                totals[acct.pk] = totals.get(acct.pk, 0) + 5
            Entry.objects.bulk_create(rows, batch_size=5000)
        written += 2 * count
    from django.db.models import F

    with transaction.atomic():
        for pk, amount in totals.items():
            Account.objects.filter(pk=pk).update(balance=F("balance") + amount)
        Account.objects.filter(pk=pool.pk).update(balance=F("balance") - sum(totals.values()))
    if connection_vendor() == "postgresql":
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE points_entry; ANALYZE points_account; ANALYZE points_transfer")
    out(f"批量写入 {written:,} 条分录用时 {time.perf_counter() - start:.1f} 秒")

    large = reads("写入后")
    out(f"余额读取：写入后/写入前 = {large[0] / small[0]:.2f}（≈1 表示不随分录增长：余额存储在账户行上）")
    out(f"明细首页：写入后/写入前 = {large[1] / small[1]:.2f}（按 (account, id) 索引倒序取 50 条）")
    out(f"写入后：按分录求和/读存储余额 = {large[2] / large[0]:,.0f} 倍")
    from linli.points.verify import verify

    start = time.perf_counter()
    report = verify()
    out(f"linli points verify：{'一致' if report.ok else '不一致'}，用时 {time.perf_counter() - start:.1f} 秒")


def connection_vendor() -> str:
    from django.db import connection

    return connection.vendor
