from linli.core.registry import Chart, MenuEntry, ModuleSpec, Stat, register


def register_module() -> None:
    from linli.people import imports, selectors

    imports.register_imports()
    register(
        ModuleSpec(
            label="people",
            title="居民",
            order=10,
            menu=(
                MenuEntry("居民", "people:resident_list", "view_resident"),
                MenuEntry("导入居民", "people:resident_import", "import_resident"),
            ),
            imports=("residents",),
            stats=(
                Stat("居民", lambda user, area: selectors.count_visible(user, area)),
                Stat("60 岁以上", lambda user, area: selectors.count_aged(user, area, 60)),
                Stat("80 岁以上", lambda user, area: selectors.count_aged(user, area, 80)),
                Stat("独居老人", lambda user, area: selectors.count_visible(user, area, tag="elder_alone")),
            ),
            charts=(
                Chart("各社区居民人数", "bar", selectors.counts_by_community),
                Chart("年龄结构", "bar", selectors.age_band_counts),
                Chart("重点人群标签", "bar", selectors.counts_by_tag),
            ),
        )
    )
