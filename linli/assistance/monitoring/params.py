"""Local parameters: per region (a province, city or county code prefix), versioned by date, each
version naming the document it comes from. Loaded from TOML (``params/example.toml``, whose
comments explain every field).

``load`` checks the whole file and raises one ``ParamsError`` listing every problem, each naming
the region, the version and the field: a run must not start on half-right parameters.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

EXAMPLE = Path(__file__).parent / "params" / "example.toml"


@dataclass(frozen=True)
class ParamVersion:
    region: str  # area code prefix: 2 (province), 4 (city) or 6 (county) digits
    region_name: str
    valid_from: dt.date
    valid_to: dt.date | None  # None: open-ended (only the last version)
    document: str  # the source document, e.g. "渝民发〔2025〕12号"; examples say so
    # Lines, yuan per person per month unless said otherwise.
    dibao_standard: float  # 低保标准
    near_poverty_multiple: float  # 低保边缘: income per person below this × dibao_standard (1.5–2)
    disposable_income_last_year: float  # 上年度居民人均可支配收入, yuan per person per YEAR
    rigid_share: float  # 刚性支出: over this share of household income (0.6 Jilin, 0.8 Shenyang)
    basic_living_month: float  # 基本生活支出 counted per person per month in rigid spending
    recognition_months: int  # 刚性支出困难 recognised for at most this many months (12)
    # Assets (财产限额).
    deposit_months: float  # deposits per member ≤ this × dibao_standard
    vehicle_value_limit: float  # a vehicle worth more than this is over the limit
    homes_limit: int  # more properties than this is over the limit
    business_capital_limit: float  # a registered business with more capital is over the limit
    # Warning indicators.
    disabled_members_alert: int  # 主动发现: at least this many disabled members
    high_medical_oop: float  # 主动发现: out-of-pocket medical over 12 months above this (yuan)
    event_lookback_days: int  # deaths, diagnoses and registrations counted this far back
    review_months: int  # yearly review (12)
    review_months_irregular: int  # where income is irregular (6)
    review_lead_days: int  # alert this many days before a review falls due
    deadline_days_proactive: int  # home check due this many days after the run
    deadline_days_needs: int
    deadline_days_change: int

    def covers(self, on: dt.date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)


@dataclass(frozen=True)
class Params:
    versions: tuple[ParamVersion, ...]
    example: bool  # the file says its figures are examples, not any place's standard
    source: str  # the file's path, for the report
    note: str = ""

    @property
    def regions(self) -> list[str]:
        """The region codes, in the file's order."""
        return list(dict.fromkeys(v.region for v in self.versions))

    def in_force(self, on: dt.date) -> list[ParamVersion]:
        """Per region, the version in force on ``on``; a region with none that day is an error."""
        out: list[ParamVersion] = []
        errors: list[str] = []
        for region in self.regions:
            mine = [v for v in self.versions if v.region == region]
            found = [v for v in mine if v.covers(on)]
            if found:
                out.append(found[0])
            else:
                span = f"{mine[0].valid_from} 至 {mine[-1].valid_to or '今后'}"
                errors.append(f"地区 {region}（{mine[0].region_name}）在 {on} 没有生效的参数版本（参数覆盖 {span}）")
        if errors:
            raise ParamsError(errors)
        return out


class ParamsError(Exception):
    """Every problem of a parameter file, in Chinese, each naming region, version and field."""

    def __init__(self, messages: list[str]) -> None:
        self.messages = list(messages)
        super().__init__("；".join(self.messages))


# --- the fields' checks ---------------------------------------------------------------------------

# kind: "positive" (> 0), "nonneg" (≥ 0), "share" (0 < x ≤ 1), "multiple" (≥ 1)
_FLOAT_FIELDS: dict[str, str] = {
    "dibao_standard": "positive",
    "near_poverty_multiple": "multiple",
    "disposable_income_last_year": "positive",
    "rigid_share": "share",
    "basic_living_month": "nonneg",
    "deposit_months": "positive",
    "vehicle_value_limit": "positive",
    "business_capital_limit": "positive",
    "high_medical_oop": "positive",
}
_INT_FIELDS: dict[str, str] = {
    "recognition_months": "positive",
    "homes_limit": "nonneg",
    "disabled_members_alert": "positive",
    "event_lookback_days": "positive",
    "review_months": "positive",
    "review_months_irregular": "positive",
    "review_lead_days": "nonneg",
    "deadline_days_proactive": "nonneg",
    "deadline_days_needs": "nonneg",
    "deadline_days_change": "nonneg",
}
_VERSION_META = ("valid_from", "valid_to", "document")
_VERSION_KEYS = set(_VERSION_META) | set(_FLOAT_FIELDS) | set(_INT_FIELDS)
_REGION_KEYS = {"code", "name", "version"}
_TOP_KEYS = {"example", "note", "region"}
_KIND_ZH = {"positive": "应为正数", "nonneg": "不能为负数", "share": "应在 0（不含）与 1 之间", "multiple": "应不小于 1"}
_CODE_RE = re.compile(r"^(\d{2}|\d{4}|\d{6})$")

assert _VERSION_KEYS | {"region", "region_name"} == {f.name for f in dataclasses.fields(ParamVersion)}


def load(path: Path | str = EXAMPLE) -> Params:
    """Read and check a parameter file; raise ParamsError with every problem found."""
    path = Path(path)
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise ParamsError([f"参数文件 {path} 不存在"]) from None
    except IsADirectoryError:
        raise ParamsError([f"参数文件 {path} 是文件夹，不是文件"]) from None
    except PermissionError:
        raise ParamsError([f"参数文件 {path} 无法读取：没有权限"]) from None
    except OSError as e:
        raise ParamsError([f"参数文件 {path} 无法读取：{e.strerror or e}"]) from None
    except UnicodeDecodeError:
        raise ParamsError([f"参数文件 {path.name} 不是 UTF-8 编码（可能是 GBK），请另存为 UTF-8"]) from None
    except tomllib.TOMLDecodeError as e:
        raise ParamsError([f"参数文件不是有效的 TOML：{e}"]) from None
    return parse(data, source=str(path))


def parse(data: dict[str, Any], *, source: str = "") -> Params:
    errors: list[str] = []
    for key in sorted(set(data) - _TOP_KEYS):
        errors.append(f"未知的顶层字段 {key}（可用：example、note、region）")
    example = data.get("example")
    if not isinstance(example, bool):
        errors.append("顶层字段 example 必填，应为 true（示例数字）或 false（正式标准）")
    note = data.get("note", "")
    if not isinstance(note, str):
        errors.append("顶层字段 note 应为文本")
        note = ""
    regions = data.get("region")
    if not isinstance(regions, list) or not regions:
        errors.append("参数文件中没有地区（[[region]]）")
        regions = []

    versions: list[ParamVersion] = []
    seen: dict[str, int] = {}
    for i, region in enumerate(regions, 1):
        if not isinstance(region, dict):
            errors.append(f"第 {i} 个地区应为表（[[region]]）")
            continue
        versions += _region(region, i, seen, errors)
    if errors:
        raise ParamsError(errors)
    return Params(tuple(versions), bool(example), source, note)


def _region(region: dict[str, Any], i: int, seen: dict[str, int], errors: list[str]) -> list[ParamVersion]:
    code = region.get("code")
    name = region.get("name")
    label = f"第 {i} 个地区"
    if not isinstance(code, str) or not _CODE_RE.match(code):
        errors.append(f"{label}：code 应为带引号的 2、4 或 6 位数字（省、市、县的行政区划代码前缀），实际为 {code!r}")
        code = None
    else:
        label = f"地区 {code}"
        if code in seen:
            errors.append(f"地区 {code} 重复（第 {seen[code]} 个和第 {i} 个地区）")
        seen.setdefault(code, i)
    if not isinstance(name, str) or not name.strip():
        errors.append(f"{label}：name 必填，应为地区名称")
        name = ""
    else:
        label = f"{label}（{name}）"
    for key in sorted(set(region) - _REGION_KEYS):
        errors.append(f"{label}：未知字段 {key}")
    raw_versions = region.get("version")
    if not isinstance(raw_versions, list) or not raw_versions:
        errors.append(f"{label}：没有参数版本（[[region.version]]）")
        return []

    parsed: list[ParamVersion] = []
    for j, raw in enumerate(raw_versions, 1):
        if not isinstance(raw, dict):
            errors.append(f"{label} 第 {j} 个版本应为表（[[region.version]]）")
            continue
        v = _version(raw, code or "", name, f"{label} 第 {j} 个版本", errors)
        if v is not None:
            parsed.append(v)
    if len(parsed) != len(raw_versions) or code is None:
        return []
    _check_sequence(parsed, label, code, errors)
    return sorted(parsed, key=lambda v: v.valid_from)


def _version(raw: dict[str, Any], code: str, name: str, label: str, errors: list[str]) -> ParamVersion | None:
    before = len(errors)
    if isinstance(raw.get("valid_from"), dt.date) and not isinstance(raw.get("valid_from"), dt.datetime):
        label = f"{label}（{raw['valid_from']} 起）"
    for key in sorted(set(raw) - _VERSION_KEYS):
        errors.append(f"{label}：未知字段 {key}")
    values: dict[str, Any] = {"region": code, "region_name": name}
    for key in ("valid_from", "valid_to"):
        value = raw.get(key)
        if value is None:
            if key == "valid_from":
                errors.append(f"{label}：缺少字段 valid_from（生效日期，如 2026-01-01，不加引号）")
            values[key] = None
        elif isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            errors.append(f"{label}：字段 {key} 应为日期（如 2026-01-01，不加引号），实际为 {value!r}")
        else:
            values[key] = value
    document = raw.get("document")
    if not isinstance(document, str) or not document.strip():
        errors.append(f"{label}：缺少字段 document（参数来源文件，如“××民发〔2025〕12号”）")
    else:
        values["document"] = document.strip()
    for key, kind in _FLOAT_FIELDS.items():
        values[key] = _number(raw, key, kind, float, label, errors)
    for key, kind in _INT_FIELDS.items():
        values[key] = _number(raw, key, kind, int, label, errors)
    if len(errors) > before:
        return None
    return ParamVersion(**values)


def _number(raw: dict[str, Any], key: str, kind: str, typ: type, label: str, errors: list[str]) -> Any:
    if key not in raw:
        errors.append(f"{label}：缺少字段 {key}")
        return None
    value = raw[key]
    # bool is an int to Python, never to a person writing the file.
    ok_type = (int, float) if typ is float else (int,)
    if isinstance(value, bool) or not isinstance(value, ok_type):
        want = "数字" if typ is float else "整数"
        errors.append(f"{label}：字段 {key} 应为{want}，实际为 {value!r}")
        return None
    bad = {
        "positive": value <= 0,
        "nonneg": value < 0,
        "share": not (0 < value <= 1),
        "multiple": value < 1,
    }[kind]
    if bad:
        errors.append(f"{label}：字段 {key} {_KIND_ZH[kind]}，实际为 {value}")
        return None
    return typ(value)


def _check_sequence(versions: list[ParamVersion], label: str, code: str, errors: list[str]) -> None:
    """Versions follow each other day after day: no gap, no overlap, only the last open-ended."""
    ordered = sorted(versions, key=lambda v: v.valid_from)
    for v in ordered:
        if v.valid_to is not None and v.valid_to < v.valid_from:
            errors.append(f"{label} {v.valid_from} 起的版本：valid_to {v.valid_to} 早于 valid_from")
    for prev, nxt in itertools.pairwise(ordered):
        if prev.valid_to is None:
            errors.append(
                f"{label} {prev.valid_from} 起的版本没有 valid_to，但之后还有 {nxt.valid_from} 起的版本"
                "（只有最后一个版本可以不写 valid_to）"
            )
            continue
        day_after = prev.valid_to + dt.timedelta(days=1)
        if nxt.valid_from > day_after:
            gap_end = nxt.valid_from - dt.timedelta(days=1)
            errors.append(f"地区 {code} 的参数在 {day_after} 至 {gap_end} 之间没有生效版本")
        elif nxt.valid_from < day_after:
            errors.append(
                f"地区 {code} 的参数版本重叠：{prev.valid_from} 起的版本到 {prev.valid_to} 为止，"
                f"而下一个版本 {nxt.valid_from} 就已生效"
            )
