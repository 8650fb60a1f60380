"""The lottery rule alone (no database): reproducible, fair to the input order, groups first, checkable."""

from __future__ import annotations

import hashlib
import json
import random

import pytest
from django.core.management import CommandError, call_command

from linli.college import lottery

APPLICANTS = [(n, 0 if n % 3 == 0 else 1) for n in range(101, 161)]


def _record(seed: str = "ab" * 16, seats: int = 10) -> dict:
    order = lottery.draw(seed, APPLICANTS)
    return {"course": {"id": 1, "title": "太极拳"}, "seed": seed, "seed_hash": lottery.seed_hash(seed), "seats": seats,
            "priorities": ["community"], "applicants": [{"no": n, "group": g} for n, g in APPLICANTS], "order": order}


def test_seed_and_its_commitment():
    seed = lottery.new_seed()
    assert len(seed) == 32 and int(seed, 16) >= 0
    assert lottery.new_seed() != seed
    assert lottery.seed_hash(seed) == hashlib.sha256(seed.encode()).hexdigest()


def test_the_rule_fits_in_one_line():
    seed = "0123456789abcdef" * 2
    expected = [n for g, _, n in sorted((g, hashlib.sha256(f"{seed}:{n}".encode()).hexdigest(), n)
                                        for n, g in APPLICANTS)]
    assert lottery.draw(seed, APPLICANTS) == expected


def test_reproducible_and_independent_of_input_order():
    seed = lottery.new_seed()
    first = lottery.draw(seed, APPLICANTS)
    shuffled = APPLICANTS[:]
    random.Random(7).shuffle(shuffled)
    assert lottery.draw(seed, shuffled) == first
    assert lottery.draw(seed, list(reversed(APPLICANTS))) == first
    assert sorted(first) == [n for n, _ in APPLICANTS]  # everyone drawn once


def test_priority_groups_come_first():
    order = lottery.draw("seed", APPLICANTS)
    group = dict(APPLICANTS)
    ranks = [group[n] for n in order]
    assert ranks == sorted(ranks)
    assert ranks.count(0) == 20 and ranks[:20] == [0] * 20


def test_different_seeds_give_different_orders():
    orders = {tuple(lottery.draw(f"seed-{i}", APPLICANTS)) for i in range(5)}
    assert len(orders) == 5
    # Not merely the input order: a fair shuffle of 40 in group 1 is almost never sorted.
    assert list(lottery.draw("seed-0", APPLICANTS))[20:] != sorted(n for n, g in APPLICANTS if g == 1)


def test_verify_accepts_an_honest_record():
    ok, message = lottery.verify(_record())
    assert ok
    assert message == "摇号结果核对无误：60 人申请，前 10 位获得名额"


def test_verify_detects_a_swapped_order():
    record = _record()
    record["order"][0], record["order"][5] = record["order"][5], record["order"][0]
    ok, message = lottery.verify(record)
    assert not ok
    assert message.startswith("摇号结果不符：按记录中的种子重算，第 1 位应为")


def test_verify_detects_another_seed_and_a_broken_commitment():
    record = _record()
    record["seed"] = "cd" * 16  # the hash no longer matches the commitment
    ok, message = lottery.verify(record)
    assert not ok and "种子摘要" in message
    del record["seed_hash"]  # without the commitment, the order gives the forgery away
    ok, message = lottery.verify(record)
    assert not ok and message.startswith("摇号结果不符")


def test_verify_detects_a_changed_group_or_a_dropped_applicant():
    record = _record()
    record["applicants"][0]["group"] = 0  # someone moved into the priority group afterwards
    assert lottery.verify(record)[0] is False
    record = _record()
    record["order"].pop()
    ok, message = lottery.verify(record)
    assert not ok and "编号与申请名单不同" in message


@pytest.mark.parametrize(("broken", "words"), [
    ([], "应为一个 JSON 对象"),
    ({"seed": "x"}, "缺少字段：seats、applicants、order"),
    ({"seed": "", "seats": 1, "applicants": [], "order": []}, "seed"),
    ({"seed": "x", "seats": "三", "applicants": [], "order": []}, "格式不对"),
    ({"seed": "x", "seats": 1, "applicants": [{"no": 1}], "order": [1]}, "格式不对"),
    ({"seed": "x", "seats": 1, "applicants": [{"no": 1, "group": 0}] * 2, "order": [1, 1]}, "重复"),
])
def test_verify_says_what_is_wrong_with_a_broken_record(broken, words):
    ok, message = lottery.verify(broken)
    assert not ok and words in message


def test_cli_lottery_verify(tmp_path, capsys):
    good = tmp_path / "good.json"
    good.write_text(json.dumps(_record(), ensure_ascii=False), encoding="utf-8")
    call_command("college", "lottery-verify", str(good))
    assert "“太极拳”摇号结果核对无误" in capsys.readouterr().out

    tampered = _record()
    tampered["order"].reverse()
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(tampered), encoding="utf-8")
    with pytest.raises(CommandError, match="摇号结果不符"):
        call_command("college", "lottery-verify", str(bad))

    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError, match="不是有效的 JSON"):
        call_command("college", "lottery-verify", str(broken))
    with pytest.raises(CommandError, match="找不到文件"):
        call_command("college", "lottery-verify", str(tmp_path / "missing.json"))
