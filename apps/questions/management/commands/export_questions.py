from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.accounts.models import User
from apps.core.errors import VignetteError
from apps.questions import exports, selectors


class Command(BaseCommand):
    help = "Export the bank (or the questions matching the filters) to a file."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="An editor.")
        parser.add_argument("--format", choices=exports.EXPORT_FORMATS, required=True)
        parser.add_argument("--output", type=Path, required=True)
        for name in selectors.FILTER_NAMES:
            parser.add_argument(f"--{name}", default="")

    def handle(self, *args, user: str, format: str, output: Path, **options):
        account = User.objects.filter(username=user, is_active=True).first()
        if account is None:
            raise CommandError(f"No active user {user!r}.")
        try:
            rendered = exports.export_questions(
                user=account, format=format, filters=selectors.bank_filters_from(options)
            )
            output.write_bytes(rendered.data)
        except (OSError, VignetteError) as exc:
            raise CommandError(getattr(exc, "message", str(exc))) from exc
        self.stdout.write(f"Wrote {output} ({len(rendered.data):,} bytes).")
