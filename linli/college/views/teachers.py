"""Pages of the teacher pool (师资库). Thin: selectors read, services write."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from linli.accounts.web import staff_required
from linli.college import permissions
from linli.college.forms import RevealForm, TeacherFilterForm, TeacherForm, TeacherStatusForm, WindowForm
from linli.college.models import Teacher, TeacherStatus
from linli.college.selectors import teachers as selectors
from linli.college.services import teachers as services
from linli.college.services.common import WEEKDAYS, hhmm
from linli.college.views.common import manage_areas, require_view, within
from linli.core.errors import LinliError, forbidden
from linli.core.forms import add_service_error
from linli.core.listing import ListColumn, ListPage
from linli.core.once import submit_once


def windows_text(obj) -> str:
    """"周一 09:00–11:00；周三 14:00–16:00", from the prefetched windows."""
    return "；".join(f"{WEEKDAYS[w.weekday]} {hhmm(w.starts)}–{hhmm(w.ends)}" for w in obj.windows.all()) or "未登记"


def _columns() -> list[ListColumn]:
    return [
        ListColumn("姓名", lambda t: t.name, sort=("name",), link=lambda t: reverse("college:teacher_detail", args=[t.pk])),
        ListColumn("所属", lambda t: t.area.name, sort=("area_id",)),
        ListColumn("类别", lambda t: t.get_kind_display(), sort=("kind",)),
        ListColumn("状态", lambda t: t.get_status_display(), sort=("status",)),
        ListColumn("擅长", lambda t: t.skills, chips=True),
        ListColumn("联系电话", lambda t: t.phone_masked or None),
        ListColumn("可授课时间", windows_text),
        ListColumn("授课数", lambda t: t.course_count, sort=("-course_count",)),
    ]


@staff_required
def teacher_list(request: HttpRequest) -> HttpResponse:
    require_view(request)
    form = TeacherFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}

    def queryset():
        return selectors.teachers_visible(request.user, within=within(request), kind=data.get("kind", ""),
                                          status=data.get("status", ""), q=data.get("q", ""))

    actions = []
    if permissions.can_manage_college_anywhere(request.user):
        actions.append(("登记老师", reverse("college:teacher_create")))
    invited = selectors.invitations_count(request.user, within(request))
    if invited:
        actions.append((f"待邀请（{invited}）", f"{reverse('college:teacher_list')}?status={TeacherStatus.INVITED}"))
    listing = ListPage(
        title="师资库", columns=_columns(), queryset=queryset(), filter_form=form,
        default_order=("area_id", "status", "name", "pk"), export_name="师资库", can_export=True,
        export_queryset=queryset, actions=actions, empty_text="没有符合条件的老师",
    )
    return listing.render(request)


@staff_required
@submit_once
def teacher_create(request: HttpRequest) -> HttpResponse:
    areas = list(manage_areas(request))
    if not areas:
        raise forbidden("登记老师")
    form = TeacherForm(request.POST or None, areas=areas)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            teacher = services.teacher_create(by=request.user, area_code=d["area"], name=d["name"], kind=d["kind"],
                                              skills=d["skills"], phone=d["phone"], bio=d["bio"], status=d["status"])
        except LinliError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"已登记老师 {teacher.name}，请补充可授课时间")
            return redirect("college:teacher_detail", pk=teacher.pk)
    return render(request, "college/teacher_form.html", {"form": form, "title": "登记老师"},
                  status=400 if form.errors else 200)


@staff_required
def teacher_edit(request: HttpRequest, pk: int) -> HttpResponse:
    teacher = selectors.teacher_get(request.user, pk, manage=True)
    # The phone is never put back on screen unmasked: left empty, it stays as it is.
    initial = {"name": teacher.name, "kind": teacher.kind, "skills": "、".join(teacher.skills), "bio": teacher.bio}
    form = TeacherForm(request.POST or None, initial=initial, editing=True)
    form.fields["phone"].help_text = f"现为 {teacher.phone_masked or '未登记'}；如需更正请填写，不改请留空"
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.teacher_update(by=request.user, teacher=teacher, name=d["name"], kind=d["kind"],
                                    skills=d["skills"], phone=d["phone"] or teacher.phone, bio=d["bio"],
                                    resident=teacher.resident)
        except LinliError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "已保存")
            return redirect("college:teacher_detail", pk=teacher.pk)
    return render(request, "college/teacher_form.html", {"form": form, "title": f"修改老师信息：{teacher.name}",
                                                         "teacher": teacher}, status=400 if form.errors else 200)


def _detail(request: HttpRequest, teacher: Teacher, status: int = 200, **extra) -> HttpResponse:
    return render(request, "college/teacher_detail.html", {
        "teacher": teacher,
        "windows": [(WEEKDAYS[w.weekday], w) for w in teacher.windows.all()],
        "courses": selectors.teacher_courses(request.user, teacher),
        "can_manage": permissions.can_manage(request.user, teacher),
        "can_unmask": permissions.can_unmask_teacher(request.user, teacher),
        "window_form": extra.pop("window_form", WindowForm()),
        "reveal_form": extra.pop("reveal_form", RevealForm()),
        "status_form": extra.pop("status_form", TeacherStatusForm()),
        "next_statuses": [(s, TeacherStatus(s).label) for s in sorted(services.TRANSITIONS[teacher.status])],
        **extra,
    }, status=status)


@staff_required
def teacher_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.teacher_get(request.user, pk))


@require_POST
@staff_required
def teacher_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    teacher = selectors.teacher_get(request.user, pk)
    form = RevealForm(request.POST)
    if form.is_valid():
        try:
            value = services.teacher_reveal(by=request.user, teacher=teacher, reason=form.cleaned_data["reason"])
        except LinliError as exc:
            add_service_error(form, exc)
        else:
            return _detail(request, teacher, revealed=value)
    return _detail(request, teacher, status=400, reveal_form=form)


@require_POST
@staff_required
def teacher_status(request: HttpRequest, pk: int) -> HttpResponse:
    teacher = selectors.teacher_get(request.user, pk, manage=True)
    form = TeacherStatusForm(request.POST)
    if form.is_valid():
        try:
            teacher = services.teacher_status_set(by=request.user, teacher=teacher, status=form.cleaned_data["status"],
                                                  note=form.cleaned_data["note"])
        except LinliError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"{teacher.name} 现为“{teacher.get_status_display()}”")
            return redirect("college:teacher_detail", pk=teacher.pk)
    return _detail(request, teacher, status=400, status_form=form)


@require_POST
@staff_required
@submit_once
def teacher_window_add(request: HttpRequest, pk: int) -> HttpResponse:
    teacher = selectors.teacher_get(request.user, pk, manage=True)
    form = WindowForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.teacher_window_add(by=request.user, teacher=teacher, weekday=d["weekday"], starts=d["starts"],
                                        ends=d["ends"])
        except LinliError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "已添加可授课时间")
            return redirect("college:teacher_detail", pk=teacher.pk)
    return _detail(request, teacher, status=400, window_form=form)


@require_POST
@staff_required
def teacher_window_remove(request: HttpRequest, pk: int, window_id: int) -> HttpResponse:
    teacher = selectors.teacher_get(request.user, pk, manage=True)
    window = selectors.teacher_window(teacher, window_id)
    if window is None:
        messages.warning(request, "该时间段已删除")
    else:
        services.teacher_window_remove(by=request.user, window=window)
        messages.success(request, "已删除该时间段")
    return redirect("college:teacher_detail", pk=teacher.pk)
