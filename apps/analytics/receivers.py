"""Analytics follows what happens to blocks, through the signals blocks sends upward."""

from django.dispatch import receiver

from apps.blocks.signals import report_due
from apps.core.tasks import enqueue


@receiver(report_due)
def queue_report_recompute(sender, *, user_id: int, **kwargs) -> None:
    from apps.analytics.tasks import report_recompute_task

    # After the commit, and without failing the block's save if the broker is down: the
    # ReportDue mark then waits for the reconcile.
    enqueue(report_recompute_task, user_id)
