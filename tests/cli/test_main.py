"""``backprop.cli``: the command table, help, one-line errors, and the checks every command makes before any work."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from backprop.cli import COMMANDS, build_parser, main
from backprop.cli._common import CommandError

ROOT = Path(__file__).resolve().parents[2]

SEEDED = {"ann", "xor", "dnn", "cnn", "rnn"}
"""The commands whose runs draw random numbers: only they take ``--seed``."""

MINE = {
    "ann": ["--trace"],
    "trask": [],
    "xor": [],
    "dnn": ["--epochs", "2"],
}
"""A command line of each of these commands that prints something before its result."""


def test_module_entry_point_runs() -> None:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    proc = subprocess.run(
        [sys.executable, "-m", "backprop", "ann"],
        cwd=ROOT, env=env, capture_output=True, text=True, encoding="utf-8", timeout=60, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "ANN → Final Prediction: 0.98\n"
    assert proc.stderr == ""


def test_examples_import_neither_argparse_nor_plots_nor_cli() -> None:
    code = (
        "import sys\n"
        "import backprop.examples.ann, backprop.examples.trask, backprop.examples.xor, backprop.examples.dnn\n"
        "print(sorted(m for m in sys.modules if m == 'argparse' or m.startswith(('backprop.plots', 'backprop.cli',"
        " 'matplotlib'))))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    assert proc.stdout == "[]\n"


# ----------------------------------------------------------------------------- help


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_has_help(capsys: pytest.CaptureFixture[str], command: str) -> None:
    with pytest.raises(SystemExit) as info:
        main([command, "--help"])
    assert info.value.code == 0
    captured = capsys.readouterr()
    assert captured.out.startswith(f"usage: backprop {command} ")
    assert ("--seed" in captured.out.split("\n\n", 1)[1].replace("There is no --seed", "")) == (command in SEEDED)
    assert "--plot" in captured.out
    assert captured.err == ""


def test_top_level_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: backprop ")
    for command in COMMANDS:
        assert command in out


def test_there_are_no_global_options() -> None:
    parser = build_parser()
    with pytest.raises(SystemExit):
        parser.parse_args(["--seed", "3", "ann"])
    with pytest.raises(SystemExit):
        parser.parse_args(["--plot", "f.svg", "ann"])
    assert parser.parse_args(["ann", "--seed", "3"]).seed == 3


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("argv", "needles"),
    [
        (["bogus"], ["invalid choice", "'bogus'"]),
        ([], ["COMMAND"]),
        (["ann", "--bogus"], ["unrecognized arguments", "--bogus"]),
        (["trask", "--epochs", "3"], ["unrecognized arguments", "--epochs"]),
        (["ann", "--seed", "x"], ["--seed", "invalid int value", "'x'"]),
        (["xor", "--seed", "-1"], ["argument --seed: must be a non-negative integer, got '-1'"]),
        (["ann", "--seed", "-1"], ["argument --seed: must be a non-negative integer, got '-1'"]),
        (["xor", "--epochs", "1.5"], ["--epochs", "invalid int value"]),
        (["dnn", "--hidden", "gelu"], ["--hidden", "invalid choice"]),
    ],
)
def test_argument_errors_exit_2_with_one_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], needles: list[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.endswith("\n")
    assert captured.err.count("\n") == 1
    assert "error" in captured.err
    for needle in needles:
        assert needle in captured.err


@pytest.mark.parametrize(
    "exc",
    [CommandError("no good"), ValueError("no good"), TypeError("no good"), OSError("no good")],
    ids=["CommandError", "ValueError", "TypeError", "OSError"],
)
def test_a_command_error_is_one_line_and_status_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, exc: Exception
) -> None:
    def fail(_: object) -> int:
        raise exc

    monkeypatch.setattr(COMMANDS["ann"], "run", fail)
    assert main(["ann"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "backprop ann: error: no good\n"


# ----------------------------------------------------------------------------- checks before any work


def _fails_before_printing(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # nothing was run: not even the first printed line
    assert captured.err.count("\n") == 1
    assert captured.err.startswith(f"backprop {argv[0]}: error: ")
    return captured.err


@pytest.mark.parametrize("command", sorted(MINE))
@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("{tmp}/out.pdf", "--plot {tmp}/out.pdf: the file name must end in .svg or .png"),
        ("{tmp}/no/such/out.svg", "--plot {tmp}/no/such/out.svg: the folder {tmp}/no/such does not exist"),
        ("{tmp}/folder.svg", "--plot {tmp}/folder.svg: is a folder, not a file"),
    ],
    ids=["suffix", "folder", "is-a-folder"],
)
def test_a_bad_plot_path_fails_before_any_work(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str, target: str, message: str
) -> None:
    (tmp_path / "folder.svg").mkdir()
    err = _fails_before_printing(capsys, [command, *MINE[command], "--plot", target.format(tmp=tmp_path)])
    assert err == f"backprop {command}: error: {message.format(tmp=tmp_path)}\n"


@pytest.mark.parametrize("command", sorted(MINE))
def test_an_unwritable_plot_folder_fails_before_any_work(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path, command: str
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    real_access = os.access

    def access(path: object, mode: int) -> bool:  # the folder refuses writing, for root too
        return False if Path(str(path)) == locked and mode & os.W_OK else real_access(path, mode)  # type: ignore[arg-type]

    monkeypatch.setattr("backprop.cli._common.os.access", access)
    err = _fails_before_printing(capsys, [command, *MINE[command], "--plot", str(locked / "f.svg")])
    assert "cannot write there (permission denied)" in err
    assert not (locked / "f.svg").exists()


@pytest.mark.parametrize("command", sorted(MINE))
def test_plot_without_matplotlib_is_one_line_with_the_install_hint(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path, command: str
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # find_spec now reports it missing
    err = _fails_before_printing(capsys, [command, *MINE[command], "--plot", str(tmp_path / "f.svg")])
    assert err == (
        f"backprop {command}: error: --plot needs matplotlib, which is not installed:"
        " pip install 'backprop-from-scratch[docs]' (from a checkout: pip install -e '.[docs]')\n"
    )
    assert not (tmp_path / "f.svg").exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["ann", "--trace", "--epochs", "-1"], "backprop ann: error: epochs must be a positive integer, got -1"),
        (["ann", "--trace", "--epochs", "0"], "backprop ann: error: epochs must be a positive integer, got 0"),
        (["ann", "--trace", "--lr", "-1"], "backprop ann: error: lr must be a finite number > 0, got -1.0"),
        (["dnn", "--epochs", "-3"], "backprop dnn: error: epochs must be a positive integer, got -3"),
        (["dnn", "--lr", "-1"], "backprop dnn: error: lr must be a finite number > 0, got -1.0"),
        (["dnn", "--batch-size", "0"], "backprop dnn: error: batch_size must be a positive integer, got 0"),
        (["dnn", "--sizes", "8", "0"], "backprop dnn: error: each of --sizes must be a positive integer, got 0"),
        (["xor", "--epochs", "-5"], "backprop xor: error: epochs must be a positive integer, got -5"),
        (["xor", "--lr", "-1"], "backprop xor: error: lr must be a finite number > 0, got -1.0"),
        (["xor", "--init-scale", "0"], "backprop xor: error: init_scale must be a finite number > 0, got 0.0"),
        (["xor", "--hidden", "0"], "backprop xor: error: hidden must be a positive integer, got 0"),
        (["trask", "--iterations", "0"], "backprop trask: error: iterations must be a positive integer, got 0"),
        (["trask", "--report-every", "-2"], "backprop trask: error: report_every must be a positive integer, got -2"),
        (["trask", "--seed", "5"], "backprop trask: error: --seed does nothing here: both nets start from the legacy"
                                   " np.random.seed(1), which their published output needs"),
    ],
)
def test_bad_values_fail_before_any_work(capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    assert _fails_before_printing(capsys, argv) == message + "\n"


def test_cnn_load_of_a_corrupt_compressed_file_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    import numpy as np

    from backprop.examples.digits import build_cnn

    path = tmp_path / "corrupt.npz"
    with path.open("wb") as fh:
        np.savez_compressed(fh, **build_cnn(0).params)  # type: ignore[arg-type]
    raw = bytearray(path.read_bytes())
    start = raw.index(b"0.W.npy") + len(b"0.W.npy")
    raw[start + 10 : start + 60] = b"\xff" * 50  # inside the deflate stream of the first member
    path.write_bytes(bytes(raw))
    assert main(["cnn", "--load", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("backprop cnn: error: corrupt.npz is not a readable .npz parameter file: ")
    assert captured.err.count("\n") == 1
