"""`compare` alternates its blocks and reports medians; the import timing runs fresh interpreters."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from backprop.bench import compare, import_time_ms, summarize, timing


def test_blocks_alternate_from_round_to_round() -> None:
    calls: list[str] = []
    t = compare(lambda: calls.append("ours"), lambda: calls.append("theirs"), rounds=2, block_s=0.0, pause_s=0.0)
    sizing = ["ours"] * 2 + ["theirs"] * 2  # a warm-up call and a sizing call each
    blocks = ["ours"] * 2 + ["theirs"] * 2 + ["theirs"] * 2 + ["ours"] * 2  # an untimed call before each block
    assert calls == [*sizing, *blocks]
    assert sorted(t) == ["backprop_ms", "ratio", "torch_ms"]


def test_ratio_is_the_median_of_per_round_ratios(monkeypatch: pytest.MonkeyPatch) -> None:
    def ours() -> None: ...

    def theirs() -> None: ...

    # per-round seconds: ratios 1, 0.2, 10 (median 1), while the medians alone give 2/3
    scripted: dict[object, Iterator[float]] = {ours: iter([1.0, 2.0, 30.0]), theirs: iter([1.0, 10.0, 3.0])}
    monkeypatch.setattr(timing, "reps_for", lambda fn, block_s: 1)
    monkeypatch.setattr(timing, "per_call_s", lambda fn, reps: next(scripted[fn]))
    t = compare(ours, theirs, rounds=3, pause_s=0.0)
    assert t == {"backprop_ms": 2000.0, "torch_ms": 3000.0, "ratio": 1.0}


def test_bad_counts_are_rejected() -> None:
    with pytest.raises(ValueError, match="rounds must be a positive integer"):
        compare(lambda: None, None, rounds=0)
    with pytest.raises(ValueError, match="repeats must be a positive integer"):
        import_time_ms("json", repeats=0)


def test_import_time_runs_in_a_fresh_interpreter() -> None:
    assert import_time_ms("json", repeats=1) > 0


def test_rounds_take_turns_and_reverse_every_round(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    steps = [lambda: calls.append("a"), lambda: calls.append("b"), lambda: calls.append("c")]
    times = timing.time_rounds(steps, [1, 1, 2], rounds=3, pause_s=0.0)
    assert "".join(calls) == "aabbccc" + "cccbbaa" + "aabbccc"  # each block after one untimed call
    assert [len(t) for t in times] == [3, 3, 3]


def test_a_quantity_is_stable_only_if_both_passes_stay_within_ten_percent_of_its_median() -> None:
    def stable(first: list[float], second: list[float]) -> bool:
        return bool(summarize([{"q": first}, {"q": second}])["spread"]["q"]["stable"])

    assert stable([1.0, 1.05, 0.95], [1.0, 1.08])
    assert stable([1.0, 1.0, 1.0], [1.0, 1.5, 1.0])  # one disturbed round: the range widens, the medians hold
    assert not stable([0.91, 0.92, 0.93], [1.09, 1.08])  # each pass holds still, but the second sits 16% higher
    assert not stable([1.0, 1.0, 1.0], [1.25, 1.25, 1.25])
    s = summarize([{"q": [2.0, 4.0]}, {"q": [3.0]}])
    spread = s["spread"]["q"]
    assert (s["q"], spread["min"], spread["max"], spread["passes"]) == (3.0, 2.0, 4.0, [3.0, 3.0])
    one_pass = summarize([{"q": [1.0, 1.01]}, {"q": []}])  # a single round in all: one pass
    assert one_pass["spread"]["q"]["passes"] == [1.005]
