from django.apps import AppConfig


class AssistanceConfig(AppConfig):
    name = "linli.assistance"
    label = "assistance"
    verbose_name = "社会救助"

    def ready(self) -> None:
        from linli.assistance.module import register_module

        register_module()
