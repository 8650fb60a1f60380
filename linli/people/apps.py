from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "linli.people"
    label = "people"
    verbose_name = "居民与家庭"

    def ready(self) -> None:
        from linli.people import module

        module.register_module()
