from linli.core.registry import MenuEntry, ModuleSpec, register


def register_module() -> None:
    register(
        ModuleSpec(
            label="surveys",
            title="问卷",
            order=20,
            menu=(MenuEntry("问卷调查", "surveys:survey_list", "enter_survey"),),
        )
    )
