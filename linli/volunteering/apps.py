from django.apps import AppConfig


class VolunteeringConfig(AppConfig):
    name = "linli.volunteering"
    label = "volunteering"
    verbose_name = "志愿服务"

    def ready(self) -> None:
        from linli.volunteering import module

        module.register_module()
