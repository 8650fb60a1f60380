"""`linli schedule`: the weekly timetable solver (``linli/college/timetable``) from the command line.

- ``solve PROBLEM.json [--time-limit S] [--out TIMETABLE.json]``: a community problem
  (``docs/timetable-format.md``);
- ``itc2007 INSTANCE.ctt [--time-limit S] [--out SOLUTION.sol]``: an ITC-2007 Track 3 instance;
- ``itc2007-validate INSTANCE.ctt SOLUTION.sol``: the competition's violations and costs;
- ``community CODE [--time-limit S] [--out FILE] [--publish --by USERNAME]``: a community's (or a
  street's) timetable from the platform's courses, venues, teachers and survey preferences, solved
  here; ``--publish`` stores it as a run and publishes it to the weekly slots, recorded as done by
  ``--by`` (a user who manages the area's college).
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from linli.college.timetable import community, itc, itc_solver, problem


def _time_limit(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise CommandError(f"--time-limit 应为秒数，实际为 {value!r}") from None
    if not seconds > 0:
        raise CommandError("--time-limit 必须大于 0 秒")
    return seconds


class Command(BaseCommand):
    help = "排课：solve 社区课表（JSON）；itc2007 求解 ITC-2007 第 3 赛道实例；itc2007-validate 核对解"

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        solve = sub.add_parser("solve", help="为社区问题（JSON，见 docs/timetable-format.md）排出周课表")
        solve.add_argument("problem", help="问题文件 PROBLEM.json")
        solve.add_argument("--time-limit", default="10", help="求解时间上限（秒），默认 10")
        solve.add_argument("--out", default=None, help="课表输出文件（JSON），默认打印到屏幕")
        solve.add_argument("--workers", type=int, default=2, help="CP-SAT 线程数，默认 2")
        itc_solve = sub.add_parser("itc2007", help="求解 ITC-2007 第 3 赛道（.ctt）实例")
        itc_solve.add_argument("instance", help="实例文件 INSTANCE.ctt")
        itc_solve.add_argument("--time-limit", default="60", help="求解时间上限（秒），默认 60")
        itc_solve.add_argument("--out", default=None, help="解文件（每行：课程 教室 天 节），默认打印到屏幕")
        itc_solve.add_argument("--workers", type=int, default=2, help="CP-SAT 线程数，默认 2")
        itc_solve.add_argument("--seed", type=int, default=0, help="随机种子，默认 0")
        validate = sub.add_parser("itc2007-validate", help="按竞赛规则核对解文件：硬约束违反与各项软约束成本")
        validate.add_argument("instance", help="实例文件 INSTANCE.ctt")
        validate.add_argument("solution", help="解文件 SOLUTION.sol")
        validate.add_argument("--details", action="store_true", help="列出每一处违反与成本")
        comm = sub.add_parser("community", help="按平台上社区（或街道）的课程、场地、老师和问卷偏好排课")
        comm.add_argument("code", help="社区或街道的地区代码")
        comm.add_argument("--time-limit", default="20", help="求解时间上限（秒，1–600），默认 20")
        comm.add_argument("--out", default=None, help="把课表（JSON）写入文件")
        comm.add_argument("--publish", action="store_true", help="排好后发布到课程的每周上课时间和课次")
        comm.add_argument("--by", default=None, help="发布人（用户名，须能管理该社区学院）；--publish 时必填")

    def handle(self, *args, action: str, **options) -> None:
        if action == "itc2007-validate":
            self._validate(options["instance"], options["solution"], details=options["details"])
        elif action == "itc2007":
            self._itc(options)
        elif action == "community":
            self._community(options)
        else:
            self._solve(options)

    def _validate(self, instance: str, solution: str, *, details: bool) -> None:
        try:
            inst = itc.read_ctt(instance)
            assignments, warnings = itc.read_solution(inst, solution)
        except itc.CttError as exc:
            raise CommandError(str(exc)) from None
        for w in warnings:
            self.stderr.write(f"警告：{w}")
        ev = itc.evaluate(inst, assignments)
        if details:
            for m in ev.messages:
                self.stdout.write(m)
            self.stdout.write("")
        for line in ev.lines():
            self.stdout.write(line)
        if not ev.feasible:
            raise CommandError(f"解不可行：违反硬约束 {ev.hard} 处")

    def _itc(self, options) -> None:
        limit = _time_limit(options["time_limit"])
        try:
            inst = itc.read_ctt(options["instance"])
            result = itc_solver.solve(
                inst,
                time_limit=limit,
                workers=options["workers"],
                seed=options["seed"],
                log=lambda msg: self.stderr.write(msg),
            )
        except (itc.CttError, itc_solver.SolveError) as exc:
            raise CommandError(str(exc)) from None
        text = itc.format_solution(result.assignments)
        if options["out"]:
            Path(options["out"]).write_text(text, encoding="utf-8")
            self.stderr.write(f"解已写入 {options['out']}")
        else:
            self.stdout.write(text, ending="")
        for line in result.evaluation.lines():
            self.stderr.write(line)
        self.stderr.write(f"下界 {result.lower_bound}{'（已证明最优）' if result.proven_optimal else ''}")
        for p in result.problems:
            self.stderr.write(f"问题：{p}")
        if not result.evaluation.feasible:
            raise CommandError(f"没有排出完整的解：违反硬约束 {result.evaluation.hard} 处（见上）")

    def _solve(self, options) -> None:
        limit = _time_limit(options["time_limit"])
        try:
            prob = problem.load(options["problem"])
        except problem.ProblemError as exc:
            raise CommandError(str(exc)) from None
        out = community.solve(prob, time_limit=limit, workers=options["workers"])
        text = json.dumps(out.to_json(), ensure_ascii=False, indent=2) + "\n"
        if options["out"]:
            Path(options["out"]).write_text(text, encoding="utf-8")
            self.stderr.write(f"课表已写入 {options['out']}")
        else:
            self.stdout.write(text, ending="")
        for line in out.summary():
            self.stderr.write(line)

    def _community(self, options) -> None:
        from django.contrib.auth import get_user_model

        from linli.college.models import RunStatus
        from linli.college.selectors.timetable import problem_for
        from linli.college.services.timetable import (
            result_lines,
            solve_problem,
            timetable_publish,
            timetable_run_start,
        )
        from linli.core.errors import LinliError

        limit = _time_limit(options["time_limit"])
        if options["publish"]:
            username = (options["by"] or "").strip()
            if not username:
                raise CommandError("--publish 须用 --by 写明发布人的用户名（发布会记入审计日志）")
            user = get_user_model().objects.filter(username=username).first()
            if user is None:
                raise CommandError(f"用户 {username} 不存在")
            if limit != int(limit) or not 1 <= limit <= 600:
                raise CommandError("--publish 时 --time-limit 应为 1 到 600 之间的整数秒")
            try:
                run = timetable_run_start(by=user, area_code=options["code"], time_limit=int(limit), inline=True)
            except LinliError as exc:
                raise CommandError(exc.message) from None
            if run.status != RunStatus.DONE:
                raise CommandError(f"排课失败：{run.error}")
            result = run.result or {}
        else:
            try:
                built, _ = problem_for(options["code"])
            except LinliError as exc:
                raise CommandError(exc.message) from None
            if not built["courses"]:
                raise CommandError(f"{built['name'].removesuffix('课表')}没有筹备中或开课中的课程，没有可排的课")
            try:
                result = solve_problem(built, time_limit=limit)
            except (problem.ProblemError, community.SolveError) as exc:
                raise CommandError(str(exc)) from None
        if options["out"]:
            text = json.dumps(result, ensure_ascii=False, indent=2) + "\n"
            Path(options["out"]).write_text(text, encoding="utf-8")
            self.stdout.write(f"课表已写入 {options['out']}")
        for line in result_lines(result):
            self.stdout.write(line)
        if options["publish"]:
            try:
                written = timetable_publish(by=user, run=run)
            except LinliError as exc:
                raise CommandError(exc.message) from None
            self.stdout.write(f"已发布：写入 {written} 个每周上课时间（排课记录 #{run.pk}）")
