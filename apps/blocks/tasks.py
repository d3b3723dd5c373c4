import logging

from celery import shared_task

from apps.blocks.services import blocks_apply_time

logger = logging.getLogger(__name__)


@shared_task(name="blocks.apply_time")
def apply_time_task() -> None:
    changed = blocks_apply_time()
    if changed:
        logger.info("Ended or suspended %d block(s) as time required.", changed)
