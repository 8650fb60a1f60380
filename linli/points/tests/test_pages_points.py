"""Pages, API and the residents' 积分 tab: the visibility matrix, writes through the forms, query counts."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from linli.core.testing import JINZHUYUAN, XINGJIAQIAO, Api, resident, with_token
from linli.points import services
from linli.points.models import Redemption, RedemptionStatus, Reward, Transfer
from linli.points.tests.kit import give, reward, rules

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(personas):
    p = personas
    rules(p)
    x, j = p.xjq_residents[1], p.jzy_residents[1]
    give(p, x, 300)
    give(p, j, 300)
    give(p, p.xjq_residents[0], 80)  # lives in the grid
    p.x_reward, p.j_reward = reward(p, cost=50), reward(p, code=JINZHUYUAN, cost=40, name="免费理发")
    p.x_red = services.redemption_create(by=p.xjq_worker, resident=x, reward=p.x_reward)
    p.j_red = services.redemption_create(by=p.jzy_worker, resident=j, reward=p.j_reward)
    p.x_acct, p.j_acct = services.resident_account(x), services.resident_account(j)
    p.grid_acct = services.resident_account(p.xjq_residents[0])
    return p


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


LISTS = ["points:account_list", "points:reward_list", "points:redemption_list", "points:rule_list"]


@pytest.mark.parametrize("name", LISTS)
def test_lists_visibility_matrix(world, name):
    p = world
    url = reverse(name)
    assert _client(p.outsider).get(url).status_code == 403
    assert _client(p.assistance_officer).get(url).status_code == 403
    jzy = _client(p.jzy_worker).get(url).content.decode()
    xjq = _client(p.xjq_worker).get(url).content.decode()
    renhe = _client(p.renhe_admin).get(url).content.decode()
    district = _client(p.district_admin).get(url + ("?community=" + JINZHUYUAN if "rule" in name else ""))
    assert district.status_code == 200
    marks = {"points:account_list": ("邢居民1", "金居民1"), "points:reward_list": ("大米 5kg", "免费理发"),
             "points:redemption_list": ("邢居民1", "金居民1"), "points:rule_list": ("邢家桥社区", "金竹苑社区")}[name]
    assert marks[0] in xjq and marks[1] not in xjq
    assert marks[1] in jzy and marks[0] not in jzy
    assert marks[0] in renhe and marks[1] not in renhe
    assert _client(p.xjq_grid_worker).get(url).status_code == 200


def test_grid_worker_sees_their_grid_residents_and_the_whole_communitys_rewards(world):
    p = world
    c = _client(p.xjq_grid_worker)
    accounts = c.get(reverse("points:account_list")).content.decode()
    assert "邢居民0" in accounts and "邢居民1" not in accounts
    assert "大米 5kg" in c.get(reverse("points:reward_list")).content.decode()
    # views but cannot manage
    assert c.get(reverse("points:reward_edit", args=[p.x_reward.pk])).status_code == 404
    assert c.get(reverse("points:reward_create")).status_code == 403
    assert c.post(reverse("points:redemption_pickup", args=[p.x_red.pk])).status_code == 404  # not their grid's
    assert c.get(reverse("points:rule_edit", args=[XINGJIAQIAO, "manual"])).status_code == 404


@pytest.mark.parametrize("who", ["jzy_worker", "outsider", "assistance_officer"])
def test_details_of_another_area_are_404_or_403(world, who):
    p = world
    c = _client(getattr(p, who))
    expected = 403 if who == "outsider" else 404
    for url in (reverse("points:account_detail", args=[p.x_acct.pk]),
                reverse("points:redemption_detail", args=[p.x_red.pk]),
                reverse("points:reward_edit", args=[p.x_reward.pk]),
                reverse("points:award_create", args=[p.xjq_residents[1].pk]),
                reverse("points:transfer_reverse", args=[p.x_red.transfer_id])):
        assert c.get(url).status_code == expected, url


def test_account_page_and_street_admin(world):
    p = world
    page = _client(p.renhe_admin).get(reverse("points:account_detail", args=[p.x_acct.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "250 分" in html and "兑换“大米 5kg”" in html
    assert _client(p.renhe_admin).get(reverse("points:account_detail", args=[p.j_acct.pk])).status_code == 404


def test_manual_award_and_reversal_through_the_pages(world):
    p = world
    c = _client(p.xjq_worker)
    who = p.xjq_residents[1]
    url = reverse("points:award_create", args=[who.pk])
    bad = c.post(url, with_token(p.xjq_worker, {"units": "2.5", "reason": "帮忙"}))
    assert bad.status_code == 400 and "整数" in bad.content.decode()
    c.post(url, with_token(p.xjq_worker, {"units": "12", "reason": "帮忙搬运物资"}))
    assert services.points_balance(who) == 262
    t = Transfer.objects.get(reason="帮忙搬运物资")
    r = c.post(reverse("points:transfer_reverse", args=[t.pk]), with_token(p.xjq_worker, {"reason": "登记错了"}))
    assert r.status_code == 302
    assert services.points_balance(who) == 250
    again = c.post(reverse("points:transfer_reverse", args=[t.pk]), with_token(p.xjq_worker, {"reason": "再冲"}))
    assert again.status_code == 400 and "已冲正过" in again.content.decode()


def test_rules_rewards_and_pickup_through_the_pages(world):
    p = world
    c = _client(p.xjq_worker)
    url = reverse("points:rule_edit", args=[XINGJIAQIAO, "class_attended"])
    assert c.post(url, {"points": "-2", "unit_label": "次", "valid_from": "2026-01-01", "active": "on"}).status_code == 400
    c.post(url, {"points": "2", "unit_label": "次", "valid_from": "2026-01-01", "active": "on"})
    assert services.active_rule(XINGJIAQIAO, "class_attended").points == 2
    c.post(reverse("points:reward_create"), with_token(p.xjq_worker, {
        "area": XINGJIAQIAO, "name": "血压计", "giver": "药店", "cost": "500", "stock": "2", "active": "on"}))
    assert Reward.objects.filter(name="血压计", stock=2).exists()
    r = c.post(reverse("points:pickup_code"), {"code": p.x_red.pickup_code})
    assert r.status_code == 302
    assert Redemption.objects.get(pk=p.x_red.pk).status == RedemptionStatus.PICKED_UP
    r = c.post(reverse("points:pickup_code"), {"code": p.j_red.pickup_code})  # another community's code
    assert r.status_code == 400 and "领取码不存在" in r.content.decode()


def test_cancel_from_the_page_returns_points_and_stock(world):
    p = world
    c = _client(p.jzy_worker)
    assert _client(p.xjq_worker).post(reverse("points:redemption_cancel", args=[p.j_red.pk])).status_code == 404
    c.post(reverse("points:redemption_cancel", args=[p.j_red.pk]))
    assert services.points_balance(p.jzy_residents[1]) == 300
    assert Reward.objects.get(pk=p.j_reward.pk).stock == 3


def test_list_query_counts_do_not_grow(world, django_assert_max_num_queries):
    p = world
    c = _client(p.district_admin)
    counts = {}
    for n in (2, 12):
        while Redemption.objects.count() < n:
            who = resident(XINGJIAQIAO, f"加{Redemption.objects.count()}")
            give(p, who, 60)
            services.redemption_create(by=p.xjq_worker, resident=who, reward=services.reward_create(
                by=p.xjq_worker, area_code=XINGJIAQIAO, name=f"物{n}{who.pk}", giver="店", cost=10, stock=1))
        for name in LISTS[:3]:
            from django.db import connection
            from django.test.utils import CaptureQueriesContext

            with CaptureQueriesContext(connection) as q:
                assert c.get(reverse(name)).status_code == 200
            counts.setdefault(name, []).append(len(q))
        with CaptureQueriesContext(connection) as q:
            assert c.get(reverse("points:account_detail", args=[p.x_acct.pk])).status_code == 200
        counts.setdefault("detail", []).append(len(q))
    for name, (small, large) in counts.items():
        assert large <= small, (name, counts[name])


# --- API -------------------------------------------------------------------------------------------


def test_api_visibility_matrix(world):
    p = world
    assert Api(p.outsider).get("/points/accounts").status_code == 403
    assert Api(p.assistance_officer).get("/points/accounts").status_code == 403
    names = lambda user: {a["resident"] for a in Api(user).get("/points/accounts").json()["items"]}  # noqa: E731
    assert "邢居民1" in names(p.xjq_worker) and "金居民1" not in names(p.xjq_worker)
    assert "金居民1" in names(p.jzy_worker) and "邢居民1" not in names(p.jzy_worker)
    assert names(p.renhe_admin) == {"邢居民0", "邢居民1"}
    assert names(p.xjq_grid_worker) == {"邢居民0"}
    assert Api(p.jzy_worker).get(f"/points/accounts/{p.x_acct.pk}/statement").status_code == 404
    st = Api(p.xjq_worker).get(f"/points/accounts/{p.x_acct.pk}/statement").json()
    assert st["balance"] == 250 and st["items"][0]["amount"] == -50
    rewards = {r["name"] for r in Api(p.jzy_worker).get("/points/rewards").json()["items"]}
    assert rewards == {"免费理发"}
    assert {r["name"] for r in Api(p.xjq_grid_worker).get("/points/rewards").json()["items"]} == {"大米 5kg"}


def test_api_redeem_and_reverse(world):
    p = world
    x = p.xjq_residents[1]
    body = {"resident_id": x.pk, "reward_id": p.x_reward.pk}
    assert Api(p.jzy_worker).post("/points/redemptions", body).status_code == 404
    assert Api(p.xjq_grid_worker).post("/points/redemptions", body).status_code == 403
    assert Api(p.assistance_officer).post("/points/redemptions", body).status_code == 403
    r = Api(p.xjq_worker).post("/points/redemptions", body)
    assert r.status_code == 201 and r.json()["balance"] == 200
    wrong = Api(p.xjq_worker).post("/points/redemptions", {"resident_id": x.pk, "reward_id": p.j_reward.pk})
    assert wrong.status_code == 404
    award = Transfer.objects.filter(kind="award", entries__account=p.j_acct).first()
    assert Api(p.xjq_worker).post(f"/points/transfers/{award.pk}/reverse", {"reason": "x"}).status_code == 404
    assert Api(p.jzy_worker).post(f"/points/transfers/{award.pk}/reverse", {"reason": "\x00"}).status_code == 422
    r = Api(p.jzy_worker).post(f"/points/transfers/{award.pk}/reverse", {"reason": "错发"})
    assert r.status_code == 400 and "不能冲正" in r.json()["message"]  # 40 already spent of 300
    services.redemption_cancel(by=p.jzy_worker, redemption=p.j_red)
    r = Api(p.jzy_worker).post(f"/points/transfers/{award.pk}/reverse", {"reason": "错发"})
    assert r.status_code == 201
    assert Api(p.jzy_worker).post(f"/points/transfers/{award.pk}/reverse", {"reason": "错发"}).status_code == 409


def test_api_list_query_count_is_constant(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    p = world
    api = Api(p.district_admin)
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as q:
            for path in ("/points/accounts", "/points/rewards", f"/points/accounts/{p.x_acct.pk}/statement"):
                assert api.get(path, {"page_size": 200}).status_code == 200
        counts.append(len(q))
        for i in range(10):
            give(p, resident(XINGJIAQIAO, f"多{i}{len(counts)}"), 5)
            give(p, p.xjq_residents[1], 1)
            reward(p, name=f"礼{i}{len(counts)}")
    assert counts[1] <= counts[0]


# --- the residents' tab -------------------------------------------------------------------------------


def test_residents_tab_shows_balance_lines_rewards_and_pickup_code(world):
    p = world
    me = p.xjq_residents[0]
    cheap = reward(p, cost=30, stock=5, name="免费理发券")
    c = _client(p.resident_user)
    html = c.get("/m/points/").content.decode()
    assert 'id="balance"' in html and ">80<" in html
    assert "免费理发券" in html and "大米 5kg" in html  # one affordable, one to save for
    assert "测试" in html  # the statement line in words
    page = c.get(reverse("points:portal_redeem", args=[cheap.pk]))
    assert page.status_code == 200 and "确认兑换" in page.content.decode()
    assert c.post(reverse("points:portal_redeem", args=[cheap.pk]), with_token(p.resident_user)).status_code == 302
    assert services.points_balance(me) == 50
    red = Redemption.objects.get(resident=me)
    assert red.pickup_code in c.get("/m/points/").content.decode()
    # another community's reward is not found; too dear is refused with the figures
    assert c.get(reverse("points:portal_redeem", args=[p.j_reward.pk])).status_code == 404
    dear = reward(p, cost=500, stock=1, name="血压计")
    c.post(reverse("points:portal_redeem", args=[dear.pk]), with_token(p.resident_user))
    assert "积分不够" in c.get("/m/points/").content.decode()
    c.post(reverse("points:portal_cancel", args=[red.pk]))
    assert services.points_balance(me) == 80
    other = _client(p.resident_user).post(reverse("points:portal_cancel", args=[p.x_red.pk]))
    assert other.status_code == 404  # someone else's redemption


def test_residents_tab_in_proxy_mode_needs_the_points_scope(world):
    from linli.people.services import proxy_bind

    p = world
    me = p.xjq_residents[0]
    binding = proxy_bind(by=p.xjq_worker, principal=me, relation="family", scopes=["survey"],
                         agent_phone="13811112222", agent_name="女儿")
    c = _client(binding.agent)
    c.post(reverse("portal:proxy_start", args=[binding.pk]))
    html = c.get("/m/points/").content.decode()
    assert "没有授权您代办“积分兑换”" in html and "兑换</a>" not in html  # sees the balance, cannot redeem
    assert c.get(reverse("points:portal_redeem", args=[p.x_reward.pk])).status_code == 403
    assert c.post(reverse("points:portal_redeem", args=[p.x_reward.pk]), with_token(binding.agent)).status_code == 403
    binding.scopes = ["points"]
    binding.save()
    html = c.get("/m/points/").content.decode()
    assert "邢居民0的积分" in html
    assert c.post(reverse("points:portal_redeem", args=[p.x_reward.pk]), with_token(binding.agent)).status_code == 302
    assert services.points_balance(me) == 30


def test_residents_tab_login_required(db):
    assert Client().get("/m/points/").status_code == 302
    assert Client().post("/points/m/rewards/1/redeem/").status_code == 302
