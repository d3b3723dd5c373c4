import logging

from celery import shared_task
from django.contrib.auth import get_user_model

from apps.analytics import services

logger = logging.getLogger(__name__)


@shared_task(name="analytics.report_recompute")
def report_recompute_task(user_id: int) -> None:
    if not get_user_model().objects.filter(pk=user_id).exists():
        logger.info("No user %s: their report needs no recomputing.", user_id)
        return
    services.report_recompute(user_id=user_id)


@shared_task(name="analytics.reports_reconcile")
def reports_reconcile_task() -> None:
    recomputed = services.reports_reconcile()
    if recomputed:
        logger.info("Recomputed %d report(s) left due.", recomputed)


@shared_task(name="analytics.peers_rebuild")
def peers_rebuild_task() -> None:
    logger.info("Rebuilt %d peer benchmark(s).", services.peers_rebuild())


@shared_task(name="analytics.version_statistics_rebuild")
def version_statistics_rebuild_task() -> None:
    logger.info("Rebuilt the statistics of %d version(s).", services.version_statistics_rebuild())


@shared_task(name="analytics.nightly_rebuild")
def nightly_rebuild_task() -> None:
    """Every report, then the peers' benchmarks and the versions' statistics built on them."""
    reports = services.reports_rebuild()
    benchmarks = services.peers_rebuild()
    versions = services.version_statistics_rebuild()
    logger.info(
        "Nightly rebuild: %d report(s), %d benchmark(s), %d version(s).",
        reports,
        benchmarks,
        versions,
    )
