"""Pages of alliances and clubs (社团) and of the task force (工作专班). Thin: selectors read, services write."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from linli.accounts.roles import Perm
from linli.accounts.web import staff_required
from linli.college import permissions
from linli.college.forms import (
    AllianceCreateForm,
    AllianceForm,
    ClubForm,
    MemberAddForm,
    MemberSearchForm,
    TaskForceForm,
)
from linli.college.models import Alliance, Club
from linli.college.selectors import clubs as selectors
from linli.college.services import clubs as services
from linli.college.views.common import chosen_community
from linli.core.errors import LinliError
from linli.core.forms import add_service_error
from linli.core.once import submit_once
from linli.people.models import Resident
from linli.people.selectors import residents_visible


def _to_list(community_code: str) -> HttpResponse:
    return redirect(f"{reverse('college:club_list')}?community={community_code}")


@staff_required
def club_list(request: HttpRequest) -> HttpResponse:
    community, options = chosen_community(request)
    archived = request.GET.get("archived") == "1"
    return render(request, "college/club_list.html", {
        "community": community,
        "communities": options,
        "alliances": selectors.alliances_with_clubs(community.code, include_archived=archived),
        "archived": archived,
        "can_manage": permissions.can_manage_area(request.user, community.code),
        "alliance_form": AllianceCreateForm(),
    })


@require_POST
@staff_required
@submit_once
def alliances_ensure(request: HttpRequest) -> HttpResponse:
    community, _ = chosen_community(request, Perm.MANAGE_COLLEGE)
    alliances = services.alliances_ensure_defaults(by=request.user, area_code=community.code)
    messages.success(request, f"本社区共有 {len(alliances)} 个社团联盟")
    return _to_list(community.code)


@require_POST
@staff_required
@submit_once
def alliance_create(request: HttpRequest) -> HttpResponse:
    community, _ = chosen_community(request, Perm.MANAGE_COLLEGE)
    form = AllianceCreateForm(request.POST)
    if form.is_valid():
        try:
            alliance = services.alliance_create(by=request.user, area_code=community.code, name=form.cleaned_data["name"])
        except LinliError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"已设立“{alliance.name}”联盟")
            return _to_list(community.code)
    for errors in form.errors.values():
        for e in map(str, errors):
            messages.error(request, f"联盟名称：{e}" if "：" not in e else e)
    return _to_list(community.code)


def _resident(pk: str | None, area_code: str) -> Resident | None:
    if not pk:
        return None
    try:
        return Resident.objects.filter(pk=int(pk), area__code__startswith=area_code).first()
    except ValueError:
        return None


@staff_required
def alliance_edit(request: HttpRequest, pk: int) -> HttpResponse:
    alliance: Alliance = selectors.alliance_get(request.user, pk, manage=True)
    form = AllianceForm(request.POST or None, residents=selectors.alliance_head_choices(alliance),
                        initial={"name": alliance.name, "head": alliance.head_id or ""})
    if request.method == "POST" and form.is_valid():
        try:
            services.alliance_update(by=request.user, alliance=alliance, name=form.cleaned_data["name"],
                                     head=_resident(form.cleaned_data["head"], alliance.area_id))
        except LinliError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "已保存")
            return _to_list(alliance.area_id)
    return render(request, "college/alliance_form.html", {"form": form, "alliance": alliance},
                  status=400 if form.errors else 200)


@require_POST
@staff_required
def alliance_move(request: HttpRequest, pk: int) -> HttpResponse:
    alliance = selectors.alliance_get(request.user, pk, manage=True)
    services.alliance_move(by=request.user, alliance=alliance, direction=request.POST.get("direction", ""))
    return _to_list(alliance.area_id)


# --- clubs --------------------------------------------------------------------------------


@staff_required
@submit_once
def club_create(request: HttpRequest) -> HttpResponse:
    community, _ = chosen_community(request, Perm.MANAGE_COLLEGE)
    alliances = list(Alliance.objects.filter(area=community).order_by("position", "pk"))
    if not alliances:
        messages.warning(request, "请先设立社团联盟")
        return _to_list(community.code)
    form = ClubForm(request.POST or None, alliances=alliances, initial={"alliance": request.GET.get("alliance")})
    del form.fields["leader"]  # a new club has no members to choose a leader from yet
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            club = services.club_create(
                by=request.user, area_code=community.code, alliance=next(a for a in alliances if str(a.pk) == d["alliance"]),
                name=d["name"], description=d["description"], founded_on=d["founded_on"],
            )
        except LinliError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"已成立社团“{club.name}”，可以添加成员了")
            return redirect("college:club_detail", pk=club.pk)
    return render(request, "college/club_form.html", {"form": form, "title": f"成立社团 · {community.name}",
                                                      "community": community}, status=400 if form.errors else 200)


@staff_required
def club_detail(request: HttpRequest, pk: int) -> HttpResponse:
    club = selectors.club_get(request.user, pk)
    return _detail(request, club)


def _detail(request: HttpRequest, club: Club, status: int = 200, **extra) -> HttpResponse:
    can_manage = permissions.can_manage(request.user, club)
    search = MemberSearchForm(request.GET or None)
    found: list[Resident] = []
    if can_manage and not club.archived_at and search.is_valid() and search.cleaned_data["q"]:
        members = club.members.values("resident_id")
        found = list(residents_visible(request.user, within=club.area_id, search=search.cleaned_data["q"])
                     .exclude(pk__in=members)[:20])
    context = {"club": club, "members": selectors.club_members(club), "courses": selectors.club_courses(club),
               "can_manage": can_manage, "search": search, "found": found, "searched": bool(search.data.get("q")),
               **extra}
    if getattr(request, "htmx", False) and request.htmx.target == "member-search":  # type: ignore[attr-defined]
        return render(request, "college/partials/member_search.html", context)
    return render(request, "college/club_detail.html", context, status=status)


@staff_required
def club_edit(request: HttpRequest, pk: int) -> HttpResponse:
    club = selectors.club_get(request.user, pk, manage=True)
    alliances = list(Alliance.objects.filter(area_id=club.area_id).order_by("position", "pk"))
    form = ClubForm(request.POST or None, alliances=alliances, residents=selectors.club_leader_choices(club), initial={
        "alliance": club.alliance_id, "name": club.name, "leader": club.leader_id or "",
        "founded_on": club.founded_on, "description": club.description})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.club_update(
                by=request.user, club=club, alliance=next(a for a in alliances if str(a.pk) == d["alliance"]),
                name=d["name"], leader=_resident(d["leader"], club.area_id), description=d["description"],
                founded_on=d["founded_on"],
            )
        except LinliError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "已保存")
            return redirect("college:club_detail", pk=club.pk)
    return render(request, "college/club_form.html", {"form": form, "title": f"修改社团：{club.name}", "club": club},
                  status=400 if form.errors else 200)


def _club_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    club = selectors.club_get(request.user, pk, manage=True)
    try:
        if action == "archive":
            services.club_archive(by=request.user, club=club, reason=request.POST.get("reason", ""))
            messages.success(request, f"已归档“{club.name}”，成员和课程记录保留")
        elif action == "restore":
            services.club_restore(by=request.user, club=club)
            messages.success(request, f"已恢复“{club.name}”")
        else:
            services.club_delete(by=request.user, club=club)
            messages.success(request, f"已删除“{club.name}”")
            return _to_list(club.area_id)
    except LinliError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, exc.message)
    return redirect("college:club_detail", pk=club.pk)


@require_POST
@staff_required
def club_archive(request: HttpRequest, pk: int) -> HttpResponse:
    return _club_action(request, pk, "archive")


@require_POST
@staff_required
def club_restore(request: HttpRequest, pk: int) -> HttpResponse:
    return _club_action(request, pk, "restore")


@require_POST
@staff_required
def club_delete(request: HttpRequest, pk: int) -> HttpResponse:
    return _club_action(request, pk, "delete")


@require_POST
@staff_required
@submit_once
def club_member_add(request: HttpRequest, pk: int) -> HttpResponse:
    club = selectors.club_get(request.user, pk, manage=True)
    form = MemberAddForm(request.POST)
    resident = None
    if form.is_valid():
        resident = residents_visible(request.user, within=club.area_id).filter(pk=form.cleaned_data["resident"]).first()
    if resident is None:
        messages.error(request, "没有找到这位居民（须为本社区登记在册的居民）")
        return _detail(request, club, status=400)
    try:
        services.club_member_add(by=request.user, club=club, resident=resident)
    except LinliError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, exc.message)
        return _detail(request, club, status=400)
    messages.success(request, f"已将 {resident.name} 加入“{club.name}”")
    return redirect("college:club_detail", pk=club.pk)


@require_POST
@staff_required
def club_member_remove(request: HttpRequest, pk: int, member_id: int) -> HttpResponse:
    club = selectors.club_get(request.user, pk, manage=True)
    member = selectors.club_member(club, member_id)
    if member is None:
        messages.warning(request, "该成员已不在社团中")
    else:
        try:
            services.club_member_remove(by=request.user, member=member)
        except LinliError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已将 {member.resident.name} 移出社团")
    return redirect("college:club_detail", pk=club.pk)


# --- the task force ------------------------------------------------------------------------


@staff_required
def task_force(request: HttpRequest) -> HttpResponse:
    community, options = chosen_community(request)
    return _task_force(request, community, options, TaskForceForm())


def _task_force(request: HttpRequest, community, options, form, status: int = 200) -> HttpResponse:
    return render(request, "college/task_force.html", {
        "community": community, "communities": options, "tf": selectors.task_force(community.code),
        "can_manage": permissions.can_manage_area(request.user, community.code), "form": form,
    }, status=status)


@require_POST
@staff_required
@submit_once
def task_force_add(request: HttpRequest) -> HttpResponse:
    community, options = chosen_community(request, Perm.MANAGE_COLLEGE)
    form = TaskForceForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.task_force_member_add(by=request.user, area_code=community.code, role=d["role"], name=d["name"],
                                           title=d["title"])
        except LinliError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"已加入工作专班：{d['name']}")
            return redirect(f"{reverse('college:task_force')}?community={community.code}")
    return _task_force(request, community, options, form, status=400)


@require_POST
@staff_required
def task_force_remove(request: HttpRequest, member_id: int) -> HttpResponse:
    member = selectors.task_force_member(request.user, member_id)
    services.task_force_member_remove(by=request.user, member=member)
    messages.success(request, f"已从工作专班移除：{member.name}")
    return redirect(f"{reverse('college:task_force')}?community={member.area_id}")
