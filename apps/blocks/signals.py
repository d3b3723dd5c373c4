"""What blocks tell the apps above them, which blocks must not import (analytics)."""

from django.dispatch import Signal

# A student's blocks changed in a way their report must follow (sent with user_id; the
# ReportDue row is already written in the same transaction).
report_due = Signal()
