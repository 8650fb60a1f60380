"""`linli serve`: the production server (gunicorn) with static files served by WhiteNoise."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from gunicorn.app.base import BaseApplication


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from linli.wsgi import application

        return application


class Command(BaseCommand):
    help = "以生产方式运行（gunicorn + WhiteNoise 静态文件）"

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="127.0.0.1:8000", help="监听地址，默认 127.0.0.1:8000")
        parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) * 2 + 1, help="工作进程数")
        parser.add_argument("--threads", type=int, default=1, help="每个进程的线程数")
        parser.add_argument("--timeout", type=int, default=60)
        parser.add_argument("--no-collectstatic", action="store_true", help="跳过收集静态文件")

    def handle(self, *args, **options):
        if not options["no_collectstatic"]:
            call_command("collectstatic", interactive=False, verbosity=0)
            # Serve the collected files, with their gzip and brotli copies, not the sources.
            settings.WHITENOISE_USE_FINDERS = False
        self.stdout.write(f"邻里 正在 http://{options['bind']}/ 运行（{options['workers']} 个进程）")
        _Gunicorn(
            {
                "bind": options["bind"],
                "workers": options["workers"],
                "threads": options["threads"],
                "timeout": options["timeout"],
                "accesslog": "-",
                "errorlog": "-",
            }
        ).run()
