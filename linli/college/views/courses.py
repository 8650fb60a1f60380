"""Pages of courses (课程). Thin: selectors read, services write."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from linli.accounts.roles import Perm
from linli.accounts.web import staff_required
from linli.college import catalog, permissions
from linli.college.forms import CourseFilterForm, CourseForm, CourseStatusForm
from linli.college.models import Club, Course, CourseStatus
from linli.college.selectors import courses as selectors
from linli.college.selectors.clubs import club_choices
from linli.college.selectors.teachers import teachers_usable
from linli.college.selectors.venues import venues_usable
from linli.college.services import courses as services
from linli.college.views.common import chosen_community, require_view, within
from linli.core.errors import LinliError, invalid
from linli.core.forms import add_service_error
from linli.core.listing import ListColumn, ListPage
from linli.core.once import submit_once


def _columns() -> list[ListColumn]:
    return [
        ListColumn("课程", lambda c: c.title, sort=("title",), link=lambda c: reverse("college:course_detail", args=[c.pk])),
        ListColumn("社团", lambda c: c.club.name, sort=("club__name",)),
        ListColumn("社区", lambda c: c.area.name, sort=("area_id",)),
        ListColumn("学期", lambda c: c.term, sort=("term",)),
        ListColumn("老师", lambda c: c.teacher.name if c.teacher else None),
        ListColumn("场地", lambda c: c.venue.name if c.venue else None),
        ListColumn("每周", lambda c: f"{c.sessions_per_week} 次 × {c.session_minutes} 分钟"),
        ListColumn("名额", lambda c: c.capacity, sort=("-capacity",)),
        ListColumn("开课", lambda c: c.starts_on, sort=("-starts_on",)),
        ListColumn("结课", lambda c: c.ends_on, sort=("-ends_on",)),
        ListColumn("状态", lambda c: c.get_status_display(), sort=("status",)),
    ]


@staff_required
def course_list(request: HttpRequest) -> HttpResponse:
    require_view(request)
    area = within(request)
    form = CourseFilterForm(request.GET or None, terms=selectors.terms_visible(request.user, area),
                            clubs=club_choices(request.user, within=area))
    data = form.cleaned_data if form.is_valid() else {}

    def queryset():
        return selectors.courses_visible(request.user, within=area, status=data.get("status", ""),
                                         term=data.get("term", ""), club_id=data.get("club"), q=data.get("q", ""))

    actions = []
    if permissions.can_manage_college_anywhere(request.user):
        actions.append(("开设课程", reverse("college:course_create")))
    listing = ListPage(
        title="课程", columns=_columns(), queryset=queryset(), filter_form=form,
        default_order=("area_id", "-starts_on", "title", "pk"), export_name="课程", can_export=True,
        export_queryset=queryset, actions=actions, empty_text="没有符合条件的课程",
    )
    return listing.render(request)


def _form(request: HttpRequest, community_code: str, *, course: Course | None = None, **kwargs) -> CourseForm:
    clubs = Club.objects.filter(area_id=community_code, archived_at__isnull=True).select_related("alliance")
    teachers = list(teachers_usable(community_code))
    venues = list(venues_usable(community_code))
    if course is not None:  # the present teacher and venue stay choosable, even if no longer in use
        if course.teacher and course.teacher not in teachers:
            teachers.append(course.teacher)
        if course.venue and course.venue not in venues:
            venues.append(course.venue)
    form = CourseForm(request.POST or None, clubs=clubs.order_by("alliance__position", "name"), teachers=teachers,
                      venues=venues, **kwargs)
    form.fields["title"].widget.attrs.update({
        "hx-get": reverse("college:course_features"), "hx-trigger": "change", "hx-target": "#features-row",
        "hx-swap": "outerHTML", "hx-include": "this",
    })
    return form


def _values(d: dict) -> dict:
    return {k: d[k] for k in ("title", "term", "capacity", "starts_on", "ends_on", "sessions_per_week",
                              "session_minutes", "needed_features", "description")}


def _pick(objects, pk: str):
    return next((o for o in objects if str(o.pk) == pk), None) if pk else None


@staff_required
@submit_once
def course_create(request: HttpRequest) -> HttpResponse:
    community, options = chosen_community(request, Perm.MANAGE_COLLEGE)
    initial = {"club": request.GET.get("club", ""), "sessions_per_week": 1, "session_minutes": 90}
    form = _form(request, community.code, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        club = Club.objects.filter(pk=d["club"], area=community).first()
        try:
            if club is None:
                raise invalid("club", "社团", "请选择本社区的社团")
            course = services.course_create(
                by=request.user, club=club, **_values(d),
                teacher=_pick(teachers_usable(community.code), d["teacher"]),
                venue=_pick(venues_usable(community.code), d["venue"]),
            )
        except LinliError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"已开设课程“{course.title}”")
            return redirect("college:course_detail", pk=course.pk)
    return render(request, "college/course_form.html", {
        "form": form, "title": f"开设课程 · {community.name}", "community": community, "communities": options,
    }, status=400 if form.errors else 200)


@staff_required
def course_features(request: HttpRequest) -> HttpResponse:
    """The room needs of the usual class of this name (htmx, as the title is typed)."""
    require_view(request)
    title = request.GET.get("title", "")[:64]
    form = CourseForm(initial={"needed_features": list(catalog.kind_of(title).features)}, clubs=[], teachers=[],
                      venues=[])
    return render(request, "college/partials/course_features.html", {"field": form["needed_features"]})


@staff_required
def course_edit(request: HttpRequest, pk: int) -> HttpResponse:
    course = selectors.course_get(request.user, pk, manage=True)
    initial = {**{k: getattr(course, k) for k in ("title", "term", "capacity", "starts_on", "ends_on",
                                                  "sessions_per_week", "session_minutes", "needed_features",
                                                  "description")},
               "club": course.club_id, "teacher": course.teacher_id or "", "venue": course.venue_id or ""}
    form = _form(request, course.area_id, course=course, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        teachers = [*teachers_usable(course.area_id), *([course.teacher] if course.teacher else [])]
        venues = [*venues_usable(course.area_id), *([course.venue] if course.venue else [])]
        try:
            services.course_update(
                by=request.user, course=course, **_values(d), teacher=_pick(teachers, d["teacher"]),
                venue=_pick(venues, d["venue"]),
                club=Club.objects.filter(pk=d["club"], area_id=course.area_id).first() or course.club,
            )
        except LinliError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "已保存")
            return redirect("college:course_detail", pk=course.pk)
    return render(request, "college/course_form.html", {"form": form, "title": f"修改课程：{course.title}",
                                                        "course": course}, status=400 if form.errors else 200)


def _detail(request: HttpRequest, course: Course, status: int = 200, **extra) -> HttpResponse:
    return render(request, "college/course_detail.html", {
        "course": course,
        "can_manage": permissions.can_manage(request.user, course),
        "next_statuses": [(s, CourseStatus(s).label) for s in CourseStatus.values
                          if s in services.TRANSITIONS[course.status]],
        "status_form": extra.pop("status_form", CourseStatusForm()),
        **extra,
    }, status=status)


@staff_required
def course_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.course_get(request.user, pk))


@require_POST
@staff_required
def course_status(request: HttpRequest, pk: int) -> HttpResponse:
    course = selectors.course_get(request.user, pk, manage=True)
    form = CourseStatusForm(request.POST)
    if form.is_valid():
        try:
            course = services.course_status_set(by=request.user, course=course, status=form.cleaned_data["status"],
                                                reason=form.cleaned_data["reason"])
        except LinliError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"“{course.title}”现为{course.get_status_display()}")
            return redirect("college:course_detail", pk=course.pk)
    return _detail(request, course, status=400, status_form=form)
