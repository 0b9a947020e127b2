"""``python -m backprop trask``: the published outputs, no --seed, and --plot drawing the errors printed."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from backprop.cli import main
from tests.support import PUBLISHED_BILAYER, PUBLISHED_ERRORS, PUBLISHED_TRILAYER, require


def _svg_texts(svg: bytes) -> list[str]:
    """The texts of an SVG that matplotlib drew (text as paths, each preceded by a comment holding it)."""
    return re.findall(r"<!-- (.*?) -->", svg.decode("utf-8"))


def _errors(out: str) -> list[float]:
    return [float(line.removeprefix("Error: ")) for line in out.splitlines() if line.startswith("Error: ")]


def test_trask_prints_the_published_outputs_and_errors(capsys: pytest.CaptureFixture[str]) -> None:
    options = np.get_printoptions()
    assert main(["trask"]) == 0
    out = capsys.readouterr().out
    tri_at = out.index("Trilayer")
    for value in PUBLISHED_BILAYER:
        assert -1 < out.index(f"{value:.8f}") < tri_at
    for value in PUBLISHED_TRILAYER:
        assert out.index(f"{value:.8f}") > tri_at
    assert _errors(out) == pytest.approx(PUBLISHED_ERRORS, rel=1e-12)
    assert "mean |error| every 10,000 iterations:" in out
    assert "Output after 60,000 iterations:" in out
    assert np.get_printoptions() == options  # the 8-digit print options were for this output only


def test_plot_draws_the_run_that_was_printed(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    require("matplotlib")
    svgs: list[bytes] = []
    for report_every, name in [(1000, "a.svg"), (500, "b.svg")]:
        target = tmp_path / name
        assert main(["trask", "--iterations", "3000", "--report-every", str(report_every), "--plot", str(target)]) == 0
        out = capsys.readouterr().out
        errors = _errors(out)
        assert len(errors) == 3000 // report_every
        assert f"mean |error| every {report_every:,} iterations:" in out
        assert "Output after 3,000 iterations:" in out
        svgs.append(target.read_bytes())
        last_at = (len(errors) - 1) * report_every
        texts = _svg_texts(svgs[-1])
        assert "Trilayer net, 3,000 iterations" in texts
        assert f"mean |error| {errors[0]:.6f} → {errors[-1]:.6f} (iteration {last_at:,})" in texts
    assert svgs[0] != svgs[1]


@pytest.mark.parametrize("argv", [["--seed", "1"], ["--seed", "5", "--plot", "x.svg"]])
def test_trask_rejects_a_seed_it_would_ignore(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    assert main(["trask", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert "--seed does nothing here" in captured.err
    assert "np.random.seed(1)" in captured.err


def test_trask_help_says_why_there_is_no_seed(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["trask", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "There is no --seed: both nets start from the legacy np.random.seed(1)" in out
