from django.core.management.base import BaseCommand

from linli.areas.services import areas_import_official


class Command(BaseCommand):
    help = "地区：import 载入国家统计局 2022 年区划代码（省、市、区县、街道）"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        imp = sub.add_parser("import", help="载入或更新官方区划")
        imp.add_argument("--prefix", default="", help="只载入该代码开头的部分，如 50 为重庆市")

    def handle(self, *args, verb, **options):
        if verb == "import":
            counts = areas_import_official(prefix=options["prefix"])
            self.stdout.write(f"区划已载入：新增 {counts['created']} 个，更名 {counts['renamed']} 个")
