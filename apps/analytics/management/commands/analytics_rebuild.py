from django.core.management.base import BaseCommand

from apps.analytics import services


class Command(BaseCommand):
    help = (
        "Rebuild every performance report, the peers' benchmarks and every question version's "
        "statistics, as the nightly task does (for installations without a Celery beat)."
    )

    def handle(self, *args, **options):
        reports = services.reports_rebuild()
        benchmarks = services.peers_rebuild()
        versions = services.version_statistics_rebuild()
        self.stdout.write(
            f"Rebuilt {reports} report(s), {benchmarks} peer benchmark(s) and the statistics "
            f"of {versions} question version(s)."
        )
