from linli.core.registry import MenuEntry, ModuleSpec, register


def register_module() -> None:
    register(
        ModuleSpec(label="areas", title="地区", order=90, menu=(MenuEntry("地区管理", "areas:area_list", "manage_areas"),))
    )
