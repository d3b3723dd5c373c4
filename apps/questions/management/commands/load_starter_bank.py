from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.core.errors import InvalidInput
from apps.questions.imports import starter_bank_load

STARTER = Path(__file__).resolve().parents[2] / "starter"


class Command(BaseCommand):
    help = "Load the starter bank, or bring it up to date: new items, new versions, retirements."

    def handle(self, *args, **options):
        try:
            result = starter_bank_load(folder=STARTER)
        except InvalidInput as exc:
            raise CommandError(exc.message) from exc
        counts = result.counts
        self.stdout.write(
            f"Starter bank: {counts['create']} new, {counts['update']} updated, "
            f"{counts['unchanged']} unchanged, {result.retired} retired."
        )
