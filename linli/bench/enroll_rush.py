"""`linli bench enroll-rush`: the opening-morning rush on a 30-seat class, against the production server.

Runs in a scratch database made for the run and dropped after it (Django's test-database
machinery, ``<name>_rush<pid>`` on the configured PostgreSQL server), so the configured database
is never touched. PostgreSQL only: SQLite takes one writer at a time and measures nothing here.

1. Set-up (not timed): ``--residents`` residents, each with a login and a signed-in session
   (bulk-written: the encrypted ID and phone numbers and their blind indexes are made the way
   ``people.services.resident_create`` makes them), and a ``--seats``-seat first-come course with
   its enrollment window open, made through the services.
2. The server: gunicorn on ``linli.wsgi`` (what ``linli serve`` runs; sync workers, ``--workers``),
   on a free loopback port, against the scratch database, without an access log.
3. Baseline: as many GETs of ``/healthz`` as there are residents, from the same load generator
   at the same concurrency (and, for contrast only, as many signed-in GETs of ``/m/login/``, which
   read the session and the user and redirect: the floor of any signed-in page). Then the rush: one POST per resident to
   ``/m/college/courses/<id>/enroll/`` (session cookie + CSRF token, as the phone page sends it),
   all queued at once, at most ``--concurrency`` in flight.
4. Counted from the database afterwards: seats taken (enrolled + offered), waitlist, rows.
5. A lottery course with one application per resident, drawn in-process by ``lottery_draw``;
   baseline: one ``bulk_update`` of the same rows' status, in the same run.

The load generator is stdlib asyncio: one TCP connection per request (gunicorn's sync workers
close the connection after each answer, as they would for a phone), a latency per request from
connect to the last byte, and any exception or timeout counted as lost.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import math
import os
import platform
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from linli.bench import benchmark

HOST = "127.0.0.1"
REQUEST_TIMEOUT = 30.0  # seconds; an answer later than this counts as lost
TARGET_P99_MS = 500.0
TARGET_RATIO = 0.5


@dataclass
class Load:
    """What one phase of the load generator saw."""

    sent: int = 0
    ok: int = 0  # 2xx and 3xx
    client_errors: int = 0  # 4xx
    server_errors: int = 0  # 5xx
    lost: int = 0  # no answer: exception or timeout
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)  # seconds, answered requests only
    errors: dict[str, int] = field(default_factory=dict)  # exception name → count

    @property
    def rate(self) -> float:
        return self.sent / self.seconds if self.seconds else 0.0

    def percentile_ms(self, q: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        rank = math.ceil(q * len(ordered))  # nearest rank
        return ordered[min(len(ordered), max(1, rank)) - 1] * 1000


@dataclass
class RushReport:
    residents: int
    seats: int
    health: Load
    rush: Load
    signed_in: Load = field(default_factory=Load)  # for contrast: the cheapest signed-in request
    seats_taken: int = 0  # enrolled + offered
    waitlisted: int = 0
    rows: int = 0  # enrollment rows of the rush course
    residents_without_row: int = 0
    lottery_applicants: int = 0
    lottery_seated: int = 0
    lottery_waitlisted: int = 0
    lottery_seconds: float = 0.0
    bulk_update_seconds: float = 0.0

    @property
    def ratio(self) -> float:
        return self.rush.rate / self.health.rate if self.health.rate else 0.0

    @property
    def expected_waitlist(self) -> int:
        return max(0, self.residents - self.seats)

    def checks(self) -> list[tuple[str, bool]]:
        return [
            (f"不超卖：占座 {self.seats_taken} = 名额 {self.seats}", self.seats_taken == min(self.seats, self.residents)),
            (f"不丢请求：无应答 {self.rush.lost}、5xx {self.rush.server_errors}、无记录的居民 "
             f"{self.residents_without_row}",
             self.rush.lost == 0 and self.rush.server_errors == 0 and self.residents_without_row == 0),
            (f"候补 {self.waitlisted} = {self.expected_waitlist}", self.waitlisted == self.expected_waitlist),
            (f"p99 {self.rush.percentile_ms(0.99):.0f} ms ≤ {TARGET_P99_MS:.0f} ms",
             self.rush.percentile_ms(0.99) <= TARGET_P99_MS),
            (f"吞吐比 报名/健康检查 {self.ratio:.2f} ≥ {TARGET_RATIO}", self.ratio >= TARGET_RATIO),
            (f"摇号 {self.lottery_applicants} 份申请用时 {self.lottery_seconds:.2f} s ≤ 1 s", self.lottery_seconds <= 1.0),
        ]


@benchmark("enroll-rush", "开课抢报：生产服务器上 2000 人同时报名 30 个名额（不超卖、不丢请求、p99、吞吐比）；2000 份申请摇号",
           options=(
               ("--residents", int, 2000, "居民人数＝报名请求数（默认 2000）"),
               ("--seats", int, 30, "先到先得课程的名额（默认 30）"),
               ("--concurrency", int, 32, "同时在途的请求数上限（默认 32）"),
               ("--workers", int, (os.cpu_count() or 1) * 2 + 1, "gunicorn 工作进程数（默认 2×核数+1）"),
           ))
def run(*, out: Callable[[str], Any], residents: int, seats: int, concurrency: int, workers: int) -> None:
    report = rush(out=out, residents=residents, seats=seats, concurrency=concurrency, workers=workers)
    failed = [text for text, ok in report.checks() if not ok]
    out("结论：" + ("PASS（全部达标）" if not failed else "FAIL（未达标：" + "；".join(failed) + "）"))


def rush(*, out: Callable[[str], Any], residents: int, seats: int, concurrency: int, workers: int) -> RushReport:
    """Run the whole benchmark and return its figures (printed through ``out`` as it goes)."""
    from django.core.management.base import CommandError
    from django.db import connection

    if connection.vendor != "postgresql":
        raise CommandError("enroll-rush 需要 PostgreSQL：请把 DATABASE_URL 设为 postgres://用户@主机:端口/库名 再运行"
                           f"（当前数据库是 {connection.vendor}；SQLite 一次只允许一个写入者，测不出并发报名）")
    if residents < 1 or seats < 1:
        raise CommandError("--residents 和 --seats 须至少为 1")
    if concurrency < 1 or workers < 1:
        raise CommandError("--concurrency 和 --workers 须至少为 1")

    old_name = connection.settings_dict["NAME"]
    test = connection.settings_dict.setdefault("TEST", {})
    old_test_name = test.get("NAME")
    test["NAME"] = f"{old_name}_rush{os.getpid()}"
    out(_machine())
    out(f"数据库：PostgreSQL，临时库 {test['NAME']}（运行后删除，不动配置的数据库）")
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        return _measure(out, residents=residents, seats=seats, concurrency=concurrency, workers=workers)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        if old_test_name is None:
            test.pop("NAME", None)
        else:
            test["NAME"] = old_test_name


def _machine() -> str:
    import django

    cpu = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            cpu = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), "")
    except OSError:
        pass
    try:
        from importlib.metadata import version

        gunicorn = version("gunicorn")
    except Exception:  # only for the banner
        gunicorn = "?"
    return (f"机器：{os.cpu_count()} 核 {cpu}；{platform.system()} {platform.release()}；Python {platform.python_version()}；"
            f"Django {django.get_version()}；gunicorn {gunicorn}")


# --- set-up ---------------------------------------------------------------------------------------


def _measure(out: Callable[[str], Any], *, residents: int, seats: int, concurrency: int, workers: int) -> RushReport:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
        cursor.execute("SHOW fsync")
        fsync = cursor.fetchone()[0]
    out(f"PostgreSQL {pg_version}（fsync={fsync}）")

    start = time.perf_counter()
    admin, people, cookies = _residents(residents)
    course = _rush_course(admin, seats)
    out(f"准备：{residents} 位居民（含登录会话）和 {seats} 个名额的先到先得课程，用时 {time.perf_counter() - start:.1f} s")

    report = RushReport(residents=residents, seats=seats, health=Load(), rush=Load())
    port = _free_port()
    server = _start_server(port, workers)
    try:
        _wait_ready(server, port)
        out(f"服务器：gunicorn linli.wsgi，{workers} 个 sync 工作进程，{HOST}:{port}，不写访问日志；"
            f"负载：同时在途 ≤ {concurrency}")
        health = _request(port, "GET", "/healthz")
        _load(_fire(port, [health] * min(200, residents), concurrency))  # warm every worker
        report.health = _load(_fire(port, [health] * residents, concurrency))
        out(_line("健康检查 GET /healthz", report.health))
        # For contrast, not a target: the floor of any signed-in page (session and user read, a redirect).
        report.signed_in = _load(_fire(port, [_request(port, "GET", "/m/login/", cookies=c) for c in cookies],
                                             concurrency))
        out(_line("对照：已登录的最简请求 GET /m/login/（读会话和用户，302）", report.signed_in))
        path = f"/m/college/courses/{course.pk}/enroll/"
        requests = [_request(port, "POST", path, cookies=c, form={"csrfmiddlewaretoken": c["csrftoken"]})
                    for c in cookies]
        report.rush = _load(_fire(port, requests, concurrency))
        out(_line(f"抢报 POST {path}", report.rush))
    finally:
        errors = _stop_server(server)
    if report.rush.server_errors or report.rush.lost:
        out("服务器错误输出（末尾）：\n" + errors[-3000:])
    _count(report, course, people)
    out(f"数据库：占座（已报名+待确认）{report.seats_taken}，候补 {report.waitlisted}，报名记录 {report.rows}，"
        f"没有记录的居民 {report.residents_without_row}")
    contrast = report.rush.rate / report.signed_in.rate if report.signed_in.rate else 0.0
    out(f"吞吐比：报名/健康检查 = {report.ratio:.2f}（对照：报名/已登录的最简请求 = {contrast:.2f}）")
    _lottery(out, report, admin, people, seats)
    for text, ok in report.checks():
        out(f"  {'PASS' if ok else 'FAIL'}  {text}")
    return report


def _residents(n: int) -> tuple[Any, list[Any], list[dict[str, str]]]:
    """``n`` residents of 邢家桥 with their own logins and a signed-in session each, bulk-written."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.db import transaction
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from linli.accounts.models import User
    from linli.accounts.services import role_grant
    from linli.areas.models import Area
    from linli.core import idcard, protected
    from linli.core.testing import XINGJIAQIAO, area_tree
    from linli.people.models import Resident

    area_tree()
    admin = User.objects.create_user(username="bench-admin", password=None, full_name="基准管理员")
    role_grant(by=None, user=admin, area=Area.objects.get(code="500112"), role="district_admin")
    unusable = make_password(None)
    with transaction.atomic():
        phones = [f"139{i:08d}" for i in range(n)]
        users = User.objects.bulk_create([
            User(username=f"rush{i}", kind=User.Kind.RESIDENT, full_name=f"抢报{i}", password=unusable,
                 phone=phone, phone_hash=protected.blind_index(phone))
            for i, phone in enumerate(phones)], batch_size=1000)
        people = []
        for i, (user, phone) in enumerate(zip(users, phones, strict=True)):
            birth = dt.date(1940, 1, 1) + dt.timedelta(days=i % 5000)
            number = idcard.build("500112", birth, i // 5000 * 2 % 1000)
            people.append(Resident(name=f"抢报{i}", sex="F", birth_date=birth, id_number=number,
                                   id_number_hash=protected.blind_index(number), phone=phone,
                                   phone_hash=protected.blind_index(phone), area_id=XINGJIAQIAO,
                                   address="基准路 1 号", checkin_code=secrets.token_urlsafe(12), user=user))
        people = Resident.objects.bulk_create(people, batch_size=1000)
        store = SessionStore()
        expires = timezone.now() + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
        backend = "django.contrib.auth.backends.ModelBackend"
        sessions, cookies = [], []
        for user in users:
            key = get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789")
            data = {SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: backend, HASH_SESSION_KEY: user.get_session_auth_hash()}
            sessions.append(Session(session_key=key, session_data=store.encode(data), expire_date=expires))
            cookies.append({settings.SESSION_COOKIE_NAME: key, settings.CSRF_COOKIE_NAME: get_random_string(32)})
        Session.objects.bulk_create(sessions, batch_size=1000)
    return admin, people, cookies


def _college(admin: Any, title: str, seats: int, weekday: int, venue_name: str) -> Any:
    from linli.college.services.clubs import alliances_ensure_defaults, club_create
    from linli.college.services.courses import course_create
    from linli.college.services.sessions import slot_set
    from linli.college.services.teachers import teacher_create
    from linli.college.services.venues import venue_create
    from linli.core.testing import XINGJIAQIAO

    alliance = next(a for a in alliances_ensure_defaults(by=admin, area_code=XINGJIAQIAO) if a.name == "体育")
    club = club_create(by=admin, area_code=XINGJIAQIAO, alliance=alliance, name=f"{title}社")
    teacher = teacher_create(by=admin, area_code=XINGJIAQIAO, name=f"{title}老师", skills=[title], kind="local")
    venue = venue_create(by=admin, area_code=XINGJIAQIAO, name=venue_name, capacity=max(seats, 30), features=[])
    today = dt.date.today()
    course = course_create(by=admin, club=club, title=title, term="基准学期", capacity=seats,
                           starts_on=today + dt.timedelta(days=14), ends_on=today + dt.timedelta(days=100),
                           teacher=teacher, venue=venue, status="open")
    slot_set(by=admin, course=course, weekday=weekday, starts_at=dt.time(9, 0))
    return course


def _rush_course(admin: Any, seats: int) -> Any:
    from django.utils import timezone

    from linli.college.services.enrollment import policy_set

    course = _college(admin, "太极拳", seats, 2, "基准活动室")
    now = timezone.now()
    policy_set(by=admin, course=course, mode="first_come", opens_at=now - dt.timedelta(minutes=5),
               closes_at=now + dt.timedelta(days=3))
    return course


def _count(report: RushReport, course: Any, people: Sequence[Any]) -> None:
    from django.db.models import Count, Q

    from linli.college.models import SEATED_STATUSES, Enrollment, EnrollmentStatus

    rows = Enrollment.objects.filter(course=course)
    figures = rows.aggregate(seats=Count("pk", filter=Q(status__in=SEATED_STATUSES)),
                             waiting=Count("pk", filter=Q(status=EnrollmentStatus.WAITLISTED)),
                             rows=Count("pk"), people=Count("resident", distinct=True))
    report.seats_taken = figures["seats"]
    report.waitlisted = figures["waiting"]
    report.rows = figures["rows"]
    report.residents_without_row = len(people) - figures["people"]


# --- the lottery ----------------------------------------------------------------------------------


def _lottery(out: Callable[[str], Any], report: RushReport, admin: Any, people: Sequence[Any], seats: int) -> None:
    from django.db import transaction
    from django.test.utils import override_settings
    from django.utils import timezone

    from linli.accounts import sms
    from linli.college.models import SEATED_STATUSES, Enrollment, EnrollmentStatus
    from linli.college.services.enrollment import lottery_draw, policy_set

    course = _college(admin, "书法", seats, 4, "基准书画室")
    now = timezone.now()
    policy_set(by=admin, course=course, mode="lottery", opens_at=now - dt.timedelta(minutes=5),
               closes_at=now + dt.timedelta(hours=1), priorities=["community", "alone", "no_class"])
    # The applications themselves are not what is measured: written in bulk, as enrollment_create would.
    rows = Enrollment.objects.bulk_create([
        Enrollment(course=course, resident=r, status=EnrollmentStatus.APPLIED, channel="self", by_id=r.user_id,
                   queue_no=i + 1) for i, r in enumerate(people)], batch_size=1000)
    report.lottery_applicants = len(rows)

    start = time.perf_counter()
    with transaction.atomic():
        for row in rows:
            row.status = EnrollmentStatus.WAITLISTED
        Enrollment.objects.bulk_update(rows, ["status"], batch_size=1000)
        transaction.set_rollback(True)  # the draw starts from the same applications
    report.bulk_update_seconds = time.perf_counter() - start

    sms.register_backend("bench-discard", lambda phone, text: None)
    with override_settings(LINLI_SMS_BACKEND="bench-discard"):
        start = time.perf_counter()
        lottery_draw(by=admin, course=course, at=now + dt.timedelta(hours=1, minutes=1))
        report.lottery_seconds = time.perf_counter() - start
    drawn = Enrollment.objects.filter(course=course)
    report.lottery_seated = drawn.filter(status__in=SEATED_STATUSES).count()
    report.lottery_waitlisted = drawn.filter(status=EnrollmentStatus.WAITLISTED).count()
    ratio = report.lottery_seconds / report.bulk_update_seconds if report.bulk_update_seconds else 0.0
    out(f"摇号：{report.lottery_applicants} 份申请，lottery_draw（含记录、通知）用时 {report.lottery_seconds:.3f} s；"
        f"基线（同样 {len(rows)} 行 bulk_update 状态）{report.bulk_update_seconds:.3f} s；摇号/基线 = {ratio:.1f}；"
        f"摇中 {report.lottery_seated}，候补 {report.lottery_waitlisted}")


# --- the server -----------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _database_url() -> str:
    from django.db import connection

    s = connection.settings_dict
    auth = quote(s["USER"] or "", safe="")
    if s["PASSWORD"]:
        auth += ":" + quote(s["PASSWORD"], safe="")
    host = s["HOST"] or ""
    port = f":{s['PORT']}" if s["PORT"] else ""
    return f"postgres://{auth}{'@' if auth else ''}{host}{port}/{quote(s['NAME'], safe='')}"


@dataclass
class _Server:
    process: subprocess.Popen
    log: Any  # the temporary file gunicorn's error log goes to


def _start_server(port: int, workers: int) -> _Server:
    from django.conf import settings

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "linli.settings",
        "DATABASE_URL": _database_url(),
        "LINLI_SECRET_KEY": settings.SECRET_KEY,
        "LINLI_FIELD_KEY": base64.urlsafe_b64encode(settings.LINLI_FIELD_KEY).decode(),
        "LINLI_DEBUG": "false",
        "LINLI_ALLOWED_HOSTS": HOST,
        "LINLI_SMS_BACKEND": "memory",  # promotions may text; no console output in a measurement
        "PYTHONPATH": os.pathsep.join(p for p in (str(settings.BASE_DIR), os.environ.get("PYTHONPATH", "")) if p),
    }
    log = tempfile.TemporaryFile(mode="w+b")  # noqa: SIM115 - closed by _stop_server
    command = [sys.executable, "-m", "gunicorn", "linli.wsgi:application", "--bind", f"{HOST}:{port}",
               "--workers", str(workers), "--worker-class", "sync", "--timeout", "60",
               "--error-logfile", "-", "--log-level", "warning"]
    process = subprocess.Popen(command, env=env, cwd=str(settings.BASE_DIR), stdout=log, stderr=subprocess.STDOUT)
    return _Server(process, log)


def _wait_ready(server: _Server, port: int, seconds: float = 60.0) -> None:
    from django.core.management.base import CommandError

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise CommandError("gunicorn 启动失败：\n" + _server_output(server)[-3000:])
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    raise CommandError(f"gunicorn 在 {seconds:.0f} 秒内没有就绪：\n" + _server_output(server)[-3000:])


def _server_output(server: _Server) -> str:
    server.log.flush()
    server.log.seek(0)
    return server.log.read().decode("utf-8", "replace")


def _stop_server(server: _Server) -> str:
    process = server.process
    if process.poll() is None:
        process.terminate()  # gunicorn: graceful stop of the workers
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    text = _server_output(server)
    server.log.close()
    return text


# --- the load generator ---------------------------------------------------------------------------


def _request(port: int, method: str, path: str, *, cookies: dict[str, str] | None = None,
             form: dict[str, str] | None = None) -> bytes:
    from urllib.parse import urlencode

    body = urlencode(form).encode() if form else b""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{port}", "User-Agent: linli-bench", "Connection: close"]
    if cookies:
        lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items()))
    if method == "POST":
        lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _one(port: int, request: bytes) -> int:
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        writer.write(request)
        await writer.drain()
        answer = await reader.read()  # the server closes the connection after the answer
    finally:
        writer.close()
    status_line = answer.split(b"\r\n", 1)[0].split()
    if len(status_line) < 2 or not status_line[1].isdigit():
        raise ConnectionError("no HTTP answer")
    return int(status_line[1])


def _load(coroutine: Any) -> Any:
    """Run the load generator's event loop in a thread of its own: the caller's thread may already
    run one (a test session that drove the browser through Playwright's sync API does)."""
    result: dict[str, Any] = {}

    def target() -> None:
        try:
            result["value"] = asyncio.run(coroutine)
        except BaseException as exc:  # handed back to the caller's thread
            result["error"] = exc

    worker = threading.Thread(target=target, name="enroll-rush-load")
    worker.start()
    worker.join()
    if "error" in result:
        raise result["error"]
    return result["value"]


async def _fire(port: int, requests: Sequence[bytes], concurrency: int) -> Load:
    """Queue every request at once; at most ``concurrency`` in flight."""
    load = Load(sent=len(requests))
    pending = iter(requests)

    async def worker() -> None:
        for request in pending:
            start = time.perf_counter()
            try:
                status = await asyncio.wait_for(_one(port, request), REQUEST_TIMEOUT)
            except Exception as exc:  # any failure to get an answer is a lost request
                load.lost += 1
                load.errors[type(exc).__name__] = load.errors.get(type(exc).__name__, 0) + 1
                continue
            load.latencies.append(time.perf_counter() - start)
            if status < 400:
                load.ok += 1
            elif status < 500:
                load.client_errors += 1
            else:
                load.server_errors += 1

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(min(concurrency, len(requests)))))
    load.seconds = time.perf_counter() - start
    return load


def _line(label: str, load: Load) -> str:
    median = statistics.median(load.latencies) * 1000 if load.latencies else 0.0
    errors = f"（{', '.join(f'{k}×{v}' for k, v in load.errors.items())}）" if load.errors else ""
    return (f"{label}：发出 {load.sent}，2xx/3xx {load.ok}，4xx {load.client_errors}，5xx {load.server_errors}，"
            f"无应答 {load.lost}{errors}；用时 {load.seconds:.2f} s，{load.rate:,.0f} 次/秒；"
            f"p50 {median:.1f} ms，p99 {load.percentile_ms(0.99):.1f} ms")
