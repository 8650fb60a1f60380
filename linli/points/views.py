"""Pages of the points ledger (back office) and the residents' redeem/cancel steps. Thin."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from linli.accounts.roles import Perm
from linli.accounts.web import selected_area_code, staff_required
from linli.core.errors import LinliError, forbidden, not_found
from linli.core.forms import add_service_error
from linli.core.listing import ListColumn, ListPage
from linli.core.once import submit_once
from linli.people.models import ProxyScope
from linli.points import permissions, selectors, services
from linli.points.forms import (
    AccountFilterForm,
    AwardForm,
    PickupCodeForm,
    RedeemForm,
    RedemptionFilterForm,
    ReverseForm,
    RewardFilterForm,
    RewardForm,
    RuleForm,
)
from linli.points.models import AccountKind, EarningAction, Redemption, RedemptionStatus, Reward
from linli.portal.context import as_context, require_scope, subject


def _require_view(request: HttpRequest) -> None:
    if not permissions.can_view_points(request.user):
        raise forbidden("查看积分")


def _within(request: HttpRequest, code: str = "") -> str | None:
    selected = selected_area_code(request)
    return code if code and (not selected or code.startswith(selected)) else selected


# --- accounts and statements ---------------------------------------------------------------------


@staff_required
def account_list(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    communities = selectors.communities_visible(request.user, within=selected_area_code(request))
    form = AccountFilterForm(request.GET or None, communities=communities)
    data = form.cleaned_data if form.is_valid() else {}

    def queryset():
        return selectors.accounts_visible(request.user, within=_within(request, data.get("community", "")),
                                          q=data.get("q", ""))

    listing = ListPage(
        title="积分账户",
        columns=[
            ListColumn("居民", lambda a: a.resident.name, sort=("resident__name",),
                       link=lambda a: reverse("points:account_detail", args=[a.pk])),
            ListColumn("社区", lambda a: a.resident.community.name, sort=("area_id",)),
            ListColumn("网格", lambda a: a.resident.grid.name if a.resident.grid else None),
            ListColumn("余额（分）", lambda a: a.balance, sort=("-balance",)),
        ],
        queryset=queryset(), filter_form=form, default_order=("area_id", "resident__name", "pk"),
        export_name="积分账户", can_export=True, export_queryset=queryset,
        actions=[("积分规则", reverse("points:rule_list")), ("礼品", reverse("points:reward_list")),
                 ("兑换", reverse("points:redemption_list"))],
        empty_text="还没有居民获得积分",
    )
    return listing.render(request)


@staff_required
def account_detail(request: HttpRequest, pk: int) -> HttpResponse:
    account = selectors.account_get(request.user, pk)
    page = Paginator(selectors.statement(account), 50).get_page(request.GET.get("page"))
    resident = account.resident
    can_manage = permissions.can_manage_resident(request.user, resident) if resident is not None \
        else permissions.can_manage_community(request.user, account.area_id)
    rewards = list(selectors.rewards_for(resident)) if resident is not None and can_manage else []
    return render(request, "points/account_detail.html", {
        "account": account, "page": page, "can_manage": can_manage, "reversible": {k.value for k in
                                                                                     services.REVERSIBLE},
        "redeem_form": RedeemForm(rewards=rewards) if rewards else None,
        "pending": selectors.redemptions_of(resident, pending_only=True) if resident is not None else [],
    })


@staff_required
@submit_once
def award_create(request: HttpRequest, resident_pk: int) -> HttpResponse:
    resident = selectors.resident_for_points(request.user, resident_pk, permission=Perm.MANAGE_POINTS)
    form = AwardForm(request.POST or None)
    rule = services.active_rule(resident.community, EarningAction.MANUAL)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            # Only manual awards are made here; service and class points come from their records.
            transfer = services.points_award(by=request.user, resident=resident, action=EarningAction.MANUAL,
                                             units=d["units"], source=None, reason=d["reason"])
        except LinliError as exc:
            add_service_error(form, exc)
        else:
            amount = transfer.entries.filter(amount__gt=0).values_list("amount", flat=True).first()
            messages.success(request, f"已为 {resident.name} 发放 {amount} 分")
            return redirect("points:account_detail", pk=services.resident_account(resident).pk)
    return render(request, "points/form.html", {"form": form, "title": f"发放积分：{resident.name}",
                                                "note": (f"按“其他/人工奖励”规则：每单位 {rule.points} 分。" if rule else
                                                         "本社区还没有启用“其他/人工奖励”规则，请先设置。")
                                                + "须写明事由；志愿服务、上课的积分由相应记录自动发放。"},
                  status=400 if form.errors else 200)


@staff_required
@submit_once
def transfer_reverse(request: HttpRequest, pk: int) -> HttpResponse:
    transfer = selectors.transfer_get(request.user, pk, permission=Perm.MANAGE_POINTS)
    form = ReverseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.points_reverse(by=request.user, transfer=transfer, reason=form.cleaned_data["reason"])
        except LinliError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "已冲正")
            ids = list(transfer.entries.order_by("account__kind", "pk").values_list("account_id", "account__kind"))
            target = next((pk for pk, kind in ids if kind == AccountKind.RESIDENT), ids[0][0])
            return redirect("points:account_detail", pk=target)
    amounts = "；".join(f"{e.account}：{e.amount:+d} 分" for e in transfer.entries.select_related("account__resident"))
    return render(request, "points/form.html", {
        "form": form, "title": "冲正积分",
        "note": f"原流水：{transfer.get_kind_display()}，{transfer.reason}（{amounts}）。冲正会写一笔方向相反的流水，原记录保留。",
    }, status=400 if form.errors else 200)


# --- earning rules ---------------------------------------------------------------------------------


@staff_required
def rule_list(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    communities = list(selectors.communities_visible(request.user, within=selected_area_code(request)))
    if not communities:
        raise forbidden("查看积分规则")
    code = request.GET.get("community", "")
    community = next((a for a in communities if a.code == code), communities[0])
    return render(request, "points/rules.html", {
        "community": community, "communities": communities, "rows": selectors.rules_table(community),
        "can_manage": permissions.can_manage_community(request.user, community.code),
    })


@staff_required
def rule_edit(request: HttpRequest, community: str, action: str) -> HttpResponse:
    area = selectors.communities_visible(request.user, Perm.MANAGE_POINTS).filter(code=community).first()
    if area is None or action not in EarningAction.values:
        raise not_found("积分规则")
    row = next(r for r in selectors.rules_table(area) if r.action == action)
    rule = row.rule
    initial = {"unit_label": "次", "valid_from": timezone.localdate(), "active": True}
    if rule:
        initial = {k: getattr(rule, k) for k in ("points", "unit_label", "cap", "cap_period", "expires_after_days",
                                                 "valid_from", "active")}
    form = RuleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.rule_set(by=request.user, area_code=area.code, action=action, **form.cleaned_data)
        except LinliError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"已保存“{row.label}”的积分规则")
            return redirect(f"{reverse('points:rule_list')}?community={area.code}")
    return render(request, "points/form.html", {"form": form, "title": f"{area.name}：{row.label}",
                                                "back": f"{reverse('points:rule_list')}?community={area.code}"},
                  status=400 if form.errors else 200)


# --- the reward catalogue ----------------------------------------------------------------------------


@staff_required
def reward_list(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    form = RewardFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}

    def queryset():
        return selectors.rewards_visible(request.user, within=selected_area_code(request), q=data.get("q", ""))

    def flags(r: Reward) -> list[str]:
        return [label for label, on in (("已下架", not r.active), ("已兑完", r.stock == 0)) if on]

    listing = ListPage(
        title="兑换礼品",
        columns=[
            ListColumn("名称", lambda r: r.name, sort=("name",),
                       link=lambda r: reverse("points:reward_edit", args=[r.pk])
                       if permissions.can_manage_reward(request.user, r) else ""),
            ListColumn("社区", lambda r: r.area.name, sort=("area_id",)),
            ListColumn("提供单位", lambda r: r.giver, sort=("giver",)),
            ListColumn("所需积分", lambda r: r.cost, sort=("cost",)),
            ListColumn("库存", lambda r: r.stock, sort=("stock",)),
            ListColumn("", flags, chips=True, export=False),
        ],
        queryset=queryset(), filter_form=form, default_order=("area_id", "-active", "cost", "pk"),
        export_name="兑换礼品", can_export=True, export_queryset=queryset,
        actions=[("添加礼品", reverse("points:reward_create"))] if permissions.can_manage_points_anywhere(
            request.user) else [],
        empty_text="还没有兑换礼品",
    )
    return listing.render(request)


def _reward_values(d: dict) -> dict:
    return {k: d[k] for k in ("name", "giver", "description", "cost", "stock", "active")}


@staff_required
@submit_once
def reward_create(request: HttpRequest) -> HttpResponse:
    areas = list(selectors.communities_visible(request.user, Perm.MANAGE_POINTS, within=selected_area_code(request)))
    if not areas:
        raise forbidden("添加兑换礼品")
    form = RewardForm(request.POST or None, areas=areas, initial={"active": True})
    if request.method == "POST" and form.is_valid():
        try:
            reward = services.reward_create(by=request.user, area_code=form.cleaned_data["area"],
                                            **_reward_values(form.cleaned_data))
        except LinliError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"已添加礼品“{reward.name}”")
            return redirect("points:reward_list")
    return render(request, "points/form.html", {"form": form, "title": "添加兑换礼品",
                                                "back": reverse("points:reward_list")},
                  status=400 if form.errors else 200)


@staff_required
def reward_edit(request: HttpRequest, pk: int) -> HttpResponse:
    reward = selectors.reward_get(request.user, pk, permission=Perm.MANAGE_POINTS)
    initial = {k: getattr(reward, k) for k in ("name", "giver", "description", "cost", "stock", "active")}
    form = RewardForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.reward_update(by=request.user, reward=reward, **_reward_values(form.cleaned_data))
        except LinliError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "已保存")
            return redirect("points:reward_list")
    return render(request, "points/form.html", {"form": form, "title": f"修改礼品：{reward.name}（{reward.area.name}）",
                                                "back": reverse("points:reward_list")},
                  status=400 if form.errors else 200)


# --- redemptions -------------------------------------------------------------------------------------


@staff_required
def redemption_list(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    form = RedemptionFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}

    def queryset():
        return selectors.redemptions_visible(request.user, within=selected_area_code(request),
                                             status=data.get("status", ""), q=data.get("q", ""))

    listing = ListPage(
        title="积分兑换",
        columns=[
            ListColumn("兑换时间", lambda r: timezone.localtime(r.created_at).strftime("%Y-%m-%d %H:%M"),
                       sort=("-created_at",)),
            ListColumn("居民", lambda r: r.resident.name, sort=("resident__name",),
                       link=lambda r: reverse("points:redemption_detail", args=[r.pk])),
            ListColumn("礼品", lambda r: r.reward.name),
            ListColumn("提供单位", lambda r: r.reward.giver),
            ListColumn("积分", lambda r: r.cost),
            ListColumn("状态", lambda r: r.get_status_display(), sort=("status",)),
        ],
        queryset=queryset(), filter_form=form, default_order=("-created_at", "-pk"),
        export_name="积分兑换", can_export=True, export_queryset=queryset,
        actions=[("凭领取码确认领取", reverse("points:pickup_code"))] if permissions.can_manage_points_anywhere(
            request.user) else [],
        empty_text="还没有兑换记录",
    )
    return listing.render(request)


@staff_required
def redemption_detail(request: HttpRequest, pk: int) -> HttpResponse:
    redemption = selectors.redemption_get(request.user, pk)
    return render(request, "points/redemption_detail.html", {
        "r": redemption, "can_manage": permissions.can_manage_reward(request.user, redemption.reward),
        "pending": redemption.status == RedemptionStatus.PENDING,
    })


@require_POST
@staff_required
def redemption_pickup(request: HttpRequest, pk: int) -> HttpResponse:
    redemption = selectors.redemption_get(request.user, pk)
    try:
        services.redemption_pickup(by=request.user, redemption=redemption)
    except LinliError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{redemption.resident.name} 已领取“{redemption.reward.name}”")
    return redirect("points:redemption_detail", pk=redemption.pk)


@require_POST
@staff_required
def redemption_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    redemption = selectors.redemption_get(request.user, pk)
    if not permissions.can_manage_reward(request.user, redemption.reward):
        raise forbidden("取消该兑换")
    try:
        services.redemption_cancel(by=request.user, redemption=redemption, reason=request.POST.get("reason", ""))
    except LinliError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已取消，{redemption.cost} 分已退回 {redemption.resident.name}，库存已恢复")
    return redirect("points:redemption_detail", pk=redemption.pk)


@staff_required
def pickup_code(request: HttpRequest) -> HttpResponse:
    if not permissions.can_manage_points_anywhere(request.user):
        raise forbidden("确认领取")
    form = PickupCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            redemption = services.redemption_pickup_by_code(by=request.user, code=form.cleaned_data["code"])
        except LinliError as exc:
            if exc.status == 403:
                raise
            form.add_error("code", exc.message)
        else:
            messages.success(request, f"{redemption.resident.name} 已领取“{redemption.reward.name}”")
            return redirect("points:redemption_detail", pk=redemption.pk)
    return render(request, "points/form.html", {"form": form, "title": "凭领取码确认领取",
                                                "back": reverse("points:redemption_list")},
                  status=400 if form.errors else 200)


@require_POST
@staff_required
@submit_once
def desk_redeem(request: HttpRequest, resident_pk: int) -> HttpResponse:
    """A worker at the desk redeems for a resident who came in person."""
    resident = selectors.resident_for_points(request.user, resident_pk, permission=Perm.MANAGE_POINTS)
    reward = selectors.reward_for_resident(resident, request.POST.get("reward"))
    try:
        redemption = services.redemption_create(by=request.user, resident=resident, reward=reward)
    except LinliError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, exc.message)
        return redirect("points:account_detail", pk=services.resident_account(resident).pk)
    messages.success(request, f"已为 {resident.name} 兑换“{reward.name}”，领取码 {redemption.pickup_code}")
    return redirect("points:redemption_detail", pk=redemption.pk)


# --- the residents' steps (their 积分 tab lives in the portal) -------------------------------------


def _resident_or_login(request: HttpRequest):
    if not request.user.is_authenticated:
        return None, redirect("portal:login")
    s = subject(request)
    require_scope(s, ProxyScope.POINTS)
    if s.resident is None:
        raise not_found("积分账户")
    return s, None


@submit_once
def portal_redeem(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm step (GET), then redeem (POST)."""
    s, answer = _resident_or_login(request)
    if answer is not None:
        return answer
    assert s is not None and s.resident is not None
    reward = selectors.reward_for_resident(s.resident, pk)
    balance = services.points_balance(s.resident)
    if request.method == "POST":
        try:
            redemption = services.redemption_create(by=request.user, resident=s.resident, reward=reward)
        except LinliError as exc:
            if exc.status in (403, 404):
                raise
            messages.error(request, exc.message)
        else:
            messages.success(request, f"兑换成功！凭领取码 {redemption.pickup_code} 到{reward.giver}领取“{reward.name}”")
            return redirect("portal:points")
        return redirect("points:portal_redeem", pk=reward.pk)
    return render(request, "points/portal_redeem.html", {**as_context(s, request.user), "tab": "points",
                                                         "reward": reward, "balance": balance,
                                                         "enough": balance >= reward.cost,
                                                         "missing": max(reward.cost - balance, 0)})


@require_POST
def portal_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    s, answer = _resident_or_login(request)
    if answer is not None:
        return answer
    assert s is not None and s.resident is not None
    redemption: Redemption | None = selectors.redemptions_of(s.resident).filter(pk=pk).first()
    if redemption is None:
        raise not_found("兑换记录")
    try:
        services.redemption_cancel(by=request.user, redemption=redemption, reason="居民取消")
    except LinliError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已取消兑换“{redemption.reward.name}”，{redemption.cost} 分已退回")
    return redirect("portal:points")

