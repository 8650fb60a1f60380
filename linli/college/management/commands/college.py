"""`linli college`: the college's routine jobs and the lottery check.

- ``expire-offers``: waitlist offers not confirmed in time expire, their seats go down the waitlist
  (enrolling and cancelling do this too, per course; run it every few minutes so texts go out on time);
- ``close-sessions``: sessions that ended more than a day ago are closed, absences recorded (daily);
- ``lottery-verify FILE.json``: re-run a published lottery record (``linli.college.lottery``) and say
  whether its order is right; exits non-zero when it is not or the file cannot be read.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "社区学院：expire-offers 处理逾期未确认的候补名额；close-sessions 结束课次考勤；lottery-verify 核对摇号记录"

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("expire-offers", help="逾期未确认的候补名额作废，依次递补下一位")
        sub.add_parser("close-sessions", help="结束一天前已下课的课次：记录缺勤，执行缺勤规则")
        verify = sub.add_parser("lottery-verify", help="按公开规则重算摇号记录（JSON），核对结果")
        verify.add_argument("file", help="摇号记录文件 FILE.json（后台“摇号记录”下载）")

    def handle(self, *args, action: str, **options) -> None:
        if action == "expire-offers":
            from linli.college.services.enrollment import offers_expire

            count = offers_expire()
            self.stdout.write(f"逾期未确认的候补名额：{count} 个，已依次递补")
        elif action == "close-sessions":
            from linli.college.services.attendance import sessions_close_due

            count = sessions_close_due()
            self.stdout.write(f"已结束考勤的课次：{count} 个")
        else:
            self._verify(options["file"])

    def _verify(self, name: str) -> None:
        from linli.college import lottery

        path = Path(name)
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CommandError(f"找不到文件：{name}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"无法读取文件 {name}：{exc}") from None
        except json.JSONDecodeError as exc:
            raise CommandError(f"{name} 不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列）") from None
        ok, message = lottery.verify(record)
        if not ok:
            raise CommandError(message)
        course = record.get("course") if isinstance(record.get("course"), dict) else {}
        title = f"“{course.get('title')}”" if course.get("title") else ""
        self.stdout.write(f"{title}{message}")
