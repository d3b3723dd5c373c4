"""Vignette's own fields carried as tags where a format has no place for them (Moodle, QTI).

A machine tag reads `vignette:<key>=<value>`: `vignette:exam=step1`, `vignette:discipline=…`,
`vignette:system=…`, `vignette:uid=<uuid>`, one `vignette:enemy=<uuid>` per enemy, and (QTI
only, when the item identifier could not hold it) `vignette:external-id=…`. UUIDs are written
as 32 hex digits so that every tag fits Moodle's 50-character limit on tag names.
"""

import uuid
from dataclasses import dataclass, field

from apps.questions.formats.base import ItemDraft

PREFIX = "vignette:"
_TAXONOMY = ("exam", "discipline", "system")
_SINGLE = (*_TAXONOMY, "uid", "external-id")


@dataclass
class MachineFields:
    tags: list[str] = field(default_factory=list)  # the ordinary tags, machine tags removed
    values: dict[str, str] = field(default_factory=dict)  # key -> value, e.g. "exam" -> "step1"
    enemies: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def machine_tags(draft: ItemDraft, *, external_id: str | None = None) -> list[str]:
    tags = [f"{PREFIX}{key}={getattr(draft, key)}" for key in _TAXONOMY if getattr(draft, key)]
    if draft.uid:
        tags.append(f"{PREFIX}uid={_compact(draft.uid)}")
    tags += [f"{PREFIX}enemy={_compact(enemy)}" for enemy in draft.enemies]
    if external_id is not None:
        tags.append(f"{PREFIX}external-id={external_id}")
    return tags


def read_machine_tags(tags: list[str]) -> MachineFields:
    fields = MachineFields()
    for tag in tags:
        key, _, value = tag.removeprefix(PREFIX).partition("=")
        if not tag.startswith(PREFIX) or key not in (*_SINGLE, "enemy"):
            fields.tags.append(tag)
        elif key in ("uid", "enemy") and not _is_uuid(value):
            fields.problems.append(f"the tag '{tag}' does not hold a UUID.")
        elif key == "enemy":
            fields.enemies.append(str(uuid.UUID(value)))
        elif key in fields.values:
            fields.problems.append(f"has two '{PREFIX}{key}' tags; one is allowed.")
        else:
            fields.values[key] = str(uuid.UUID(value)) if key == "uid" else value
    return fields


def canonical_uuid(value: str) -> str | None:
    """The UUID in its usual lower-case hyphenated form, or None when it is not one."""
    return str(uuid.UUID(value)) if _is_uuid(value) else None


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _compact(value: str) -> str:
    # A uid that is not a UUID cannot come from our parsers; written as is, it is refused on
    # import with a message rather than lost.
    return uuid.UUID(value).hex if _is_uuid(value) else value
