"""Pages of the weekly timetable (课表 and 排课): the published board of a community (or of a street,
for its admin) per venue and per club, lock / move an entry, re-solve, the runs, publishing, the A4
print view and the .xlsx export.

Thin: ``selectors.timetable`` reads (the board, the runs the user sees), ``services.timetable`` and
``services.sessions`` write. Seeing follows the college's rule (a grid worker sees their community's
timetable); every write needs MANAGE_COLLEGE on the area, checked again by the services.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from linli.accounts.roles import Perm
from linli.accounts.selectors import has_permission
from linli.accounts.web import staff_required
from linli.areas.models import Area, Level
from linli.college import permissions
from linli.college.models import Course, CourseStatus, TimetableRun, WeeklySlot
from linli.college.models.timetable import RunStatus
from linli.college.selectors import timetable as tt_selectors
from linli.college.selectors.clubs import communities_visible
from linli.college.selectors.scope import college_visible
from linli.college.selectors.venues import venues_usable
from linli.college.services import sessions as session_services
from linli.college.services import timetable as tt_services
from linli.college.services.common import WEEKDAYS
from linli.college.views.common import require_view, within
from linli.core.errors import LinliError, forbidden, invalid, not_found
from linli.core.exports import safe_cell, xlsx_download
from linli.core.forms import add_service_error, set_choices
from linli.core.once import submit_once

TABS = (("venue", "按场地"), ("club", "按社团"))
BROKEN = tt_services.INTERRUPTED
PUBLISHED_TEXT = "已发布：{n} 门课的课表已更新，居民页面同步显示"


# --- the grid -------------------------------------------------------------------------------


def _hhmm(value: dt.time) -> str:
    return f"{value.hour:02d}:{value.minute:02d}"


def _entry(e: Any) -> dict[str, Any]:
    """One session on the board (``selectors.timetable.Entry``), as the templates use it."""
    return {"course": e.title, "course_id": e.course.pk, "club": e.club, "teacher": e.teacher, "venue": e.venue,
            "venue_id": e.venue_id, "locked": e.locked, "slot_id": e.slot_id, "weekday": e.weekday, "slot": e.slot,
            "duration": e.duration, "start": e.start, "end": e.end, "first": e.first}


def _table(t: Any) -> dict[str, Any]:
    """One venue's (or club's) week: a row per grid slot, a cell per day with the sessions in it.
    A session longer than a slot shows in its first cell and, as "（续）", in the ones it runs on."""
    rows = [{"label": g.label, "start": g.start_label, "cells": [[_entry(e) for e in cell] for cell in cells]}
            for g, cells in t.rows]
    entries = [e for row in rows for cell in row["cells"] for e in cell if e["first"]]
    return {"name": t.name, "key": t.key, "rows": rows, "count": t.sessions, "entries": entries,
            "clashes": t.clashes}


def tables(board: Any, key: str) -> list[dict[str, Any]]:
    return [_table(t) for t in (board.venues if key == "venue" else board.clubs)]


# --- whose timetable ------------------------------------------------------------------------


def areas(request: HttpRequest, permission: str = Perm.VIEW_COLLEGE) -> list[Area]:
    """The streets (whose admins schedule their communities together) and communities the user may choose."""
    communities = list(communities_visible(request.user, within=within(request), permission=permission))
    streets = {a.parent.code: a.parent for a in communities if a.parent is not None}
    options = [street for code, street in sorted(streets.items())
               if street.level == Level.STREET and has_permission(request.user, permission, code)]
    return options + communities


def chosen(request: HttpRequest, permission: str = Perm.VIEW_COLLEGE) -> tuple[Area, list[Area]]:
    options = areas(request, permission)
    if not options:
        raise forbidden("查看社区学院" if permission == Perm.VIEW_COLLEGE else "管理社区学院")
    code = request.POST.get("area") or request.GET.get("area") or ""
    if code and not any(a.code == code for a in options):
        raise not_found("社区或街道")
    return next((a for a in options if a.code == code), _default(options)), options


def _default(options: list[Area]) -> Area:
    communities = [a for a in options if a.level == Level.COMMUNITY]
    if len(communities) == 1:
        return communities[0]
    return options[0]


def _board_url(area_code: str, tab: str = "venue") -> str:
    query = {"area": area_code}
    if tab != "venue":
        query["by"] = tab
    return f"{reverse('college:timetable')}?{urlencode(query)}"


def _tab(request: HttpRequest) -> str:
    value = request.POST.get("by") or request.GET.get("by") or ""
    return value if value in dict(TABS) else "venue"


def terms_of(area_code: str) -> str:
    terms = (Course.objects.filter(area__code__startswith=area_code,
                                   status__in=(CourseStatus.PLANNED, CourseStatus.OPEN))
             .order_by("term").values_list("term", flat=True).distinct())
    return "、".join(t for t in terms if t)


def _visible_slot(request: HttpRequest, slot_id: int) -> WeeklySlot:
    require_view(request)
    courses = college_visible(Course.objects.all(), request.user, Perm.VIEW_COLLEGE)
    slot = (WeeklySlot.objects.filter(pk=slot_id, course__in=courses)
            .select_related("course", "course__venue", "course__teacher", "course__club", "venue").first())
    if slot is None:
        raise not_found("课表时段")
    return slot


# --- forms ----------------------------------------------------------------------------------


class RunForm(forms.Form):
    time_limit = forms.IntegerField(label="计算时限（秒）", min_value=1, max_value=600, initial=20,
                                    help_text="一般 20 秒足够；街道一起排课可多给些时间")


class MoveForm(forms.Form):
    weekday = forms.TypedChoiceField(label="星期", coerce=int, choices=[(str(k), v) for k, v in WEEKDAYS.items()])
    slot = forms.TypedChoiceField(label="开始时间", coerce=int, choices=())
    venue = forms.ChoiceField(label="场地")

    def __init__(self, *args: Any, venues: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "slot", [(str(g.index), g.label) for g in tt_services.GRID])
        set_choices(self, "venue", [(str(v.pk), v.name) for v in venues])


def _move_form(slot: WeeklySlot, data: Any = None, *, inline: bool = False,
               usable: dict[str, list[Any]] | None = None) -> MoveForm:
    """``usable``: the venues usable per community, filled once per community on a board."""
    course = slot.course
    if usable is None:
        usable = {}
    if course.area_id not in usable:
        usable[course.area_id] = list(venues_usable(course.area_id))
    venues = list(usable[course.area_id])
    for v in (slot.venue, course.venue):
        if v is not None and v not in venues:
            venues.append(v)
    index = tt_services.grid_index(slot.starts_at, tt_services.duration_slots(course.session_minutes))
    place = slot.venue or course.venue
    initial = {"weekday": slot.weekday, "slot": index, "venue": place.pk if place else ""}
    auto_id = f"id_m{slot.pk}_%s" if inline else "id_%s"  # several small forms on one board
    return MoveForm(data, venues=venues, initial=initial, auto_id=auto_id)


# --- the board ------------------------------------------------------------------------------


def _board_context(request: HttpRequest, area: Area, options: list[Area], **extra: Any) -> dict[str, Any]:
    tab = extra.pop("tab", None) or _tab(request)
    board = tt_selectors.board(area.code)
    can_manage = permissions.can_manage_area(request.user, area.code)
    shown = tables(board, tab)
    move_forms: dict[Any, MoveForm] = {}
    if can_manage:
        ids = {e["slot_id"] for t in shown for e in t["entries"] if e["slot_id"]}
        usable: dict[str, list[Any]] = {}
        for slot in WeeklySlot.objects.filter(pk__in=ids).select_related("course__venue", "venue"):
            move_forms[slot.pk] = _move_form(slot, inline=True, usable=usable)
        for t in shown:
            for row in t["rows"]:
                for cell in row["cells"]:
                    for e in cell:
                        e["form"] = move_forms.get(e["slot_id"])
    runs = tt_selectors.runs_visible(request.user, Perm.VIEW_COLLEGE).filter(area=area)
    return {
        "area": area, "areas": options, "tab": tab, "tabs": TABS, "tables": shown, "can_manage": can_manage,
        "run_form": extra.pop("run_form", None) or RunForm(initial={"time_limit": 20}),
        "last_run": runs.first(), "terms": terms_of(area.code), "days": list(WEEKDAYS.values()),
        **extra,
    }


@staff_required
def board_page(request: HttpRequest) -> HttpResponse:
    require_view(request)
    area, options = chosen(request)
    return render(request, "college/timetable_board.html", _board_context(request, area, options))


@require_POST
@staff_required
def slot_lock(request: HttpRequest, slot_id: int) -> HttpResponse:
    slot = _visible_slot(request, slot_id)
    locked = request.POST.get("locked") in ("1", "true", "on")
    back = _board_url(request.POST.get("area") or slot.course.area_id, _tab(request))
    try:
        tt_services.slot_lock(by=request.user, slot=slot, locked=locked)
    except LinliError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, exc.message)
    else:
        word = "已锁定" if locked else "已解锁"
        messages.success(request, f"{word}：{slot.course.title} 每{WEEKDAYS[slot.weekday]} {_hhmm(slot.starts_at)}"
                         + ("（重新排课时不移动）" if locked else ""))
    return redirect(back)


def _move(by: Any, slot: WeeklySlot, weekday: int, starts_at: dt.time, venue: Any) -> WeeklySlot:
    """Move one meeting of a course: the new day's slot is written, the old day's removed, together."""
    course = slot.course
    with transaction.atomic():
        if weekday != slot.weekday and WeeklySlot.objects.filter(course=course, weekday=weekday).exists():
            raise invalid("weekday", "星期", f"“{course.title}”每{WEEKDAYS[weekday]}已有一次课，一天只上一次")
        keep = None if venue is None or venue.pk == course.venue_id else venue
        moved = session_services.slot_set(by=by, course=course, weekday=weekday, starts_at=starts_at, venue=keep,
                                          locked=slot.locked)
        if weekday != slot.weekday:
            session_services.slot_remove(by=by, slot=slot)
    return moved


@staff_required
@submit_once
def slot_move(request: HttpRequest, slot_id: int) -> HttpResponse:
    """调整: GET shows the small form alone; POST moves the meeting (its refusal beside the field)."""
    slot = _visible_slot(request, slot_id)
    course = slot.course
    if not permissions.can_manage(request.user, course):
        raise forbidden("调整该课程的课表")
    area_code = request.POST.get("area") or request.GET.get("area") or course.area_id
    tab = _tab(request)
    form = _move_form(slot, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        venue = _venue_choice(slot, d["venue"])
        starts = tt_services.GRID[d["slot"]].start
        try:
            _move(request.user, slot, d["weekday"], starts, venue)
        except LinliError as exc:
            if exc.field == "starts_at" and exc.status not in (403, 404):
                form.add_error("slot", exc.message)  # the time is chosen here as a slot of the grid
            else:
                add_service_error(form, exc)
        else:
            messages.success(request, f"已调整：{course.title} 改到每{WEEKDAYS[d['weekday']]} {_hhmm(starts)}"
                             + (f"，{venue.name}" if venue else ""))
            return redirect(_board_url(area_code, tab))
    return render(request, "college/timetable_move.html", {
        "slot": slot, "course": course, "form": form, "area_code": area_code, "tab": tab,
        "weekday": WEEKDAYS[slot.weekday], "starts": _hhmm(slot.starts_at),
        "back": _board_url(area_code, tab),
    }, status=400 if form.errors else 200)


def _venue_choice(slot: WeeklySlot, pk: str) -> Any:
    venues = list(venues_usable(slot.course.area_id))
    venues += [v for v in (slot.venue, slot.course.venue) if v is not None]
    return next((v for v in venues if str(v.pk) == pk), None)


# --- runs -----------------------------------------------------------------------------------


@require_POST
@staff_required
@submit_once
def run_start(request: HttpRequest) -> HttpResponse:
    require_view(request)
    area, options = chosen(request)
    if not permissions.can_manage_area(request.user, area.code):
        raise forbidden(f"为{area.name}排课")
    form = RunForm(request.POST)
    if form.is_valid():
        try:
            run = tt_services.timetable_run_start(by=request.user, area_code=area.code,
                                                  time_limit=form.cleaned_data["time_limit"])
        except LinliError as exc:
            add_service_error(form, exc)
        else:
            return redirect("college:timetable_run", pk=run.pk)
    return render(request, "college/timetable_board.html",
                  _board_context(request, area, options, run_form=form), status=400)


def run_failed(run: TimetableRun) -> bool:
    """A run still queued or running long after it should have finished was cut off (a restart)."""
    return tt_services.run_interrupted(run)


def status_text(run: TimetableRun) -> str:
    return "失败" if run_failed(run) else run.get_status_display()


def _user_name(user: Any) -> str:
    return (getattr(user, "full_name", "") or getattr(user, "username", "")) if user else ""


@staff_required
def run_list(request: HttpRequest) -> HttpResponse:
    require_view(request)
    area, options = chosen(request)
    runs = list(tt_selectors.runs_visible(request.user, Perm.VIEW_COLLEGE).filter(area=area)
                .select_related("created_by", "area")[:100])
    rows = [{"run": r, "status": status_text(r), "by": _user_name(r.created_by)} for r in runs]
    return render(request, "college/timetable_runs.html", {
        "area": area, "areas": options, "rows": rows,
        "can_manage": permissions.can_manage_area(request.user, area.code),
    })


def _run(request: HttpRequest, pk: int) -> TimetableRun:
    require_view(request)
    run = (tt_selectors.runs_visible(request.user, Perm.VIEW_COLLEGE).filter(pk=pk)
           .select_related("area", "created_by", "published_by").first())
    if run is None:
        raise not_found("排课记录")
    return run


def _stale(run: TimetableRun) -> bool:
    """A solved run whose problem no longer matches the area's courses and slots (publishing it is allowed)."""
    return run.status == RunStatus.DONE and tt_selectors.run_outdated(run)


def _run_context(request: HttpRequest, run: TimetableRun) -> dict[str, Any]:
    result = run.result or {}
    pending = run.status in (RunStatus.QUEUED, RunStatus.RUNNING) and not run_failed(run)
    done = run.status in (RunStatus.DONE, RunStatus.PUBLISHED)
    tab = _tab(request)
    board = tt_selectors.board(run.area_id, run=run) if done else None
    score = result.get("score") or {}
    return {
        "run": run, "area": run.area, "pending": pending, "failed": run.status == RunStatus.FAILED or run_failed(run),
        "broken": run_failed(run), "broken_text": BROKEN, "done": done, "status": status_text(run),
        "terms": score.get("terms", []), "total": score.get("total", run.objective),
        "unplaced": result.get("unplaced", []), "issues": result.get("issues", []),
        "tab": tab, "tabs": TABS, "tables": tables(board, tab) if board is not None else [],
        "days": list(WEEKDAYS.values()), "stale": _stale(run), "by": _user_name(run.created_by),
        "can_publish": run.status == RunStatus.DONE and permissions.can_manage_area(request.user, run.area_id),
        "gap": result.get("gap"), "seconds": result.get("seconds"),
    }


@staff_required
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    context = _run_context(request, run)
    if request.headers.get("HX-Request") and request.GET.get("poll"):
        if context["pending"]:
            return render(request, "college/partials/timetable_run_status.html", context)
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"  # finished: the whole page, with its board and buttons
        return response
    return render(request, "college/timetable_run.html", context)


def courses_placed(run: TimetableRun) -> int:
    """How many courses the run gives a timetable (the service returns the number of slots written)."""
    return len({p.get("course") for p in (run.result or {}).get("placements", [])})


@staff_required
@submit_once
def run_publish(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the confirm step; POST: publish."""
    run = _run(request, pk)
    if not permissions.can_manage_area(request.user, run.area_id):
        raise forbidden("发布课表")
    if request.method != "POST":
        return render(request, "college/timetable_publish.html", {
            "run": run, "area": run.area, "stale": _stale(run), "result": run.result or {},
            "losing": [(u.get("course_name", ""), u.get("missing", 0)) for u in (run.result or {}).get("unplaced", [])],
        })
    try:
        tt_services.timetable_publish(by=request.user, run=run)
    except LinliError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, exc.message)
        return redirect("college:timetable_run", pk=run.pk)
    messages.success(request, PUBLISHED_TEXT.format(n=courses_placed(run)))
    return redirect(_board_url(run.area_id))


# --- print and export -----------------------------------------------------------------------


@staff_required
def board_print(request: HttpRequest) -> HttpResponse:
    require_view(request)
    area, _options = chosen(request)
    board = tt_selectors.board(area.code)
    return render(request, "college/timetable_print.html", {
        "area": area, "tables": [t for t in tables(board, "venue") if t["count"]], "terms": terms_of(area.code),
        "days": list(WEEKDAYS.values()), "printed": timezone.localdate(),
    })


def cell_text(entries: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"{e['course']}（{e['teacher'] or '未定老师'}）{'〔锁定〕' if e['locked'] else ''}" if e["first"]
        else f"{e['course']}（续）" for e in entries)


def board_xlsx(area: Area, shown: list[dict[str, Any]]) -> bytes:
    """One sheet per venue: a row per slot, a column per day."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    for t in shown or [{"name": "课表", "rows": []}]:
        title = "".join(ch for ch in (t["name"] or "场地") if ch not in "[]:*?/\\")[:28] or "场地"
        base, n = title, 2
        while title in used:
            title, n = f"{base[:26]}{n}", n + 1
        used.add(title)
        sheet = book.create_sheet(title)
        sheet.append([f"{area.name} · {t['name']}"])
        sheet["A1"].font = Font(bold=True, size=14)
        sheet.append(["时间", *WEEKDAYS.values()])
        for c in sheet[2]:
            c.font = Font(bold=True)
        for row in t["rows"]:
            sheet.append([row["label"], *(safe_cell(cell_text(cell)) for cell in row["cells"])])
        sheet.column_dimensions["A"].width = 14
        for col in "BCDEFGH":
            sheet.column_dimensions[col].width = 22
        for line in sheet.iter_rows(min_row=3):
            for c in line:
                c.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.freeze_panes = "B3"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@staff_required
def board_export(request: HttpRequest) -> HttpResponse:
    require_view(request)
    area, _options = chosen(request)
    shown = tables(tt_selectors.board(area.code), "venue")
    return xlsx_download(f"{area.name}-课表-{timezone.localdate():%Y%m%d}.xlsx", board_xlsx(area, shown))
