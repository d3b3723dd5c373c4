"""Block time, from the server's clock only: deadlines, pauses, grace, idle suspension."""

import math
from datetime import datetime, timedelta

from apps.blocks.models import Block

GRACE = timedelta(seconds=30)
IDLE_SUSPEND_AFTER = timedelta(minutes=10)


def is_timed(block: Block) -> bool:
    return block.clock == Block.Clock.TIMED


def clock_stops_when_suspended(block: Block) -> bool:
    return not (is_timed(block) and block.clock_runs_when_suspended)


def seconds_left(block: Block, now: datetime) -> int | None:
    """Seconds remaining on a timed block's clock (None when untimed)."""
    if not is_timed(block):
        return None
    if block.status == Block.Status.ENDED:
        return 0
    if block.deadline is not None:
        return max(0, math.ceil((block.deadline - now).total_seconds()))
    return block.remaining_seconds


def elapsed_seconds(block: Block, now: datetime) -> int:
    """Seconds the student has spent in the block (running time only)."""
    if is_timed(block):
        return block.time_limit_seconds - (seconds_left(block, now) or 0)
    running = (now - block.running_since).total_seconds() if block.running_since else 0
    return block.elapsed_seconds + int(running)


def past_grace(block: Block, now: datetime) -> bool:
    """Time ran out more than the grace period ago: the block counts as closed."""
    return is_timed(block) and block.deadline is not None and now > block.deadline + GRACE


def idle_suspension_due(block: Block, now: datetime) -> bool:
    return (
        block.status == Block.Status.OPEN
        and clock_stops_when_suspended(block)
        and now - block.last_contact_at > IDLE_SUSPEND_AFTER
    )


def pause(block: Block, at: datetime) -> None:
    """Suspend at `at`; a practice clock stops there, a test-day clock keeps running."""
    block.status = Block.Status.SUSPENDED
    block.suspended_at = at
    if not clock_stops_when_suspended(block):
        return
    if is_timed(block):
        block.remaining_seconds = max(0, math.ceil((block.deadline - at).total_seconds()))
        block.deadline = None
    else:
        block.elapsed_seconds += max(0, int((at - block.running_since).total_seconds()))
        block.running_since = None


def resume(block: Block, now: datetime) -> None:
    block.status = Block.Status.OPEN
    block.suspended_at = None
    block.last_contact_at = now
    if is_timed(block) and block.deadline is None:
        block.deadline = now + timedelta(seconds=block.remaining_seconds or 0)
        block.remaining_seconds = None
    elif not is_timed(block):
        block.running_since = now


def start(block: Block, now: datetime) -> None:
    block.status = Block.Status.OPEN
    block.last_contact_at = now
    if is_timed(block):
        block.deadline = now + timedelta(seconds=block.time_limit_seconds)
    else:
        block.running_since = now
