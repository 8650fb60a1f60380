from linli.core.registry import MenuEntry, ModuleSpec, register


def register_module() -> None:
    register(
        ModuleSpec(label="accounts", title="工作人员", order=80,
                   menu=(MenuEntry("工作人员", "accounts:staff_list", "manage_staff"),))
    )
