"""Before a load run, and unmeasured: an open 40-item block and an API token for each student of
the class, written where the load tool reads them."""

import json
import uuid
from pathlib import Path


def open_blocks(usernames: list[str], path: Path) -> int:
    """One open timed block per student, with a token to send its changes; the number written."""
    from apps.blocks.services import BlockSpec, block_create

    spec = BlockSpec(count=40, pools=("all",))
    targets = []
    for user, secret in _tokens(usernames):
        block = block_create(user=user, spec=spec)
        targets.append({"token": secret, "block": str(block.public_id), "items": block.item_count})
    path.write_text(json.dumps(targets))
    return len(targets)


def signed_in(usernames: list[str], path: Path) -> int:
    """A token per student and nothing else (they create their blocks under load)."""
    targets = [{"token": secret, "student": user.username} for user, secret in _tokens(usernames)]
    path.write_text(json.dumps(targets))
    return len(targets)


def _tokens(usernames: list[str]):
    from apps.accounts.models import User
    from apps.accounts.services import api_token_create

    for user in User.objects.filter(username__in=usernames).order_by("pk"):
        _, secret = api_token_create(user=user, name=f"load {uuid.uuid4().hex[:8]}")
        yield user, secret


def deadlines_in(path: Path, seconds: int) -> None:
    """Bench only: move every prepared block's deadline to `seconds` from now, all at once, as
    if the whole class had started together that long before its time ran out."""
    from datetime import timedelta

    from django.utils import timezone

    from apps.blocks.models import Block

    blocks = [target["block"] for target in json.loads(path.read_text())]
    deadline = timezone.now() + timedelta(seconds=seconds)
    Block.objects.filter(public_id__in=blocks).update(deadline=deadline)
