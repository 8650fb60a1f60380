"""The residents' pages of the back office. Thin: reads through selectors, writes through services."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from linli.accounts.roles import Perm
from linli.accounts.selectors import has_permission, has_permission_anywhere
from linli.accounts.web import selected_area_code, staff_required
from linli.areas.models import Level
from linli.areas.selectors import areas_visible
from linli.core.errors import LinliError, forbidden
from linli.core.forms import add_service_error
from linli.core.listing import ListColumn, ListPage
from linli.core.once import submit_once
from linli.people import permissions, selectors, services
from linli.people.forms import (
    ArchiveForm,
    HouseholdMemberForm,
    MoveForm,
    ProxyForm,
    ResidentFilterForm,
    ResidentForm,
    RevealForm,
)
from linli.people.models import ProxyBinding, Resident


def _residence_areas(request: HttpRequest, permission: str = Perm.CHANGE_RESIDENT):
    return areas_visible(request.user, permission, within=selected_area_code(request)).filter(
        level__in=[Level.COMMUNITY, Level.GRID]
    )


def _filtered(request: HttpRequest, form: ResidentFilterForm, permission: str):
    data = form.cleaned_data if form.is_valid() else {}
    selected = selected_area_code(request)
    community = data.get("community") or ""
    # The filter can only narrow the switcher's area, never leave it.
    within = community if community and (not selected or community.startswith(selected)) else selected
    return selectors.residents_visible(
        request.user, within=within, search=data.get("q", ""), tag=data.get("tag", ""), sex=data.get("sex", ""),
        age_band=data.get("age_band", ""), permission=permission,
    )


def _columns(today: dt.date) -> list[ListColumn]:
    return [
        ListColumn("姓名", lambda r: r.name, sort=("name",), link=lambda r: reverse("people:resident_detail", args=[r.pk])),
        ListColumn("性别", lambda r: r.get_sex_display()),
        ListColumn("年龄", lambda r: r.age(today), sort=("-birth_date",)),
        ListColumn("身份证号", lambda r: r.id_number_masked),
        ListColumn("手机号", lambda r: r.phone_masked or None),
        ListColumn("社区", lambda r: r.community.name, sort=("area_id",)),
        ListColumn("网格", lambda r: r.grid.name if r.grid else None),
        ListColumn("住址", lambda r: r.address),
        ListColumn("标签", lambda r: [t.name for t in r.tags.all()], chips=True),
    ]


@staff_required
def resident_list(request: HttpRequest) -> HttpResponse:
    form = ResidentFilterForm(request.GET or None, areas=_residence_areas(request, Perm.VIEW_RESIDENT),
                              tags=selectors.tags_all())
    actions = []
    if has_permission_anywhere(request.user, Perm.CHANGE_RESIDENT):
        actions.append(("登记居民", reverse("people:resident_create")))
    listing = ListPage(
        title="居民",
        columns=_columns(dt.date.today()),
        queryset=_filtered(request, form, Perm.VIEW_RESIDENT),
        filter_form=form,
        default_order=("area_id", "name", "pk"),
        export_name="居民名单",
        # Exports go through the same rule with the export permission; values stay masked.
        can_export=has_permission_anywhere(request.user, Perm.EXPORT_RESIDENT),
        export_queryset=lambda: _filtered(request, form, Perm.EXPORT_RESIDENT),
        actions=actions,
        empty_text="没有符合条件的居民",
    )
    return listing.render(request)


@staff_required
def resident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    resident = selectors.resident_get(request.user, pk)
    return render(request, "people/resident_detail.html", _detail_context(request, resident))


def _detail_context(request: HttpRequest, resident: Resident, **extra) -> dict:
    household = selectors.household_of(resident)
    return {
        "resident": resident,
        "today": dt.date.today(),
        "household": household,
        "members": selectors.household_members(household) if household else [],
        "history": selectors.residence_history(resident),
        "proxies": selectors.proxies_of(resident),
        "can_change": permissions.can_change_resident(request.user, resident),
        "can_unmask": permissions.can_unmask(request.user, resident),
        "can_proxy": permissions.can_manage_proxy(request.user, resident),
        "reveal_form": extra.pop("reveal_form", RevealForm()),
        "proxy_form": extra.pop("proxy_form", ProxyForm()),
        "member_form": extra.pop("member_form", HouseholdMemberForm()),
        "move_form": extra.pop("move_form", MoveForm(areas=_residence_areas(request))),
        "archive_form": extra.pop("archive_form", ArchiveForm()),
        **extra,
    }


def _detail_with_errors(request: HttpRequest, resident: Resident, **forms) -> HttpResponse:
    return render(request, "people/resident_detail.html", _detail_context(request, resident, **forms), status=400)


@staff_required
@submit_once
def resident_create(request: HttpRequest) -> HttpResponse:
    areas = _residence_areas(request)
    if not areas.exists():
        raise forbidden("登记居民")
    form = ResidentForm(request.POST or None, areas=areas, tags=selectors.tags_all())
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            resident = services.resident_create(
                by=request.user, name=d["name"], id_number=d["id_number"], area_code=d["area"], sex=d["sex"] or None,
                birth_date=d["birth_date"], phone=d["phone"], address=d["address"], tags=d["tags"], note=d["note"],
            )
        except LinliError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"已登记居民 {resident.name}")
            return redirect("people:resident_detail", pk=resident.pk)
    return render(request, "people/resident_form.html", {"form": form, "title": "登记居民"},
                  status=400 if form.errors else 200)


@staff_required
def resident_edit(request: HttpRequest, pk: int) -> HttpResponse:
    resident = selectors.resident_get(request.user, pk, permission=Perm.CHANGE_RESIDENT)
    # ID and phone numbers are never put back on screen unmasked: left empty, they stay as they are.
    initial = {"name": resident.name, "sex": resident.sex, "birth_date": resident.birth_date,
               "address": resident.address, "tags": [t.code for t in resident.tags.all()], "note": resident.note}
    form = ResidentForm(request.POST or None, initial=initial, areas=[], tags=selectors.tags_all(), editing=True)
    form.fields["id_number"].required = False
    form.fields["id_number"].help_text = f"现为 {resident.id_number_masked}；如需更正请完整填写，不改请留空"
    form.fields["phone"].help_text = f"现为 {resident.phone_masked or '未登记'}；如需更正请填写，不改请留空"
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.resident_update(
                by=request.user, resident=resident, name=d["name"], id_number=d["id_number"] or resident.id_number,
                sex=d["sex"] or None, birth_date=d["birth_date"], phone=d["phone"] or resident.phone,
                address=d["address"], tags=d["tags"], note=d["note"],
            )
        except LinliError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "已保存")
            return redirect("people:resident_detail", pk=resident.pk)
    return render(request, "people/resident_form.html", {"form": form, "title": f"修改居民信息：{resident.name}",
                                                         "resident": resident}, status=400 if form.errors else 200)


@require_POST
@staff_required
def resident_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    resident = selectors.resident_get(request.user, pk)
    form = RevealForm(request.POST)
    if form.is_valid():
        try:
            value = services.resident_reveal(by=request.user, resident=resident, field=form.cleaned_data["field"],
                                             reason=form.cleaned_data["reason"])
        except LinliError as exc:
            add_service_error(form, exc)
        else:
            return render(request, "people/resident_detail.html", _detail_context(
                request, resident, revealed={"field": form.cleaned_data["field"], "value": value}))
    return _detail_with_errors(request, resident, reveal_form=form)


@require_POST
@staff_required
def resident_move(request: HttpRequest, pk: int) -> HttpResponse:
    resident = selectors.resident_get(request.user, pk, permission=Perm.CHANGE_RESIDENT)
    form = MoveForm(request.POST, areas=_residence_areas(request))
    if form.is_valid():
        try:
            services.resident_move(by=request.user, resident=resident, area_code=form.cleaned_data["area"],
                                   address=form.cleaned_data["address"], reason=form.cleaned_data["reason"])
        except LinliError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "已办理迁移，居住记录已保留")
            return redirect("people:resident_detail", pk=resident.pk)
    return _detail_with_errors(request, resident, move_form=form)


@require_POST
@staff_required
@submit_once
def resident_archive(request: HttpRequest, pk: int) -> HttpResponse:
    resident = selectors.resident_get(request.user, pk, permission=Perm.CHANGE_RESIDENT)
    form = ArchiveForm(request.POST)
    if form.is_valid():
        try:
            services.resident_archive(by=request.user, resident=resident, reason=form.cleaned_data["reason"])
        except LinliError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"已注销 {resident.name} 的登记（记录保留）")
            return redirect("people:resident_list")
    return _detail_with_errors(request, resident, archive_form=form)


@require_POST
@staff_required
@submit_once
def proxy_bind(request: HttpRequest, pk: int) -> HttpResponse:
    resident = selectors.resident_get(request.user, pk)
    form = ProxyForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.proxy_bind(by=request.user, principal=resident, relation=d["relation"], scopes=d["scopes"],
                                agent_phone=d["agent_phone"], agent_name=d["agent_name"])
        except LinliError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "已登记代办授权")
            return redirect("people:resident_detail", pk=resident.pk)
    return _detail_with_errors(request, resident, proxy_form=form)


@require_POST
@staff_required
def proxy_revoke(request: HttpRequest, pk: int, binding_id: int) -> HttpResponse:
    resident = selectors.resident_get(request.user, pk)
    binding = ProxyBinding.objects.filter(pk=binding_id, principal=resident, revoked_at__isnull=True).first()
    if binding is None:
        messages.warning(request, "该代办授权已撤销")
    else:
        services.proxy_revoke(by=request.user, binding=binding)
        messages.success(request, "已撤销代办授权")
    return redirect("people:resident_detail", pk=resident.pk)


@require_POST
@staff_required
@submit_once
def household_create(request: HttpRequest, pk: int) -> HttpResponse:
    resident = selectors.resident_get(request.user, pk, permission=Perm.CHANGE_RESIDENT)
    services.household_create(by=request.user, head=resident)
    messages.success(request, f"已以 {resident.name} 为户主建立家庭户")
    return redirect("people:resident_detail", pk=resident.pk)


@require_POST
@staff_required
@submit_once
def household_member_add(request: HttpRequest, pk: int) -> HttpResponse:
    head = selectors.resident_get(request.user, pk, permission=Perm.CHANGE_RESIDENT)
    household = selectors.household_of(head)
    form = HouseholdMemberForm(request.POST)
    if household is None:
        form.add_error(None, "该居民还没有家庭户")
    elif form.is_valid():
        member = selectors.residents_visible(request.user, search=form.cleaned_data["id_number"],
                                             permission=Perm.CHANGE_RESIDENT).first()
        if member is None:
            form.add_error("id_number", "在您负责的地区没有找到这个身份证号的居民")
        else:
            try:
                services.household_member_add(by=request.user, household=household, resident=member,
                                              relation=form.cleaned_data["relation"])
            except LinliError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, f"已将 {member.name} 加入家庭户")
                return redirect("people:resident_detail", pk=head.pk)
    return _detail_with_errors(request, head, member_form=form)


@require_POST
@staff_required
def household_member_remove(request: HttpRequest, pk: int, member_id: int) -> HttpResponse:
    resident = selectors.resident_get(request.user, pk, permission=Perm.CHANGE_RESIDENT)
    household = selectors.household_of(resident)
    member = next((m for m in selectors.household_members(household) if m.pk == member_id), None) if household else None
    if member is None or not has_permission(request.user, Perm.CHANGE_RESIDENT, member.resident.area_id):
        messages.warning(request, "该成员已不在本户")
    else:
        try:
            services.household_member_remove(by=request.user, member=member)
        except LinliError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已将 {member.resident.name} 移出家庭户")
    return redirect("people:resident_detail", pk=resident.pk)
