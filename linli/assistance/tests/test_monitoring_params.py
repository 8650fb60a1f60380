"""The parameter file: loading, every check (naming region, version and field), in_force by date."""

from __future__ import annotations

import copy
import datetime as dt
import tomllib

import pytest

from linli.assistance.monitoring import params
from linli.assistance.monitoring.params import EXAMPLE, ParamsError

# Pure engine tests: no database, so CI runs them once (not again on PostgreSQL).
pytestmark = pytest.mark.engine

D = dt.date


def example_data() -> dict:
    with open(EXAMPLE, "rb") as f:
        return tomllib.load(f)


def errors_of(data: dict) -> list[str]:
    with pytest.raises(ParamsError) as e:
        params.parse(data)
    return e.value.messages


def test_example_file_loads_and_says_it_is_an_example():
    p = params.load()
    assert p.example is True
    assert "示例" in p.note
    assert p.regions == ["50", "500112", "22", "2101"]
    assert all("示例" in v.document for v in p.versions)
    assert p.source.endswith("example.toml")


def test_example_figures_jilin_and_shenyang_rigid_shares():
    on = D(2026, 11, 15)
    by_region = {v.region: v for v in params.load().in_force(on)}
    assert by_region["22"].rigid_share == 0.6
    assert by_region["2101"].rigid_share == 0.8
    assert by_region["50"].dibao_standard == 800.0
    assert isinstance(by_region["50"].homes_limit, int)


def test_in_force_picks_the_version_by_date_inclusive_bounds():
    p = params.load()
    chongqing = lambda on: next(v for v in p.in_force(on) if v.region == "50")  # noqa: E731
    assert chongqing(D(2025, 1, 1)).dibao_standard == 760.0
    assert chongqing(D(2025, 12, 31)).dibao_standard == 760.0  # valid_to is the last day
    assert chongqing(D(2026, 1, 1)).dibao_standard == 800.0
    assert chongqing(D(2030, 6, 1)).valid_to is None


def test_in_force_before_any_version_is_an_error_naming_the_region():
    with pytest.raises(ParamsError) as e:
        params.load().in_force(D(2024, 12, 31))
    assert any("地区 50（重庆市）在 2024-12-31 没有生效的参数版本" in m for m in e.value.messages)
    assert len(e.value.messages) == 4


def test_in_force_after_a_closed_last_version_is_an_error():
    data = example_data()
    data["region"] = [data["region"][2]]  # 吉林省, one open version
    data["region"][0]["version"][0]["valid_to"] = D(2025, 12, 31)
    p = params.parse(data)
    assert p.in_force(D(2025, 12, 31))
    with pytest.raises(ParamsError, match="地区 22（吉林省）在 2026-01-01 没有生效的参数版本"):
        p.in_force(D(2026, 1, 1))


def test_gap_between_versions_names_the_days():
    data = example_data()
    data["region"][1]["version"][1]["valid_from"] = D(2026, 2, 1)
    assert errors_of(data) == ["地区 500112 的参数在 2026-01-01 至 2026-01-31 之间没有生效版本"]


def test_overlap_between_versions():
    data = example_data()
    data["region"][0]["version"][1]["valid_from"] = D(2025, 12, 1)
    (msg,) = errors_of(data)
    assert msg.startswith("地区 50 的参数版本重叠") and "2025-12-31" in msg


def test_only_the_last_version_may_be_open_ended():
    data = example_data()
    del data["region"][0]["version"][0]["valid_to"]
    (msg,) = errors_of(data)
    assert "地区 50（重庆市） 2025-01-01 起的版本没有 valid_to" in msg


def test_versions_may_be_written_in_any_order():
    data = example_data()
    data["region"][0]["version"].reverse()
    p = params.parse(data)
    assert [v.valid_from for v in p.versions if v.region == "50"] == [D(2025, 1, 1), D(2026, 1, 1)]


def test_valid_to_before_valid_from():
    data = example_data()
    data["region"][0]["version"][0]["valid_to"] = D(2024, 12, 1)
    msgs = errors_of(data)
    assert any("valid_to 2024-12-01 早于 valid_from" in m for m in msgs)


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("dibao_standard", 0, "字段 dibao_standard 应为正数，实际为 0"),
        ("dibao_standard", -760.0, "字段 dibao_standard 应为正数，实际为 -760.0"),
        ("disposable_income_last_year", 0.0, "字段 disposable_income_last_year 应为正数"),
        ("rigid_share", 0.0, "字段 rigid_share 应在 0（不含）与 1 之间，实际为 0.0"),
        ("rigid_share", 1.2, "字段 rigid_share 应在 0（不含）与 1 之间，实际为 1.2"),
        ("near_poverty_multiple", 0.9, "字段 near_poverty_multiple 应不小于 1，实际为 0.9"),
        ("homes_limit", -1, "字段 homes_limit 不能为负数"),
        ("homes_limit", 1.5, "字段 homes_limit 应为整数，实际为 1.5"),
        ("review_months", 0, "字段 review_months 应为正数"),
        ("dibao_standard", "800", "字段 dibao_standard 应为数字，实际为 '800'"),
        ("dibao_standard", True, "字段 dibao_standard 应为数字，实际为 True"),
        ("valid_from", "2025-01-01", "字段 valid_from 应为日期（如 2026-01-01，不加引号）"),
    ],
)
def test_bad_field_names_region_version_and_field(field, value, expected):
    data = example_data()
    data["region"][2]["version"][0][field] = value
    msgs = errors_of(data)
    assert len(msgs) == 1, msgs
    assert msgs[0].startswith("地区 22（吉林省） 第 1 个版本"), msgs[0]
    assert expected in msgs[0]


def test_share_of_exactly_one_and_multiple_of_exactly_one_are_fine():
    data = example_data()
    data["region"][2]["version"][0]["rigid_share"] = 1
    data["region"][2]["version"][0]["near_poverty_multiple"] = 1
    v = params.parse(data).in_force(D(2026, 1, 1))[2]
    assert (v.rigid_share, v.near_poverty_multiple) == (1.0, 1.0)
    assert isinstance(v.rigid_share, float)


def test_missing_and_unknown_fields():
    data = example_data()
    version = data["region"][3]["version"][0]
    del version["high_medical_oop"]
    del version["document"]
    version["dibao_standrad"] = 900
    msgs = errors_of(data)
    label = "地区 2101（沈阳市） 第 1 个版本（2025-01-01 起）："
    assert f"{label}缺少字段 high_medical_oop" in msgs
    assert f"{label}未知字段 dibao_standrad" in msgs
    assert any(m.startswith(f"{label}缺少字段 document") for m in msgs)


def test_every_problem_is_reported_at_once():
    data = example_data()
    data["region"][0]["version"][0]["dibao_standard"] = -1
    data["region"][3]["version"][0]["rigid_share"] = 2
    assert len(errors_of(data)) == 2


@pytest.mark.parametrize("code", ["5", "500", "50011200", 50, "5a"])
def test_bad_region_codes(code):
    data = example_data()
    data["region"][2]["code"] = code
    (msg,) = errors_of(data)
    assert msg.startswith("第 3 个地区：code 应为带引号的 2、4 或 6 位数字")


def test_duplicate_region_codes():
    data = example_data()
    data["region"].append(copy.deepcopy(data["region"][2]))
    assert errors_of(data) == ["地区 22 重复（第 3 个和第 5 个地区）"]


def test_top_level_checks():
    data = example_data()
    del data["example"]
    data["regions"] = []
    msgs = errors_of(data)
    assert "未知的顶层字段 regions（可用：example、note、region）" in msgs
    assert any(m.startswith("顶层字段 example 必填") for m in msgs)
    assert errors_of({"example": False}) == ["参数文件中没有地区（[[region]]）"]


def test_region_without_versions_or_name():
    data = example_data()
    data["region"][2]["version"] = []
    data["region"][3]["name"] = ""
    data["region"][3]["extra"] = 1
    msgs = errors_of(data)
    assert "地区 22（吉林省）：没有参数版本（[[region.version]]）" in msgs
    assert "地区 2101：name 必填，应为地区名称" in msgs
    assert "地区 2101：未知字段 extra" in msgs


def test_file_errors(tmp_path):
    with pytest.raises(ParamsError, match="不存在"):
        params.load(tmp_path / "none.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("example = \n", encoding="utf-8")
    with pytest.raises(ParamsError, match="不是有效的 TOML"):
        params.load(bad)
    with pytest.raises(ParamsError, match="是文件夹"):
        params.load(tmp_path)


def test_a_file_not_in_utf8_says_so(tmp_path):
    gbk = tmp_path / "gbk.toml"
    gbk.write_bytes(EXAMPLE.read_text(encoding="utf-8").encode("gbk", errors="replace"))
    with pytest.raises(ParamsError) as e:
        params.load(gbk)
    assert e.value.messages == ["参数文件 gbk.toml 不是 UTF-8 编码（可能是 GBK），请另存为 UTF-8"]


def test_a_real_file_with_a_gap_fails_to_load(tmp_path):
    text = EXAMPLE.read_text(encoding="utf-8").replace("valid_to = 2025-12-31", "valid_to = 2025-11-30", 1)
    path = tmp_path / "gap.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ParamsError) as e:
        params.load(path)
    assert e.value.messages == ["地区 50 的参数在 2025-12-01 至 2025-12-31 之间没有生效版本"]
    assert str(e.value) == e.value.messages[0]
