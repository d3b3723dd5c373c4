"""The judging of a `make chaos` run: which server errors an outage excuses, which refusals a
closed block explains, when each fault falls."""

from bench.load.chaos import (
    SETTLE_SECONDS,
    Fault,
    errors_outside,
    errors_within,
    recovered_in,
    refused_while_open,
    schedule,
)


def _change(block="b1", status=200, at=100.0, failures=()):
    return {"block": block, "id": "x", "status": status, "at": at, "failures": list(failures)}


def test_chaos_fault_excuses_errors_from_a_second_before_to_the_settling_after():
    outage = Fault("postgres", began=100.0, ended=110.0)

    assert outage.covers(99.0)
    assert outage.covers(110.0 + SETTLE_SECONDS)
    assert not outage.covers(98.9)
    assert not outage.covers(110.1 + SETTLE_SECONDS)


def test_chaos_counts_each_failed_attempt_inside_or_outside_the_outages():
    outage = Fault("postgres", began=100.0, ended=110.0)
    sent = [
        _change(at=112.0, failures=[101.0, 102.0, 104.0]),  # retried through the outage, saved
        _change(at=300.0, failures=[200.0]),  # an error nothing explains
        _change(status=500, at=400.0, failures=[400.0]),  # never answered, far from any fault
        _change(at=50.0),
    ]

    assert errors_within(sent, outage) == 3
    assert errors_outside(sent, [outage]) == 2


def test_chaos_refusal_is_a_fault_unless_its_block_had_closed():
    closed = {"ended-early": 100.0}
    sent = [
        _change(block="ended-early", status=409, at=101.0),  # closed: refused as it should be
        _change(block="ended-early", status=409, at=99.0),  # refused before it closed
        _change(block="open", status=409, at=500.0),  # never closed
        _change(block="open", status=200, at=500.0),
    ]

    assert refused_while_open(sent, closed) == 2


def test_chaos_recovery_is_the_first_change_saved_after_the_service_is_back():
    outage = Fault("redis", began=100.0, ended=110.0)
    sent = [_change(at=105.0), _change(status=500, at=110.2), _change(at=110.7), _change(at=111)]

    assert recovered_in(sent, outage) == 0.7
    assert recovered_in([_change(at=90.0)], outage) is None


def test_chaos_spreads_the_faults_over_the_run_after_the_ramp():
    moments = schedule(["postgres", "redis", "pool-child", "worker", "deadline"], 300)

    assert [name for _, name in moments] == [
        "postgres",
        "redis",
        "pool-child",
        "worker",
        "deadline",
    ]
    assert [round(moment) for moment, _ in moments] == [27, 82, 136, 191, 245]
    assert schedule(["postgres"], 30) == [(10.0, "postgres")]
