"""Demo data of the points ledger, through the real services: earning rules for both pilot
communities, a catalogue donated by member units, a few manual awards and one redemption.
(The volunteering demo awards service points through ``points_award``.)"""

from __future__ import annotations

import datetime as dt

from linli.accounts.models import User
from linli.people.models import Resident
from linli.points import services

XINGJIAQIAO = "500112009011"
JINZHUYUAN = "500112022006"

RULES = [  # action, points, unit, monthly cap
    ("service_half_hour", 5, "半小时", 200),
    ("session_taught", 20, "次", None),
    ("class_attended", 2, "次", None),
    ("suggestion_adopted", 10, "条", None),
    ("manual", 1, "分", None),
]

REWARDS = [  # name, giver, cost, stock, description
    ("大米 5kg", "社区超市", 200, 10, "到社区超市凭领取码领取"),
    ("免费理发", "邻里理发店", 50, 30, "每次一人，周一至周五"),
    ("电子血压计", "康民大药房", 500, 2, "适合老年人在家自测"),
    ("上门保洁一次", "安居家政公司", 300, 5, "两小时，需提前预约"),
]

AWARDS = [  # index among the community's residents, points, reason
    (0, 60, "协助社区防汛巡查"),
    (1, 120, "长期照看独居邻居"),
    (2, 40, "参与楼道清理"),
    (3, 250, "组织院坝文艺汇演"),
]


def demo_build(*, staff: dict[str, User], today: dt.date) -> None:
    for code, worker in ((XINGJIAQIAO, staff["xjq"]), (JINZHUYUAN, staff["jzy"])):
        for action, points, unit, cap in RULES:
            services.rule_set(by=worker, area_code=code, action=action, points=points, unit_label=unit, cap=cap,
                              cap_period="month" if cap else "", valid_from=today - dt.timedelta(days=365))
        rewards = [services.reward_create(by=worker, area_code=code, name=name, giver=giver, cost=cost, stock=stock,
                                          description=text) for name, giver, cost, stock, text in REWARDS]
        people = list(Resident.objects.filter(area__code__startswith=code, archived_at__isnull=True).order_by("pk")[:4])
        for index, points, reason in AWARDS:
            if index < len(people):
                services.points_award(by=worker, resident=people[index], action="manual", units=points, source=None,
                                      reason=reason, on=today - dt.timedelta(days=10 - index))
        if len(people) > 3:
            services.redemption_create(by=worker, resident=people[3], reward=rewards[0])  # 大米, waiting for pickup
