"""Known answers → known orders: the pure aggregation, no database."""

from __future__ import annotations

import pytest

from linli.college.demand import AnswerRow, age_band, aggregate, reached, split_names

XJQ, JZY = "500112009011", "500112022006"


def test_known_answers_give_known_orders_ranked_by_demand():
    rows = [
        AnswerRow(XJQ, 1, 72, ("绘画", "象棋"), ("2-am", "4-am")),
        AnswerRow(XJQ, 2, 68, ("绘画",), ("2-am",)),
        AnswerRow(XJQ, 3, 81, ("绘画", "快板"), ("2-pm",)),
        AnswerRow(XJQ, 4, 45, ("象棋",), ()),
        AnswerRow(JZY, 5, 71, ("绘画",), ("6-eve",)),
    ]
    orders = aggregate(rows)
    assert [(d.community, d.subject, d.count) for d in orders] == [
        (XJQ, "绘画", 3), (XJQ, "象棋", 2), (XJQ, "快板", 1), (JZY, "绘画", 1),
    ]
    painting = orders[0]
    assert painting.age_profile() == {"40岁以下": 0, "40–59岁": 0, "60–69岁": 1, "70–79岁": 1, "80岁及以上": 1}
    assert painting.slots == {"2-am": 2, "4-am": 1, "2-pm": 1}
    assert painting.top_slots(1) == [("2-am", 2)]


def test_a_resident_counts_once_per_class_however_often_it_is_ticked():
    orders = aggregate([AnswerRow(XJQ, 1, 70, ("绘画", "绘画", " 绘画 "), ("1-am", "1-am")),
                        AnswerRow(XJQ, 1, 70, ("绘画",), ("1-am",))])
    assert [(d.subject, d.count, dict(d.slots)) for d in orders] == [("绘画", 1, {"1-am": 1})]


def test_blank_names_and_the_other_label_are_not_classes():
    orders = aggregate([AnswerRow(XJQ, 1, 70, ("", "  ", "其他", "葫芦丝"))])
    assert [d.subject for d in orders] == ["葫芦丝"]


def test_threshold_is_per_community_with_a_default():
    orders = {d.community: d for d in aggregate([AnswerRow(XJQ, i, 70, ("太极拳",)) for i in range(8)]
                                               + [AnswerRow(JZY, 100 + i, 70, ("太极拳",)) for i in range(8)])}
    assert reached(orders[XJQ], {}, 8)
    assert not reached(orders[XJQ], {XJQ: 9}, 8)
    assert reached(orders[JZY], {XJQ: 9}, 8)
    assert not reached(orders[JZY], {}, 9)


@pytest.mark.parametrize(("age", "band"), [(0, "40岁以下"), (39, "40岁以下"), (40, "40–59岁"), (69, "60–69岁"),
                                          (79, "70–79岁"), (80, "80岁及以上"), (104, "80岁及以上")])
def test_age_bands(age, band):
    assert age_band(age) == band


def test_age_out_of_range_is_an_error():
    with pytest.raises(ValueError):
        age_band(-1)


def test_split_names_reads_what_residents_write():
    assert split_names("葫芦丝、二胡，二胡; 剪纸/ 书法 ") == ["葫芦丝", "二胡", "剪纸", "书法"]
    assert split_names("") == []
