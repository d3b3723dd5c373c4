"""The statistics checked against independent numpy computations on a small fixed test.

The dataset: 12 students took the same 5 items, each with options A–E. CHOICES holds each
student's letters, KEYS the correct letters; numpy derives the 0/1 score matrix from them.
"""

import ast
import dataclasses
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.analytics import statistics as stats
from apps.analytics.statistics import (
    Z_95,
    ItemStatistics,
    corrected_point_biserial,
    item_flags,
    item_statistics,
    kr20,
    median,
    median_of_counts,
    option_point_biserials,
    option_shares,
    percent,
    percentile_rank,
    point_biserial,
    wilson_interval,
)

pytestmark = [pytest.mark.unit]

LETTERS = "ABCDE"
KEYS = "BDAEC"
CHOICES = [
    "BDAEC",
    "BDAEA",
    "BDACC",
    "BDBEC",
    "BCAEB",
    "ADAEA",
    "BDCDC",
    "CDAAD",
    "BADEE",
    "DCABA",
    "ABCDE",
    "CDBAB",
]
CHOICE_MATRIX = np.array([list(row) for row in CHOICES])  # students × items, letters
SCORES = (np.array(list(KEYS)) == CHOICE_MATRIX).astype(int)  # students × items, 0/1
TOTALS = SCORES.sum(axis=1)
STUDENTS, ITEMS = SCORES.shape
TOLERANCE = 1e-12


def column_choices(item: int) -> list[str]:
    return CHOICE_MATRIX[:, item].tolist()


def rest_scores(item: int) -> list[int]:
    return (TOTALS - SCORES[:, item]).tolist()


def numpy_wilson(successes: int, trials: int, z: float = Z_95) -> np.ndarray:
    """The Wilson bounds as the two roots of (p̂ - p)² = z²·p(1 - p)/n, solved by numpy."""
    roots = np.roots([trials + z**2, -(2 * successes + z**2), successes**2 / trials])
    return np.clip(np.sort(roots.real), 0.0, 1.0)


def numpy_wilson_closed_form(successes: int, trials: int, z: float = Z_95) -> np.ndarray:
    share = successes / trials
    denominator = 1 + z**2 / trials
    centre = (share + z**2 / (2 * trials)) / denominator
    half = z / denominator * np.sqrt(share * (1 - share) / trials + z**2 / (4 * trials**2))
    return np.clip(np.array([centre - half, centre + half]), 0.0, 1.0)


def numpy_point_biserial(item_scores: np.ndarray, totals: np.ndarray) -> float:
    """The textbook form (M₁ - M₀)/s·√(pq), with the population standard deviation."""
    p = item_scores.mean()
    right = totals[item_scores == 1].mean()
    wrong = totals[item_scores == 0].mean()
    return float((right - wrong) / totals.std(ddof=0) * np.sqrt(p * (1 - p)))


def test_the_dataset_is_what_the_tests_assume():
    assert (STUDENTS, ITEMS) == (12, 5)
    assert TOTALS.tolist() == [5, 4, 4, 4, 3, 3, 3, 2, 2, 1, 0, 1]
    assert SCORES.sum(axis=0).tolist() == [7, 8, 7, 6, 4]


# The module is pure: standard library only, so nothing Django or third-party.


def test_statistics_imports_only_the_standard_library():
    tree = ast.parse(Path(stats.__file__).read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])

    assert imported - sys.stdlib_module_names == set()


# Wilson interval


@pytest.mark.parametrize(
    ("successes", "trials"),
    [(1, 1), (1, 2), (4, 6), (7, 12), (9, 12), (5, 12), (17, 40), (39, 40), (400, 600)],
)
def test_wilson_interval_matches_numpy(successes, trials):
    lower, upper = wilson_interval(successes, trials)

    assert [lower, upper] == pytest.approx(numpy_wilson(successes, trials).tolist(), abs=1e-9)
    assert [lower, upper] == pytest.approx(
        numpy_wilson_closed_form(successes, trials).tolist(), abs=TOLERANCE
    )


def test_wilson_interval_matches_numpy_for_each_item_of_the_dataset():
    for item in range(ITEMS):
        correct = int(SCORES[:, item].sum())

        assert list(wilson_interval(correct, STUDENTS)) == pytest.approx(
            numpy_wilson_closed_form(correct, STUDENTS).tolist(), abs=TOLERANCE
        )


@pytest.mark.parametrize(
    ("successes", "trials", "expected"),
    [
        (4, 6, (0.300, 0.903)),
        (400, 600, (0.628, 0.703)),
        (0, 10, (0.0, 0.278)),
        (10, 10, (0.722, 1.0)),
    ],
)
def test_wilson_interval_textbook_values(successes, trials, expected):
    assert wilson_interval(successes, trials) == pytest.approx(expected, abs=5e-4)


def test_wilson_interval_with_zero_trials_is_everything():
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_wilson_interval_at_the_extremes_touches_zero_and_one_exactly():
    assert wilson_interval(0, 7)[0] == 0.0
    assert wilson_interval(7, 7)[1] == 1.0


def test_wilson_interval_with_another_z_matches_numpy():
    z_99 = 2.5758293035489004

    assert list(wilson_interval(7, 12, z=z_99)) == pytest.approx(
        numpy_wilson(7, 12, z=z_99).tolist(), abs=1e-9
    )
    assert wilson_interval(7, 12, z=z_99)[0] < wilson_interval(7, 12)[0]


@pytest.mark.parametrize(("successes", "trials"), [(5, 4), (-1, 4), (0, -1)])
def test_wilson_interval_refuses_impossible_counts(successes, trials):
    with pytest.raises(ValueError, match="successes <= trials"):
        wilson_interval(successes, trials)


@st.composite
def counts(draw, max_trials=2_000):
    trials = draw(st.integers(min_value=1, max_value=max_trials))
    return draw(st.integers(min_value=0, max_value=trials)), trials


@settings(max_examples=300, deadline=None)
@given(counts())
def test_wilson_interval_contains_the_point_estimate(successes_trials):
    successes, trials = successes_trials

    lower, upper = wilson_interval(successes, trials)

    assert 0.0 <= lower <= successes / trials <= upper <= 1.0


@settings(max_examples=300, deadline=None)
@given(counts(), st.integers(min_value=2, max_value=50))
def test_wilson_interval_narrows_as_trials_grow_at_the_same_proportion(successes_trials, factor):
    successes, trials = successes_trials
    lower, upper = wilson_interval(successes, trials)

    more_lower, more_upper = wilson_interval(successes * factor, trials * factor)

    assert more_upper - more_lower < upper - lower


# percent, median


def test_percent():
    assert percent(3, 12) == 25.0
    assert percent(12, 12) == 100.0
    assert percent(0, 12) == 0.0


def test_percent_of_nothing_is_none():
    assert percent(0, 0) is None


def test_percent_refuses_impossible_counts():
    with pytest.raises(ValueError, match="successes <= trials"):
        percent(13, 12)


def test_median_matches_numpy():
    assert median(TOTALS.tolist()) == float(np.median(TOTALS))
    assert median(TOTALS[:7].tolist()) == float(np.median(TOTALS[:7]))


def test_median_of_odd_and_even_counts():
    assert median([3, 1, 2]) == 2.0
    assert median([4, 1, 3, 2]) == 2.5


def test_median_of_nothing_is_none():
    assert median([]) is None


@given(st.lists(st.tuples(st.integers(0, 600), st.integers(1, 20)), min_size=1, max_size=30))
def test_median_of_counts_matches_the_median_of_the_expanded_values(pairs):
    expanded = [value for value, count in pairs for _ in range(count)]
    assert median_of_counts(pairs) == float(np.median(expanded))


def test_median_of_no_counts_is_none():
    assert median_of_counts([]) is None


# Percentile rank (mid-rank)


def numpy_percentile_rank(value: float, peers: np.ndarray) -> float:
    return float(100 * (np.sum(peers < value) + 0.5 * np.sum(peers == value)) / peers.size)


def test_percentile_rank_matches_numpy_for_every_student():
    for total in [*TOTALS.tolist(), -1, 2.5, 6]:
        assert percentile_rank(total, TOTALS.tolist()) == pytest.approx(
            numpy_percentile_rank(total, TOTALS), abs=TOLERANCE
        )


def test_percentile_rank_counts_half_of_the_ties():
    assert percentile_rank(3, [1, 2, 3, 4]) == 62.5
    assert percentile_rank(5, [5, 5, 5]) == 50.0
    assert percentile_rank(0, [1, 2]) == 0.0
    assert percentile_rank(3, [1, 2]) == 100.0


def test_percentile_rank_needs_peers():
    with pytest.raises(ValueError, match="at least one peer"):
        percentile_rank(1.0, [])


finite = st.floats(allow_nan=False, allow_infinity=False)


@settings(max_examples=300, deadline=None)
@given(finite, finite, st.lists(finite, min_size=1, max_size=50))
def test_percentile_rank_is_a_percentage_and_monotonic_in_value(first, second, peers):
    low, high = sorted([first, second])

    low_rank, high_rank = percentile_rank(low, peers), percentile_rank(high, peers)

    assert 0.0 <= low_rank <= high_rank <= 100.0


# Point-biserial


def test_point_biserial_matches_numpy_for_every_item():
    for item in range(ITEMS):
        item_scores = SCORES[:, item]

        result = point_biserial(item_scores.tolist(), TOTALS.tolist())

        assert result == pytest.approx(np.corrcoef(item_scores, TOTALS)[0, 1], abs=TOLERANCE)
        assert result == pytest.approx(numpy_point_biserial(item_scores, TOTALS), abs=TOLERANCE)


def test_corrected_point_biserial_correlates_with_the_rest_score():
    for item in range(ITEMS):
        item_scores = SCORES[:, item]
        rest = TOTALS - item_scores

        result = corrected_point_biserial(item_scores.tolist(), rest.tolist())

        assert result == pytest.approx(np.corrcoef(item_scores, rest)[0, 1], abs=TOLERANCE)
        # Taking the item out of the total removes its correlation with itself.
        assert result < point_biserial(item_scores.tolist(), TOTALS.tolist())


def test_point_biserial_of_a_perfect_relation():
    assert point_biserial([0, 1, 0, 1], [2.0, 7.0, 2.0, 7.0]) == 1.0
    assert point_biserial([1, 0, 1, 0], [2.0, 7.0, 2.0, 7.0]) == -1.0


@pytest.mark.parametrize(
    ("item_scores", "totals"),
    [
        ([1, 1, 1, 1], [1, 2, 3, 4]),  # all correct
        ([0, 0, 0, 0], [1, 2, 3, 4]),  # all wrong
        ([0, 1, 0, 1], [3, 3, 3, 3]),  # everyone has the same total
        ([0, 1, 0, 1], [0.1, 0.1, 0.1, 0.1]),  # the same total, not exact in binary
        ([1], [3]),  # a single pair
        ([], []),
    ],
)
def test_point_biserial_is_undefined_without_variance_or_pairs(item_scores, totals):
    assert point_biserial(item_scores, totals) is None
    assert corrected_point_biserial(item_scores, totals) is None


def test_point_biserial_refuses_unpaired_or_non_dichotomous_input():
    with pytest.raises(ValueError, match="one value per student"):
        point_biserial([0, 1, 1], [1, 2])
    with pytest.raises(ValueError, match="0 or 1"):
        point_biserial([0, 2, 1], [1, 2, 3])


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=1), st.integers(0, 200)),
        min_size=0,
        max_size=60,
    )
)
def test_point_biserial_is_a_correlation_or_none(pairs):
    item_scores = [score for score, _ in pairs]
    totals = [total for _, total in pairs]

    result = point_biserial(item_scores, totals)

    if len(pairs) < 2 or len(set(item_scores)) == 1 or len(set(totals)) == 1:
        assert result is None
    else:
        assert -1.0 <= result <= 1.0
        assert result == pytest.approx(np.corrcoef(item_scores, totals)[0, 1], abs=1e-9)


# Options: shares and point-biserials


def test_option_shares_match_numpy_for_every_item():
    for item in range(ITEMS):
        column = CHOICE_MATRIX[:, item]

        shares = option_shares(column.tolist(), LETTERS)

        assert shares == pytest.approx({letter: np.mean(column == letter) for letter in LETTERS})
        assert sum(shares.values()) == pytest.approx(1.0)


def test_option_shares_count_omitted_answers_in_the_denominator():
    assert option_shares(["A", "B", "", "A"], "ABC") == {"A": 0.5, "B": 0.25, "C": 0.0}


def test_option_shares_of_no_choices_are_zero():
    assert option_shares([], "ABC") == {"A": 0.0, "B": 0.0, "C": 0.0}


def test_option_point_biserials_match_numpy_for_every_item():
    for item in range(ITEMS):
        column = CHOICE_MATRIX[:, item]
        rest = np.array(rest_scores(item))

        result = option_point_biserials(column.tolist(), rest.tolist(), LETTERS)

        expected = {}
        for letter in LETTERS:
            chose = (column == letter).astype(int)
            constant = chose.min() == chose.max()
            expected[letter] = None if constant else np.corrcoef(chose, rest)[0, 1]
        assert result.keys() == expected.keys()
        for letter in LETTERS:
            if expected[letter] is None:
                assert result[letter] is None
            else:
                assert result[letter] == pytest.approx(expected[letter], abs=TOLERANCE)


def test_option_point_biserials_of_the_key_is_the_corrected_point_biserial():
    item = 0
    key_scores = SCORES[:, item].tolist()

    result = option_point_biserials(column_choices(item), rest_scores(item), LETTERS)

    assert result[KEYS[item]] == corrected_point_biserial(key_scores, rest_scores(item))


def test_option_point_biserials_of_an_option_nobody_chose_is_none():
    result = option_point_biserials(["A", "B", "A", "B"], [3, 1, 4, 0], "ABC")

    assert result["C"] is None
    assert result["A"] == pytest.approx(np.corrcoef([1, 0, 1, 0], [3, 1, 4, 0])[0, 1])


# KR-20


def numpy_kr20(matrix: np.ndarray) -> float:
    items = matrix.shape[1]
    p = matrix.mean(axis=0)
    totals = matrix.sum(axis=1)
    return float(items / (items - 1) * (1 - np.sum(p * (1 - p)) / totals.var(ddof=0)))


def numpy_cronbach_alpha(matrix: np.ndarray) -> float:
    items = matrix.shape[1]
    item_variances = matrix.var(axis=0, ddof=0)
    total_variance = matrix.sum(axis=1).var(ddof=0)
    return float(items / (items - 1) * (1 - item_variances.sum() / total_variance))


def test_kr20_matches_numpy():
    result = kr20(SCORES.tolist())

    assert result == pytest.approx(numpy_kr20(SCORES), abs=TOLERANCE)
    # KR-20 is Cronbach's alpha on 0/1 items when both use population variances.
    assert result == pytest.approx(numpy_cronbach_alpha(SCORES), abs=TOLERANCE)


def test_kr20_matches_numpy_on_a_subset_of_students_and_items():
    subset = SCORES[2:10, 1:4]

    assert kr20(subset.tolist()) == pytest.approx(numpy_kr20(subset), abs=TOLERANCE)


def test_kr20_of_identical_items_is_one():
    assert kr20([[1, 1], [0, 0], [1, 1]]) == 1.0


def test_kr20_of_items_that_disagree_is_negative():
    matrix = [[1, 0], [0, 1], [1, 0], [0, 1], [1, 1]]

    result = kr20(matrix)

    # p = 3/5 on both items, so Σpq = 0.48; total variance 0.16; 2 · (1 - 3) = -4.
    assert result == pytest.approx(-4.0, abs=TOLERANCE)
    assert result == pytest.approx(numpy_kr20(np.array(matrix)), abs=TOLERANCE)


@pytest.mark.parametrize(
    "matrix",
    [
        [[1, 1, 1], [1, 1, 1], [1, 1, 1]],  # all correct
        [[0, 0, 0], [0, 0, 0]],  # all wrong
        [[1, 0], [0, 1], [1, 0]],  # every total the same
        [[1, 0, 1]],  # one student
        [[1], [0], [1]],  # one item
        [],
    ],
)
def test_kr20_is_undefined_for_too_little_data_or_no_variance(matrix):
    assert kr20(matrix) is None


def test_kr20_refuses_a_ragged_or_non_dichotomous_matrix():
    with pytest.raises(ValueError, match="every item"):
        kr20([[1, 0, 1], [1, 0]])
    with pytest.raises(ValueError, match="0 or 1"):
        kr20([[1, 0], [2, 1]])


# Flags

HEALTHY = {
    "p": 0.6,
    "rpb": 0.35,
    "option_shares": {"A": 0.6, "B": 0.2, "C": 0.2},
    "option_rpbs": {"A": 0.35, "B": -0.2, "C": -0.15},
    "key": "A",
}


def flags_with(**changes) -> list[str]:
    return item_flags(**{**HEALTHY, **changes})


def test_item_flags_of_a_healthy_item_are_empty():
    assert flags_with() == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"p": 0.95}, ["too_easy"]),
        ({"p": 0.9}, []),  # the thresholds are strict
        ({"p": 0.1}, ["too_hard"]),
        ({"p": 0.2}, []),
        ({"rpb": 0.05}, ["low_discrimination"]),
        ({"rpb": -0.3}, ["low_discrimination"]),  # negative discrimination is low too
        ({"rpb": 0.1}, []),
        ({"option_shares": {"A": 0.6, "B": 0.37, "C": 0.03}}, ["non_functioning_distractor"]),
        ({"option_shares": {"A": 0.6, "B": 0.35, "C": 0.05}}, []),
        # A rarely chosen key is a hard item, not a non-functioning distractor.
        ({"option_shares": {"A": 0.04, "B": 0.48, "C": 0.48}}, []),
        ({"option_rpbs": {"A": 0.35, "B": 0.4, "C": -0.15}}, ["likely_wrong_key"]),
        ({"option_rpbs": {"A": 0.35, "B": 0.35, "C": -0.15}}, []),
        ({"option_rpbs": {"A": 0.35, "B": None, "C": -0.15}}, []),  # nobody chose B
    ],
)
def test_item_flags_raise_each_flag_only_past_its_threshold(changes, expected):
    assert flags_with(**changes) == expected


@pytest.mark.parametrize(
    ("changes", "thresholds", "expected"),
    [
        ({"p": 0.85}, {"easy": 0.8}, ["too_easy"]),
        ({"p": 0.85}, {"easy": 0.85}, []),
        ({"p": 0.25}, {"hard": 0.3}, ["too_hard"]),
        ({"rpb": 0.15}, {"low_rpb": 0.2}, ["low_discrimination"]),
        ({"rpb": 0.05}, {"low_rpb": 0.0}, []),
        (
            {"option_shares": {"A": 0.6, "B": 0.32, "C": 0.08}},
            {"rare": 0.1},
            ["non_functioning_distractor"],
        ),
        ({"option_shares": {"A": 0.6, "B": 0.38, "C": 0.02}}, {"rare": 0.01}, []),
    ],
)
def test_item_flags_honour_the_thresholds_given(changes, thresholds, expected):
    assert item_flags(**{**HEALTHY, **changes}, **thresholds) == expected


@pytest.mark.parametrize(
    "changes",
    [
        {"p": None},
        {"rpb": None},
        {"option_shares": None},
        {"option_rpbs": None},
        {"option_rpbs": {"A": None, "B": 0.3, "C": 0.1}},  # the key's own value is unknown
        {"p": None, "rpb": None, "option_shares": None, "option_rpbs": None},
    ],
)
def test_item_flags_skip_what_they_cannot_judge(changes):
    assert flags_with(**changes) == []


def test_item_flags_come_in_a_fixed_order():
    flags = item_flags(
        0.1,
        -0.2,
        {"A": 0.1, "B": 0.87, "C": 0.03},
        {"A": -0.2, "B": 0.3, "C": -0.1},
        "A",
    )

    assert flags == [
        "too_hard",
        "low_discrimination",
        "non_functioning_distractor",
        "likely_wrong_key",
    ]


# Item statistics


def test_item_statistics_match_numpy_for_every_item_when_every_response_counts():
    for item in range(ITEMS):
        column = CHOICE_MATRIX[:, item]
        key_scores = SCORES[:, item]
        rest = TOTALS - key_scores

        result = item_statistics(
            column.tolist(),
            rest.tolist(),
            KEYS[item],
            LETTERS,
            min_p_responses=1,
            min_rpb_responses=1,
        )

        assert result.responses == STUDENTS
        assert result.p == pytest.approx(key_scores.mean(), abs=TOLERANCE)
        assert result.rpb == pytest.approx(np.corrcoef(key_scores, rest)[0, 1], abs=TOLERANCE)
        assert result.option_shares == option_shares(column.tolist(), LETTERS)
        assert result.option_rpbs == option_point_biserials(column.tolist(), rest.tolist(), LETTERS)
        assert result.flags == tuple(
            item_flags(result.p, result.rpb, result.option_shares, result.option_rpbs, KEYS[item])
        )


def test_item_statistics_flag_the_dataset_items():
    flags = [
        item_statistics(
            column_choices(item),
            rest_scores(item),
            KEYS[item],
            LETTERS,
            min_p_responses=1,
            min_rpb_responses=1,
        ).flags
        for item in range(ITEMS)
    ]

    assert flags == [
        ("non_functioning_distractor",),  # nobody chose E
        ("non_functioning_distractor",),  # nobody chose E
        # B draws stronger students than the key A does.
        ("low_discrimination", "non_functioning_distractor", "likely_wrong_key"),
        ("likely_wrong_key",),  # C draws stronger students than the key E does
        (),
    ]


def responses(count: int, item: int = 0) -> tuple[list[str], list[int]]:
    """`count` responses to a dataset item: its 12 students repeated."""
    repeats = -(-count // STUDENTS)
    return (column_choices(item) * repeats)[:count], (rest_scores(item) * repeats)[:count]


def test_item_statistics_below_min_p_responses_report_nothing():
    choices, rest = responses(29)

    result = item_statistics(choices, rest, KEYS[0], LETTERS)

    assert result == ItemStatistics(
        responses=29, p=None, rpb=None, option_shares=None, option_rpbs=None, flags=()
    )


def test_item_statistics_from_min_p_responses_report_proportions_only():
    choices, rest = responses(30)

    result = item_statistics(choices, rest, KEYS[0], LETTERS)

    assert result.responses == 30
    assert result.p == pytest.approx(np.mean(np.array(choices) == KEYS[0]), abs=TOLERANCE)
    assert result.option_shares == option_shares(choices, LETTERS)
    assert result.rpb is None
    assert result.option_rpbs is None
    assert result.flags == tuple(item_flags(result.p, None, result.option_shares, None, KEYS[0]))


def test_item_statistics_from_min_rpb_responses_report_point_biserials():
    below_choices, below_rest = responses(99)
    choices, rest = responses(100)

    below = item_statistics(below_choices, below_rest, KEYS[0], LETTERS)
    result = item_statistics(choices, rest, KEYS[0], LETTERS)

    assert below.rpb is None
    assert below.option_rpbs is None
    chose_key = (np.array(choices) == KEYS[0]).astype(int)
    assert result.rpb == pytest.approx(np.corrcoef(chose_key, rest)[0, 1], abs=TOLERANCE)
    assert result.option_rpbs == option_point_biserials(choices, rest, LETTERS)


def test_item_statistics_honour_the_thresholds_given():
    choices, rest = responses(12)

    result = item_statistics(
        choices, rest, KEYS[0], LETTERS, min_p_responses=12, min_rpb_responses=13
    )

    assert result.p == pytest.approx(7 / 12)
    assert result.rpb is None


def test_item_statistics_refuse_a_key_that_is_not_an_option_or_unpaired_input():
    with pytest.raises(ValueError, match="not one of the options"):
        item_statistics(column_choices(0), rest_scores(0), "F", LETTERS)
    with pytest.raises(ValueError, match="one value per student"):
        item_statistics(column_choices(0), rest_scores(0)[:-1], KEYS[0], LETTERS)


def test_item_statistics_are_frozen():
    result = item_statistics(column_choices(0), rest_scores(0), KEYS[0], LETTERS)

    with pytest.raises(dataclasses.FrozenInstanceError):
        result.p = 0.5  # type: ignore[misc]


@given(st.lists(st.tuples(st.booleans(), st.integers(0, 100)), max_size=40))
def test_point_biserial_from_sums_equals_the_list_form(pairs):
    xs = [int(chose) for chose, _ in pairs]
    ys = [float(y) for _, y in pairs]

    from_sums = stats.point_biserial_from_sums(
        len(pairs),
        sum(xs),
        sum(y for x, y in zip(xs, ys, strict=True) if x),
        sum(ys),
        sum(y * y for y in ys),
    )

    from_lists = stats.point_biserial(xs, ys) if pairs else None
    assert (from_sums is None) == (from_lists is None)
    if from_lists is not None:
        assert from_sums == pytest.approx(from_lists, abs=1e-9)
