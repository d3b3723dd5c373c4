"""The statistics behind reports and item analysis, as pure functions.

Standard library only, no Django: everything here takes plain numbers and sequences so it
can be checked on its own against independent computations (tests/analytics).

Conventions used throughout:
- a proportion is a fraction in [0, 1]; `percent` is the only function that returns 0–100
  (and `percentile_rank`, whose scale is percent by definition);
- a variance is the population variance (divide by n, not n - 1). The point-biserial does
  not depend on the choice, and KR-20 stays consistent as long as item and total variances
  use the same one;
- a statistic that is undefined for its input (no trials, no variance, too few pairs)
  comes back as None rather than a made-up number; input that cannot be right (lengths
  that differ, a score that is not 0 or 1) raises ValueError.
"""

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# The normal quantile for a two-sided 95% interval: the z with P(|Z| <= z) = 0.95.
Z_95 = 1.959963984540054

# Item flags, in the order item_flags reports them.
TOO_EASY = "too_easy"
TOO_HARD = "too_hard"
LOW_DISCRIMINATION = "low_discrimination"
NON_FUNCTIONING_DISTRACTOR = "non_functioning_distractor"
LIKELY_WRONG_KEY = "likely_wrong_key"


def wilson_interval(successes: int, trials: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval for a proportion: (lower, upper), by default at 95%.

    It is the set of true proportions p whose normal-approximation test would not reject
    the observed share, which solves to

        centre = (p̂ + z²/2n) / (1 + z²/n)
        half   = z / (1 + z²/n) · √(p̂(1 - p̂)/n + z²/4n²)

    with p̂ = successes/trials and n = trials. Unlike the plain p̂ ± z√(p̂q̂/n) (the Wald
    interval) it stays inside [0, 1] and does not collapse to a point at 0 or n successes,
    which matters for the small counts a student has per discipline.

    With no trials nothing is known: (0.0, 1.0). At 0 successes the lower bound is exactly
    0 and at n successes the upper bound exactly 1 (the formula's value, set here so that
    rounding cannot move it); other bounds are clamped to [0, 1] against rounding.
    """
    if not 0 <= successes <= trials:
        raise ValueError(f"Need 0 <= successes <= trials, got {successes} of {trials}.")
    if trials == 0:
        return (0.0, 1.0)
    share = successes / trials
    z2 = z * z
    denominator = 1 + z2 / trials
    centre = (share + z2 / (2 * trials)) / denominator
    half = z / denominator * math.sqrt(share * (1 - share) / trials + z2 / (4 * trials * trials))
    lower = 0.0 if successes == 0 else max(0.0, centre - half)
    upper = 1.0 if successes == trials else min(1.0, centre + half)
    return (lower, upper)


def percent(successes: int, trials: int) -> float | None:
    """The share of successes as a percentage (0–100); None when there were no trials."""
    if not 0 <= successes <= trials:
        raise ValueError(f"Need 0 <= successes <= trials, got {successes} of {trials}.")
    if trials == 0:
        return None
    return 100 * successes / trials


def percentile_rank(value: float, peers: Sequence[float]) -> float:
    """Where `value` stands among `peers`, from 0 to 100, by the mid-rank definition.

        rank = 100 · (number of peers below value + ½ · number of peers equal to value) / n

    Counting half of the ties puts a value in the middle of its tied group, so a score that
    everyone shares ranks 50 rather than 0 or 100, and the rank never decreases as the
    value rises. Whether `peers` includes the student being ranked is the caller's choice.
    There is no rank among no one: empty `peers` raises ValueError.
    """
    if not peers:
        raise ValueError("A percentile rank needs at least one peer.")
    below = sum(1 for peer in peers if peer < value)
    equal = sum(1 for peer in peers if peer == value)
    return 100 * (below + equal / 2) / len(peers)


def median(values: Sequence[float]) -> float | None:
    """The middle value (the mean of the two middle values for an even count); None if empty."""
    if not values:
        return None
    return float(statistics.median(values))


def median_of_counts(pairs: Sequence[tuple[float, int]]) -> float | None:
    """The median of values given as (value, how many times) pairs, without expanding them;
    None if there are none."""
    values = sorted(pairs)
    total = sum(count for _, count in values)
    if not total:
        return None
    middle = [(total - 1) // 2, total // 2]
    found, seen = [], 0
    for value, count in values:
        while len(found) < 2 and middle[len(found)] < seen + count:
            found.append(value)
        seen += count
    return (found[0] + found[1]) / 2


def point_biserial(item_scores: Sequence[int], totals: Sequence[float]) -> float | None:
    """The point-biserial correlation between a 0/1 item score and a continuous total.

    It is Pearson's product-moment correlation with one variable dichotomous, and equals
    the textbook form (M₁ - M₀) / s · √(pq): the gap between the mean total of those who
    got the item right (M₁) and wrong (M₀), in units of the totals' (population) standard
    deviation s, weighted by the item's p and q = 1 - p. Positive means stronger students
    tend to get the item right.

    None when there are fewer than 2 pairs or either side has no variance (everyone right,
    everyone wrong, or everyone with the same total), where a correlation is undefined.
    """
    _check_pairs(item_scores, totals)
    _check_dichotomous(item_scores)
    return _pearson([float(score) for score in item_scores], [float(t) for t in totals])


def corrected_point_biserial(
    item_scores: Sequence[int], rest_scores: Sequence[float]
) -> float | None:
    """The item–rest point-biserial: how well an item separates students, not counting itself.

    The formula is point_biserial's; the difference is the input. The caller passes each
    student's rest score, their score on the OTHER items only (total minus this item's
    score). Correlating an item with a total that contains it inflates the value (most on
    short tests), because the item then partly correlates with itself; the rest score
    removes that overlap.
    """
    return point_biserial(item_scores, rest_scores)


def option_point_biserials(
    choices: Sequence[str], rest_scores: Sequence[float], letters: Sequence[str]
) -> dict[str, float | None]:
    """For each option letter, the point-biserial of "chose this option" against rest score.

    This is distractor analysis: the key should correlate positively (stronger students
    choose it) and each distractor negatively (weaker students choose it). A distractor
    with a positive value attracts strong students, which often means it is also correct
    or the key is wrong. An option nobody (or everybody) chose has no variance: None.
    A choice that is none of `letters` (an omitted answer) counts as choosing no option.
    """
    _check_pairs(choices, rest_scores)
    return {
        letter: point_biserial([int(choice == letter) for choice in choices], rest_scores)
        for letter in letters
    }


def option_shares(choices: Sequence[str], letters: Sequence[str]) -> dict[str, float]:
    """For each option letter, the fraction (0–1) of all choices that picked it.

    The denominator is every choice, so omitted answers (a choice that is none of the
    letters) lower every share. With no choices at all each share is 0.0.
    """
    if not choices:
        return dict.fromkeys(letters, 0.0)
    return {letter: sum(1 for c in choices if c == letter) / len(choices) for letter in letters}


def kr20(matrix: Sequence[Sequence[int]]) -> float | None:
    """Kuder–Richardson formula 20: the internal-consistency reliability of a 0/1 test.

    For k items with proportions correct pⱼ (qⱼ = 1 - pⱼ) and total scores with variance σ²,

        KR-20 = k / (k - 1) · (1 - Σ pⱼqⱼ / σ²)

    It is Cronbach's alpha for dichotomous items: pⱼqⱼ is item j's variance. Both pⱼqⱼ and
    σ² here are population variances (divide by n); mixing in a sample variance for σ²
    would bias the value. Computed from integer counts (n² cancels), so it is exact up to
    the final division: KR-20 = k/(k - 1) · (1 - Σ cⱼ(n - cⱼ) / (nΣt² - (Σt)²)), with cⱼ
    students right on item j and t each student's total.

    `matrix` is students × items; every student took every item. None with fewer than 2
    students or 2 items, or when every student has the same total (σ² = 0). The value can
    be negative when items disagree with one another.
    """
    students = len(matrix)
    items = len(matrix[0]) if matrix else 0
    for row in matrix:
        if len(row) != items:
            raise ValueError("Every student must have a score for every item.")
        _check_dichotomous(row)
    if students < 2 or items < 2:
        return None
    totals = [sum(row) for row in matrix]
    total_spread = students * sum(t * t for t in totals) - sum(totals) ** 2  # n² · σ²
    if total_spread == 0:
        return None
    correct = [sum(row[j] for row in matrix) for j in range(items)]
    item_spread = sum(c * (students - c) for c in correct)  # n² · Σ pq
    return items / (items - 1) * (1 - item_spread / total_spread)


def item_flags(
    p: float | None,
    rpb: float | None,
    option_shares: Mapping[str, float] | None,
    option_rpbs: Mapping[str, float | None] | None,
    key: str,
    *,
    easy: float = 0.9,
    hard: float = 0.2,
    low_rpb: float = 0.1,
    rare: float = 0.05,
) -> list[str]:
    """The review flags an item earns, in a fixed order; a flag whose inputs are None is skipped.

    - too_easy: p > easy (almost everyone right, so the item tells students apart little);
    - too_hard: p < hard;
    - low_discrimination: rpb < low_rpb, which includes a negative rpb (weaker students do
      better on it than stronger ones);
    - non_functioning_distractor: some distractor (an option other than the key) was chosen
      by fewer than `rare` of students, so it is not doing its job;
    - likely_wrong_key: some distractor's point-biserial is higher than the key's: the
      strong students prefer another option.

    `p` is the proportion correct and `rpb` the key's corrected point-biserial; the option
    maps are those of option_shares and option_point_biserials. Thresholds are strict.
    """
    flags = []
    if p is not None and p > easy:
        flags.append(TOO_EASY)
    if p is not None and p < hard:
        flags.append(TOO_HARD)
    if rpb is not None and rpb < low_rpb:
        flags.append(LOW_DISCRIMINATION)
    if option_shares is not None and any(
        share < rare for letter, share in option_shares.items() if letter != key
    ):
        flags.append(NON_FUNCTIONING_DISTRACTOR)
    key_rpb = option_rpbs.get(key) if option_rpbs is not None else None
    if key_rpb is not None and any(
        value is not None and value > key_rpb
        for letter, value in option_rpbs.items()
        if letter != key
    ):
        flags.append(LIKELY_WRONG_KEY)
    return flags


@dataclass(frozen=True)
class ItemStatistics:
    """Classical item analysis of one question version.

    responses: how many students answered; p: proportion correct (0–1); rpb: the key's
    corrected point-biserial; option_shares and option_rpbs: per option letter; flags: as
    item_flags. A figure is None when there were too few responses to trust it.
    """

    responses: int
    p: float | None
    rpb: float | None
    option_shares: dict[str, float] | None
    option_rpbs: dict[str, float | None] | None
    flags: tuple[str, ...]


def item_statistics(
    choices: Sequence[str],
    rest_scores: Sequence[float],
    key: str,
    letters: Sequence[str],
    *,
    min_p_responses: int = 30,
    min_rpb_responses: int = 100,
) -> ItemStatistics:
    """Item analysis from each student's choice on the item and their rest score.

    `choices[i]` is student i's letter (anything not in `letters` counts as wrong and as no
    option) and `rest_scores[i]` their score on the other items of the same test.

    Proportions (p and the option shares, and the flags that need them: too_easy, too_hard,
    non_functioning_distractor) stay None below `min_p_responses`; point-biserials (rpb,
    the option point-biserials, and low_discrimination and likely_wrong_key) below
    `min_rpb_responses`. A correlation needs many more responses than a proportion before
    its sampling error is small enough to act on.
    """
    _check_pairs(choices, rest_scores)
    if key not in letters:
        raise ValueError(f"The key {key!r} is not one of the options {list(letters)!r}.")
    responses = len(choices)
    p = shares = rpb = rpbs = None
    if responses >= min_p_responses:
        shares = option_shares(choices, letters)
        p = shares[key]
    if responses >= min_rpb_responses:
        rpbs = option_point_biserials(choices, rest_scores, letters)
        rpb = rpbs[key]
    return ItemStatistics(
        responses=responses,
        p=p,
        rpb=rpb,
        option_shares=shares,
        option_rpbs=rpbs,
        flags=tuple(item_flags(p, rpb, shares, rpbs, key)),
    )


def point_biserial_from_sums(
    n: int, chosen: int, sum_chosen: float, sum_all: float, sum_squares: float
) -> float | None:
    """The point-biserial of "chose this" (0/1) against a score y, from sums a database can
    add up: n students, `chosen` of them with x = 1, Σy over those (`sum_chosen`), Σy and
    Σy² over all. The same value point_biserial gives from the lists (Pearson's r with a 0/1
    side); None where it is undefined (under 2 students, a constant side)."""
    if n < 2 or chosen in (0, n):
        return None
    spread_y = n * sum_squares - sum_all * sum_all
    # A constant y leaves only rounding noise here: treat a relative sliver as zero.
    if spread_y <= 1e-9 * max(1.0, n * sum_squares):
        return None
    covariance = n * sum_chosen - chosen * sum_all
    r = covariance / math.sqrt((n * chosen - chosen * chosen) * spread_y)
    return max(-1.0, min(1.0, r))


def _pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Pearson's correlation, or None for fewer than 2 pairs or a constant side."""
    if len(xs) < 2 or len(set(xs)) == 1 or len(set(ys)) == 1:
        # Constancy is tested exactly: a mean computed in floating point can leave a tiny
        # spread in identical values and turn "undefined" into noise.
        return None
    mean_x = math.fsum(xs) / len(xs)
    mean_y = math.fsum(ys) / len(ys)
    dx = [x - mean_x for x in xs]
    dy = [y - mean_y for y in ys]
    covariance = math.fsum(a * b for a, b in zip(dx, dy, strict=True))
    spread = math.sqrt(math.fsum(a * a for a in dx) * math.fsum(b * b for b in dy))
    if spread == 0:  # values so close that their squared deviations underflow
        return None
    # Rounding can carry |r| a hair past 1; the true value cannot be.
    return max(-1.0, min(1.0, covariance / spread))


def _check_pairs(first: Sequence, second: Sequence) -> None:
    if len(first) != len(second):
        raise ValueError(f"Need one value per student on both sides: {len(first)} ≠ {len(second)}.")


def _check_dichotomous(scores: Sequence[int]) -> None:
    if any(score not in (0, 1) for score in scores):
        raise ValueError("Item scores must be 0 or 1.")
