from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "linli.core"
    label = "core"
    verbose_name = "平台核心"

    def ready(self) -> None:
        from linli.core import module

        module.register_module()
