import logging

from celery import shared_task

from apps.questions import imports

logger = logging.getLogger(__name__)


@shared_task(name="questions.import_analyse", acks_late=True)
def import_analyse_task(job_id: int) -> None:
    imports.import_job_analyse(job_id=job_id)


@shared_task(name="questions.import_run", acks_late=True)
def import_run_task(job_id: int) -> None:
    imports.import_job_run(job_id=job_id)


@shared_task(name="questions.import_resume")
def import_resume_task() -> None:
    resumed = imports.import_jobs_resume()
    if resumed:
        logger.info("Queued %d stalled import job(s) again.", resumed)
