from __future__ import annotations

from django.db import models


class Level(models.TextChoices):
    PROVINCE = "province", "省"
    CITY = "city", "市"
    COUNTY = "county", "区县"
    STREET = "street", "街道"
    COMMUNITY = "community", "社区"
    GRID = "grid", "网格"


# Code length of each level: the visibility rule depends on codes being fixed-width per level.
CODE_LENGTH = {
    Level.PROVINCE: 2,
    Level.CITY: 4,
    Level.COUNTY: 6,
    Level.STREET: 9,
    Level.COMMUNITY: 12,
    Level.GRID: 15,
}
LEVEL_OF_LENGTH = {n: level for level, n in CODE_LENGTH.items()}


class Area(models.Model):
    """A node of the division tree. Its code is its key, so every record's area id is a code."""

    class Source(models.TextChoices):
        OFFICIAL = "official", "国家统计局区划代码"
        LOCAL = "local", "本地新增"

    code = models.CharField("代码", max_length=15, primary_key=True)
    name = models.CharField("名称", max_length=64)
    level = models.CharField("层级", max_length=16, choices=Level.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.OFFICIAL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "地区"
        verbose_name_plural = "地区"
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(parent__isnull=True, level=Level.PROVINCE)
                | models.Q(parent__isnull=False) & ~models.Q(level=Level.PROVINCE),
                name="area_parent_matches_level",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def level_label(self) -> str:
        return Level(self.level).label
