import json
import time

from django.core.management.base import BaseCommand, CommandError

from countyinno.core import jobs
from countyinno.core.models import Job


class Command(BaseCommand):
    help = "后台任务：列表、查看、提交、等待 / background jobs: list, show, submit, wait"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        sub.add_parser("list")
        show = sub.add_parser("show")
        show.add_argument("job_id")
        submit = sub.add_parser("submit")
        submit.add_argument("kind", help=", ".join(jobs.registered_kinds()))
        submit.add_argument("--params", default="{}", help="JSON object")
        submit.add_argument("--backend", choices=["sync", "thread", "celery"], default="sync")
        wait = sub.add_parser("wait")
        wait.add_argument("job_id")
        wait.add_argument("--timeout", type=float, default=600)

    def handle(self, *args, verb, **options):
        if verb == "list":
            for job in Job.objects.all()[:50]:
                self.stdout.write(f"{job.pk}  {job.status:9}  {job.progress:5.0%}  {job.title}")
        elif verb == "show":
            self._print(self._get(options["job_id"]))
        elif verb == "submit":
            try:
                params = json.loads(options["params"])
                job = jobs.submit(options["kind"], params, backend=options["backend"])
            except (ValueError, KeyError) as exc:
                raise CommandError(str(exc))
            if options["backend"] == "sync":
                self._print(job)
            else:
                self.stdout.write(str(job.pk))
        elif verb == "wait":
            deadline = time.monotonic() + options["timeout"]
            job = self._get(options["job_id"])
            while not job.is_finished and time.monotonic() < deadline:
                self.stdout.write(f"\r{job.progress:5.0%} {job.message}", ending="")
                time.sleep(0.5)
                job.refresh_from_db()
            self.stdout.write("")
            self._print(job)

    def _get(self, job_id):
        try:
            return Job.objects.get(pk=job_id)
        except (Job.DoesNotExist, ValueError):
            raise CommandError(f"无此任务 / no such job: {job_id}")

    def _print(self, job):
        self.stdout.write(json.dumps({"id": str(job.pk), "kind": job.kind, "status": job.status,
                                      "progress": job.progress, "message": job.message, "result": job.result,
                                      "error": job.error[:2000]}, ensure_ascii=False, indent=2))
        if job.status == Job.Status.FAILED:
            raise CommandError("任务失败 / job failed")
