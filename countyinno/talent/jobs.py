"""Job kinds of the talent app (registered on import by core's autodiscovery)."""

from __future__ import annotations

from django.urls import reverse

from countyinno.core import audit, jobs
from countyinno.regions.models import Region

from . import services


@jobs.register("talent.solve_plan")
def solve_plan_job(job: jobs.JobContext, year: int, constraints: dict | None = None, mode: str = "optimal",
                   province: str | None = None) -> dict:
    """Solve the year's dispatch plan in the background. The submitting user is the actor; a job submitted
    with no user (the CLI, a schedule) is a system run and names its province by code."""
    actor = job.job.created_by
    region = Region.objects.get(code=province) if province else None

    def run():
        return services.solve_plan(actor=actor, year=year, constraints=constraints, mode=mode, province=region,
                                   progress=job.progress)

    if actor is None:
        with audit.system("job talent.solve_plan"):
            plan = run()
    else:
        plan = run()
    job.progress(1.0, "完成 done")
    return {"plan_id": plan.pk, "year": plan.year, "assigned": plan.summary["objective"]["assigned"],
            "unserved": plan.summary["unserved"], "next_url": reverse("talent:plan", args=[plan.pk])}
