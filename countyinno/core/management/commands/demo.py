from django.core.management.base import BaseCommand

from countyinno.core.demo import build_demo


class Command(BaseCommand):
    help = "生成确定性的演示省份数据（可重复运行）/ build the deterministic demo province (idempotent)"

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--scale", type=float, default=1.0, help="multiply generated volumes (tests use < 1)")
        parser.add_argument("--province", default="", help="two-digit province code (default: PROVINCE_CODE, 37)")

    def handle(self, *args, seed, scale, province, **options):
        self.stdout.write("生成演示数据 / building demo data …")
        build_demo(seed=seed, scale=scale, log=self.stdout.write, province=province)
        self.stdout.write(self.style.SUCCESS("演示数据就绪 / demo data ready"))
