from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.questions import item_checks, selectors
from apps.questions.formats import native
from apps.questions.formats.base import FormatError, ImportSource, ItemDraft

STARTER = Path(__file__).resolve().parents[2] / "starter"


class Command(BaseCommand):
    help = (
        "Check a bank against the item-writing rules: each item's findings (waived ones "
        "counted apart), where the keys fall, and what the bank covers. Fails on any finding "
        "an item does not waive."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path",
            nargs="?",
            default=str(STARTER),
            help="A Vignette bank (.json), or a folder holding bank.json and its figures; "
            "the starter bank when left out.",
        )
        parser.add_argument(
            "--published",
            action="store_true",
            help="Check the published questions in the database instead of a file.",
        )

    def handle(self, *args, path, published, **options):
        if published:
            drafts, errors, label = selectors.published_drafts(), [], "published questions"
        else:
            drafts, errors, label = _read_bank(Path(path))
        for message in errors:
            self.stdout.write(f"  {message}")
        check = item_checks.bank_check(drafts)
        for item in check.items:
            self._item(item)
        for finding in check.findings:
            self.stdout.write(f"  bank · {finding.rule}: {finding.message}")
        self._summary(label, check)
        if unwaived := check.unwaived + len(errors):
            raise CommandError(f"{unwaived} finding(s) not waived.")
        self.stdout.write(self.style.SUCCESS("No finding left unwaived."))

    def _item(self, item: item_checks.ItemCheck) -> None:
        if not item.unwaived and not item.waiver_problems:
            return
        draft = item.draft
        name = draft.external_id or draft.uid or f"item {draft.position}"
        self.stdout.write(f"{name}{f' · {draft.title}' if draft.title else ''}")
        for finding in item.unwaived:
            self.stdout.write(f"  {finding.severity} · {finding.rule}: {finding.message}")
        for problem in item.waiver_problems:
            self.stdout.write(f"  error · waivers: {problem}")

    def _summary(self, label: str, check: item_checks.BankCheck) -> None:
        write, summary, waived = self.stdout.write, check.summary, check.waived
        write(f"\nChecked {summary.items} items of {label}.")
        waivers = ", ".join(f"{rule} {count}" for rule, count in sorted(waived.items()))
        write(f"Waivers: {sum(waived.values())}{f' ({waivers})' if waivers else ''}.")
        keys = " · ".join(
            f"{letter} {summary.keys[letter]} (even: {fair:.1f})"
            for letter, fair in sorted(summary.fair_keys.items())
        )
        write(f"Key positions: {keys}")
        write("Coverage:")
        for exam in sorted({exam for exam, _ in summary.coverage}):
            rows = sorted((d, n) for (e, d), n in summary.coverage.items() if e == exam)
            total = sum(n for _, n in rows)
            write(f"  {exam} ({total}): " + ", ".join(f"{d} {n}" for d, n in rows))
        systems = ", ".join(f"{s} {n}" for s, n in sorted(summary.systems.items()))
        write(f"  systems: {systems}")


def _read_bank(path: Path) -> tuple[list[ItemDraft], list[str], str]:
    """The bank's items, and the messages of those the format could not read."""
    document = path / "bank.json" if path.is_dir() else path
    if not document.is_file():
        raise CommandError(f"No bank at {path}.")
    folder = document.parent
    files = {
        str(figure.relative_to(folder)): figure.read_bytes()
        for figure in folder.glob("figures/*")
        if figure.is_file()
    }
    try:
        result = native.parse(ImportSource(document.name, document.read_bytes(), files))
    except FormatError as exc:
        raise CommandError(str(exc)) from exc
    return result.items, [error.message for error in result.errors], str(document)
