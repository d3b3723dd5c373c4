"""Choosing a block's questions: proportional across cells, no repeats, no enemies together."""

import random
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Candidate:
    question_id: int
    cell: tuple[int, int]  # (discipline id, system id)


def allocate(available: dict, total: int) -> dict:
    """Split `total` over cells in proportion to what each has, by largest remainder.

    No cell gets more than it has; whatever a full cell cannot take goes to the others.
    """
    remaining = min(total, sum(available.values()))
    allocation = dict.fromkeys(available, 0)
    open_cells = {cell for cell, count in available.items() if count}
    while remaining and open_cells:
        pool = sum(available[cell] - allocation[cell] for cell in open_cells)
        shares = {
            cell: remaining * (available[cell] - allocation[cell]) / pool for cell in open_cells
        }
        whole = {cell: int(share) for cell, share in shares.items()}
        leftover = remaining - sum(whole.values())
        # Largest remainders first; ties broken by cell for a stable result.
        order = sorted(open_cells, key=lambda cell: (-(shares[cell] - whole[cell]), cell))
        for cell in order[:leftover]:
            whole[cell] += 1
        for cell in open_cells:
            take = min(whole[cell], available[cell] - allocation[cell])
            allocation[cell] += take
            remaining -= take
        open_cells = {cell for cell in open_cells if allocation[cell] < available[cell]}
    return allocation


ATTEMPTS = 20


def choose(
    candidates: Iterable[Candidate],
    count: int,
    enemies: dict[int, set[int]],
    rng: random.Random,
) -> list[int]:
    """Pick `count` question ids, proportionally per cell, never two enemies together.

    Picking is greedy, so an unlucky order can exclude more than it must; with enemies about,
    a few other orders are tried before settling for fewer.
    """
    by_cell: dict[tuple[int, int], list[int]] = {}
    for candidate in candidates:
        by_cell.setdefault(candidate.cell, []).append(candidate.question_id)
    best: list[int] = []
    for _ in range(ATTEMPTS if enemies else 1):
        chosen = _choose_once(by_cell, count, enemies, rng)
        if len(chosen) > len(best):
            best = chosen
        if len(best) == count:
            break
    return best


def _choose_once(
    by_cell: dict[tuple[int, int], list[int]],
    count: int,
    enemies: dict[int, set[int]],
    rng: random.Random,
) -> list[int]:
    for ids in by_cell.values():
        rng.shuffle(ids)
    chosen: list[int] = []
    excluded: set[int] = set()
    # Enemies can make a cell run short; allocate again over what is still available.
    while len(chosen) < count:
        usable = {cell: [q for q in ids if q not in excluded] for cell, ids in by_cell.items()}
        allocation = allocate({cell: len(ids) for cell, ids in usable.items()}, count - len(chosen))
        if not any(allocation.values()):
            break
        for cell in sorted(allocation):
            for question_id in usable[cell]:
                if allocation[cell] == 0:
                    break
                if question_id in excluded:
                    continue
                chosen.append(question_id)
                excluded.add(question_id)
                excluded |= enemies.get(question_id, set())
                allocation[cell] -= 1
    rng.shuffle(chosen)
    return chosen
