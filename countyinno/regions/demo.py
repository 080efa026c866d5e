from countyinno.core.demo import DemoContext, demo_generator

from .services import ensure_province


@demo_generator(order=10, name="regions")
def demo_regions(ctx: DemoContext) -> dict:
    return ensure_province(ctx.province)
