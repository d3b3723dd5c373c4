import logging

from celery import shared_task

from apps.blocks.services import blocks_close_expired

logger = logging.getLogger(__name__)


@shared_task(name="blocks.close_expired")
def close_expired_task() -> None:
    closed = blocks_close_expired()
    if closed:
        logger.info("Closed %d block(s) whose time ran out.", closed)
