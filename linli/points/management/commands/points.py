"""`linli points verify` checks the ledger; `linli points expire` returns expired points to the pools."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from linli.points import services
from linli.points.verify import render, verify


class Command(BaseCommand):
    help = "积分账：verify 核对（余额=明细合计、每笔流水合计为 0、总和为 0）；expire 处理过期积分"

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="按明细重新计算每个账户的余额并核对")
        expire = sub.add_parser("expire", help="将过期未用的积分退回社区积分池")
        expire.add_argument("--today", type=dt.date.fromisoformat, default=None, help="按哪一天计算（YYYY-MM-DD）")

    def handle(self, *args, action: str, **options) -> None:
        if action == "verify":
            report = verify()
            for line in render(report):
                self.stdout.write(line)
            if not report.ok:
                raise CommandError("积分账核对未通过")
        else:
            returned = services.points_expire(today=options.get("today"))
            self.stdout.write(f"已将 {returned} 分过期积分退回社区积分池")
