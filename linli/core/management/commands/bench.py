"""`linli bench <name>`: run a named benchmark (see linli.bench). Figures go to docs/benchmarks.md."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from linli.bench import all_benchmarks


class Command(BaseCommand):
    help = "运行性能基准（打印与同次运行中测得的基线之比）"

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="bench", required=True)
        for bench in all_benchmarks().values():
            p = sub.add_parser(bench.name, help=bench.help)
            for flag, kind, default, text in bench.options:
                p.add_argument(flag, type=kind, default=default, help=text)

    def handle(self, *args, bench: str, **options) -> None:
        target = all_benchmarks()[bench]
        names = {flag.lstrip("-").replace("-", "_") for flag, *_ in target.options}
        target.run(out=self.stdout.write, **{k: v for k, v in options.items() if k in names})
