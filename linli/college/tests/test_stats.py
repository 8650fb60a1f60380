"""The college's dashboard figures: counted through the visibility rule."""

from __future__ import annotations

import pytest

from linli.college.selectors import stats
from linli.college.services import orders as order_services
from linli.college.tests import parts
from linli.college.tests.interest import answer, make_interest_survey
from linli.core.testing import JINZHUYUAN, XINGJIAQIAO, resident

pytestmark = pytest.mark.django_db


@pytest.fixture
def college(personas):
    survey = make_interest_survey(personas.district_admin)
    for i in range(8):
        answer(survey, resident(XINGJIAQIAO, f"邢学员{i}"), ["太极拳", "绘画"] if i < 3 else ["太极拳"])
    answer(survey, personas.jzy_residents[0], ["象棋"])
    for code in (XINGJIAQIAO, JINZHUYUAN):
        order_services.orders_refresh(survey=survey, community_code=code)
    parts.club(personas, XINGJIAQIAO)
    parts.club(personas, XINGJIAQIAO)
    parts.club(personas, JINZHUYUAN)
    return personas


def test_figures_follow_what_each_user_may_see(college):
    p = college
    assert stats.count_orders_waiting(p.xjq_worker, None) == 1  # 太极拳 reached 8; 绘画 has 3
    assert stats.count_orders_waiting(p.jzy_worker, None) == 0
    assert stats.count_clubs(p.xjq_worker, None) == 2
    assert stats.count_clubs(p.district_admin, None) == 3
    assert stats.count_clubs(p.district_admin, JINZHUYUAN) == 1
    assert stats.count_clubs(p.outsider, None) == 0
    assert stats.count_clubs(p.assistance_officer, None) == 0
    assert stats.demand_by_subject(p.xjq_worker, None) == [("太极拳", 8), ("绘画", 3)]
    assert stats.demand_by_subject(p.district_admin, None) == [("太极拳", 8), ("绘画", 3), ("象棋", 1)]


def test_dashboard_shows_the_college(college, client):
    client.force_login(college.xjq_worker)
    page = client.get("/").content.decode()
    assert "待开班订单" in page and "居民想学的课程（人数）" in page
