from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.accounts.models import User
from apps.core.errors import VignetteError
from apps.questions import imports
from apps.questions.formats import FORMATS
from apps.questions.models import ImportJob


class Command(BaseCommand):
    help = "Import a question file as USER: check it, print the report, then import it."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--user", required=True, help="The author or editor importing.")
        parser.add_argument("--format", choices=sorted(FORMATS), default="")
        parser.add_argument("--source", default="", help="Collection name (default: format).")
        for field in imports.PLACEMENT_FIELDS:
            parser.add_argument(f"--{field}", default="", help=f"{field} for items without one")
        parser.add_argument("--only-valid", action="store_true")
        parser.add_argument("--publish", action="store_true")
        parser.add_argument("--dry-run", action="store_true", help="Report only; import nothing.")

    def handle(self, *args, path: Path, user: str, **options):
        account = User.objects.filter(username=user, is_active=True).first()
        if account is None:
            raise CommandError(f"No active user {user!r}.")
        try:
            job = imports.import_job_create(
                user=account,
                filename=path.name,
                data=path.read_bytes(),
                format=options["format"],
                source=options["source"],
                defaults={field: options[field] for field in imports.PLACEMENT_FIELDS},
            )
            imports.import_job_analyse(job_id=job.pk)
            job.refresh_from_db()
            self._report(job)
            if options["dry_run"] or job.status != ImportJob.Status.ANALYSED:
                return
            imports.import_job_confirm(
                job=job, user=account, only_valid=options["only_valid"], publish=options["publish"]
            )
            imports.import_job_run(job_id=job.pk)
        except (OSError, VignetteError) as exc:
            raise CommandError(getattr(exc, "message", str(exc))) from exc
        job.refresh_from_db()
        self.stdout.write(f"Imported: {self._counts(job.report.get('result', {}))}")

    def _report(self, job: ImportJob) -> None:
        if job.status == ImportJob.Status.FAILED:
            raise CommandError(job.message)
        self.stdout.write(f"{job.filename} ({job.format}): {self._counts(job.report['counts'])}")
        for item in job.report["items"]:
            if item["action"] in (imports.ERROR, imports.SKIPPED):
                label = f"{item['position']} {item['identifier']}".strip()
                self.stdout.write(f"  {item['action']}: {label}: {item['message']}")

    @staticmethod
    def _counts(counts: dict) -> str:
        return ", ".join(f"{count} {action}" for action, count in counts.items())
