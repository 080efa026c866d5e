"""Index runs: approved survey data → the composite index engine → stored, reproducible results.

`start_index_run` freezes the inputs and submits the job (jobs.py); the job marks the run running,
computes outside any transaction, then stores the results — each write a short declared action."""

from __future__ import annotations

import copy
import hashlib
import json
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
from django.core.exceptions import ValidationError
from django.utils import timezone

from countyinno import __version__
from countyinno.core import audit, jobs
from countyinno.core.actions import action
from countyinno.core.errors import bilingual
from countyinno.engines.composite import Framework, Pipeline
from countyinno.engines.composite.pipeline import merge_config
from countyinno.engines.composite.uncertainty import monte_carlo
from countyinno.regions.models import Region

from .models import CountySubmission, IndexResult, IndexRun, SubmissionValue, SurveyCampaign
from .permissions import can_compute_index_run, can_publish_index_run, can_run_index

PANEL_YEARS = 5
# Defaults for county monitoring (docs/monitoring.md): panel min-max so years compare.
DEFAULT_PIPELINE = {
    "impute": {"method": "group_mean", "group": "City", "carry_forward": True},
    "screen": {"unit_min_availability": 0.7},
    "normalise": {"method": "minmax", "range": [0, 100], "across_years": True},
    "results": {"group_columns": ["City"]},
    "uncertainty": {"replications": 200, "seed": 1, "inputs": [
        {"name": "winsorising", "path": "treat.winsorise_max", "choices": [3, 4, 5, 6, 7]},
        {"name": "aggregation", "path": "aggregate.method", "choices": ["arithmetic", "generalised"]},
        {"name": "weights", "type": "weight_noise", "amount": 0.25}]},
}


def code_version() -> str:
    try:
        sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=5,
                             cwd=Path(__file__).resolve().parent).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        sha = ""
    return f"countyinno {__version__}" + (f" ({sha})" if sha else "")


def effective_config(campaign: SurveyCampaign) -> dict:
    return merge_config(DEFAULT_PIPELINE, campaign.pipeline_config or {})


def build_inputs(campaign: SurveyCampaign) -> tuple[list[dict], list[dict], list[int]]:
    """iMeta and iData rows for the campaign's year and up to four earlier years of the same framework."""
    framework = campaign.framework
    campaigns = list(SurveyCampaign.objects.filter(framework__code=framework.code, province=campaign.province,
                                                   year__lte=campaign.year).order_by("-year")[:PANEL_YEARS])
    codes = [n.code for n in framework.indicators()]
    meta = []
    for node in framework.nodes.order_by("order"):
        level = {"indicator": 1, "dimension": 2, "index": 3}[node.kind]
        meta.append({"Level": level, "iCode": node.code, "iName": node.name, "Direction": node.direction,
                     "Weight": node.weight, "Unit": node.unit, "Parent": node.parent_code,
                     "Type": "Indicator" if level == 1 else "Aggregate"})
    meta += [{"iCode": "City", "iName": "地级市", "Type": "Group"},
             {"iCode": "CountyType", "iName": "县级类型", "Type": "Group"}]
    data = []
    values = (SubmissionValue.objects.filter(submission__campaign__in=campaigns,
                                             submission__status=CountySubmission.Status.APPROVED,
                                             node__code__in=codes)
              .values_list("submission__campaign__year", "submission__region__code", "node__code", "value"))
    table: dict[tuple, dict] = {}
    for year, region, code, value in values:
        table.setdefault((year, region), {})[code] = value
    regions = {r.code: r for r in Region.objects.filter(code__in={k[1] for k in table}).select_related("city")}
    for (year, code), row in sorted(table.items()):
        region = regions[code]
        data.append({"uCode": code, "uName": region.name, "City": region.city_or_province.code, "CountyType": region.county_type,
                     "Time": year, **{c: row.get(c) for c in codes}})
    return meta, data, sorted({c.year for c in campaigns if any(d["Time"] == c.year for d in data)})


def frames(meta: list[dict], data: list[dict]) -> tuple[pd.DataFrame, pd.DataFrame]:
    meta_frame = pd.DataFrame(meta).astype(object)
    meta_frame = meta_frame.where(meta_frame.notna(), "").astype(str)
    return meta_frame, pd.DataFrame(data)


@action(permission=can_run_index, target="campaign")
def start_index_run(*, actor, campaign: SurveyCampaign, config_override: dict | None = None,
                    backend: str | None = None) -> IndexRun:
    """Freeze the inputs and configuration, then compute in the background (job "monitoring.index_run")."""
    config = merge_config(effective_config(campaign), config_override or {})
    meta, data, years = build_inputs(campaign)
    if not any(row["Time"] == campaign.year for row in data):
        raise ValidationError(bilingual(f"{campaign.year} 年尚无省级审定的填报数据", f"no approved {campaign.year} data yet"))
    digest = hashlib.sha256(json.dumps([meta, data, config], sort_keys=True, default=str).encode()).hexdigest()
    run = IndexRun.objects.create(campaign=campaign, config=config, years=years, input_meta=meta,
                                  input_data=data, input_hash=digest, code_version=code_version(),
                                  created_by=actor if getattr(actor, "pk", None) else None)
    job = jobs.submit("monitoring.index_run", {"run_id": run.pk}, user=actor, backend=backend,
                      title=f"{campaign.year} 年县域创新指数测算 #{run.pk}", region=campaign.province)
    run.refresh_from_db()  # a synchronous job has already moved it on
    run.job = job
    run.save(update_fields=["job"])
    return run


@action(permission=can_compute_index_run, target="run")
def begin_index_run(*, actor, run: IndexRun) -> IndexRun:
    """The job took the run: queued → running."""
    _set_status(run, IndexRun.Status.RUNNING)
    return run


@action(permission=can_compute_index_run, target="run")
def fail_index_run(*, actor, run: IndexRun, error: str) -> IndexRun:
    _set_status(run, IndexRun.Status.FAILED, error=str(error)[:5000], finished_at=timezone.now())
    return run


@action(permission=can_compute_index_run, target="run")
def complete_index_run(*, actor, run: IndexRun, results: list[IndexResult], summary: dict) -> IndexRun:
    """Store the computed results (replacing any earlier ones of this run) and mark the run done."""
    with audit.bulk(f"指数测算 #{run.pk} 结果 / results of index run #{run.pk}"):
        IndexResult.objects.filter(run=run).delete()
        IndexResult.objects.bulk_create(results, batch_size=500)
    _set_status(run, IndexRun.Status.SUCCEEDED, finished_at=timezone.now(), summary=summary)
    return run


@action(permission=can_publish_index_run, target="run")
def publish_index_run(*, actor, run: IndexRun) -> IndexRun:
    """Publish a computed run: from now on every official of the province sees all its results."""
    run.refresh_from_db()
    if run.status != IndexRun.Status.SUCCEEDED:
        raise ValidationError(bilingual("只能发布已完成的测算", "only a finished run can be published"))
    if run.published_at is None:
        run.published_at = timezone.now()
        run.published_by = actor if getattr(actor, "pk", None) else None
        run.save(update_fields=["published_at", "published_by"])
        audit.record_state_change(run, "unpublished", "published")
    return run


def _set_status(run: IndexRun, status: str, **fields) -> None:
    run.refresh_from_db()  # the audit entry compares with what is stored, not with a stale copy
    before = run.status
    run.status = status
    for key, value in fields.items():
        setattr(run, key, value)
    run.save(update_fields=["status", *fields])
    if before != status:
        audit.record_state_change(run, before, status)


def _clean(value):
    if value is None:
        return None
    value = float(value)
    return None if np.isnan(value) else value


def compute(run: IndexRun, progress=lambda fraction, message: None) -> tuple[list[IndexResult], dict]:
    """Run the engine on the run's frozen inputs: unsaved results and a summary (writes nothing)."""
    meta, data = frames(run.input_meta, run.input_data)
    framework = Framework.from_frames(meta, data)
    config = {k: v for k, v in run.config.items()}
    pipeline_config = {k: v for k, v in config.items() if k != "uncertainty"}
    progress(0.05, "构建指数 building the index")
    result = Pipeline(pipeline_config).run(framework)
    table = result.results_table()
    progress(0.3, "不确定性分析 uncertainty analysis")
    spec = config.get("uncertainty") or {}
    bands = None
    if spec.get("inputs") and spec.get("replications", 0) > 0:
        mc = monte_carlo(framework, pipeline_config, spec["inputs"], replications=spec["replications"],
                         seed=spec.get("seed", 1),
                         progress=lambda f, m: progress(0.3 + 0.6 * f, "不确定性分析 " + m))
        bands = mc["rank_bands"].set_index(["Time", "uCode"])
    progress(0.92, "保存结果 saving results")
    root = result.root
    dimensions = [c for c in result.scores if c != root]
    normalised = result.dataset("normalised").set_index(["Time", "uCode"])
    raw = result.dataset("raw").set_index(["Time", "uCode"])
    regions = {r.code: r for r in Region.objects.filter(code__in=table["uCode"].unique())}
    rows = []
    for record in table.to_dict(orient="records"):
        key = (record["Time"], record["uCode"])
        sw = result.strengths_and_weaknesses(record["uCode"], record["Time"], n=5)
        band = bands.loc[key] if bands is not None and key in bands.index else None
        rows.append(IndexResult(
            run=run, region=regions[record["uCode"]], year=int(record["Time"]), index=_clean(record[root]),
            rank=int(record[f"{root}_rank"]), rank_in_city=int(record[f"{root}_rank_in_City"]),
            performance_group=record["performance_group"],
            rank_change=None if pd.isna(record.get(f"{root}_rank_change")) else int(record[f"{root}_rank_change"]),
            scores={d: _clean(record[d]) for d in dimensions},
            values={c: _clean(raw.at[key, c]) for c in result.indicators},
            normalised={c: _clean(normalised.at[key, c]) for c in result.indicators},
            rank_median=_clean(band["median_rank"]) if band is not None else None,
            rank_p05=_clean(band["rank_p05"]) if band is not None else None,
            rank_p95=_clean(band["rank_p95"]) if band is not None else None,
            strengths=[s["iCode"] for s in sw["strengths"]], weaknesses=[s["iCode"] for s in sw["weaknesses"]]))
    summary = {"counties": int((table["Time"] == run.campaign.year).sum()), "years": [int(y) for y in result.years],
               "indicators": len(result.indicators), "screened_out": result.screened_out,
               "replications": spec.get("replications", 0) if bands is not None else 0}
    return rows, summary


def latest_run(year: int | None = None, province_code: str | None = None) -> IndexRun | None:
    from countyinno.regions.services import home_province_code

    runs = IndexRun.objects.filter(status=IndexRun.Status.SUCCEEDED,
                                   campaign__province__code=province_code or home_province_code())
    if year is not None:
        runs = runs.filter(campaign__year=year)
    return runs.order_by("-campaign__year", "-created_at").first()


def reproduction_bundle(run: IndexRun) -> dict[str, bytes]:
    """iMeta.csv, iData.csv and pipeline.yaml: `countyinno index run` on them gives the same ranking."""
    import yaml

    meta, data = frames(run.input_meta, run.input_data)
    config = copy.deepcopy(run.config)
    return {"iMeta.csv": meta.to_csv(index=False).encode("utf-8"),
            "iData.csv": data.to_csv(index=False).encode("utf-8"),
            "pipeline.yaml": yaml.safe_dump(config, allow_unicode=True, sort_keys=False).encode("utf-8")}
