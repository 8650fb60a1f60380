"""`linli demo`: a ready-to-try Linli on this machine — database, areas, demo people, server."""

from __future__ import annotations

import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from linli.core.errors import LinliError
from linli.demo.banner import banner
from linli.demo.builder import demo_load
from linli.demo.places import RESIDENTS_PER_COMMUNITY


class Command(BaseCommand):
    help = "演示：建库、载入全国区划和两个试点社区的演示数据，打印演示账号，并在本机启动"

    def add_arguments(self, parser):
        parser.add_argument("--no-serve", action="store_true", help="只载入数据并打印账号，不启动服务")
        parser.add_argument("--port", type=int, default=8000, help="端口，默认 8000（只监听 127.0.0.1）")
        parser.add_argument("--size", type=int, default=RESIDENTS_PER_COMMUNITY,
                            help=f"每个社区的居民人数，默认 {RESIDENTS_PER_COMMUNITY}")
        parser.add_argument("--areas-prefix", default="", help="只载入该代码开头的官方区划，如 50 为重庆市；默认全国")

    def handle(self, *args, **options):
        port, size, prefix = options["port"], options["size"], options["areas_prefix"]
        if not 0 < port < 65536:
            raise CommandError("端口应在 1-65535 之间")
        if size < 1:
            raise CommandError("每个社区的居民人数至少为 1")
        self.stdout.write("正在准备数据库……")
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write(f"正在载入官方区划（{f'代码以 {prefix} 开头的部分' if prefix else '全国'}）和演示数据……")
        start = time.perf_counter()
        try:
            result = demo_load(size=size, areas_prefix=prefix)
        except LinliError as exc:
            raise CommandError(str(exc)) from exc
        total = time.perf_counter() - start
        if result.built:
            self.stdout.write(f"演示数据已生成：{result.residents} 位居民、{result.households} 户"
                              f"（生成 {result.seconds:.1f} 秒，连同区划共 {total:.1f} 秒）")
        else:
            self.stdout.write(f"演示数据已存在（{result.residents} 位居民、{result.households} 户），未重复生成")
        self.stdout.write(banner(port=port))
        if not options["no_serve"]:
            # --insecure: serve static files although DEBUG is off; a demo on this machine only.
            call_command("runserver", f"127.0.0.1:{port}", "--noreload", "--insecure")
