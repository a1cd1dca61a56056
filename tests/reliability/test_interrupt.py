"""Interruptions: SIGINT and SIGKILL at named points and at random moments of a run.

After every interruption the output folder holds either the complete previous set or the
complete new one (never files of two runs), and after the next run (or :func:`recover`, which
the next run calls first) no staging or previous-generation folder is left.

Two drivers: the light ``switch_driver.py`` (the real ``write_output_set`` with small writers,
so dozens of interruptions stay cheap) and the real ``arealsirk run`` on the small scenario.
"""

from __future__ import annotations

import json
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from arealsirk._outputs import MANIFEST, recover
from arealsirk.cli import main

from .conftest import cli_cmd, cli_env, tree_hash

DRIVER = Path(__file__).with_name("switch_driver.py")
POINTS = {
    "exchange": ["staging", "writing", "staged", "switched"],
    "rename": ["staging", "writing", "staged", "between", "switched"],
}
BEFORE_SWITCH = {"staging", "writing", "staged", "between"}


def _debris(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.arealsirk-"))


def _driver_generation(out: Path) -> str:
    """The label of the complete set in ``out``; fails on a mixed or incomplete set."""
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted([MANIFEST, "map.html", "results.gpkg", "summary.md"]), names
    manifest = json.loads((out / MANIFEST).read_text())
    labels = set()
    for name, size in manifest["files"].items():
        data = (out / name).read_bytes()
        assert len(data) == size, f"{name}: {len(data)} bytes, manifest says {size}"
        lines = data.decode().splitlines()
        assert len(lines) == 10, f"{name}: incomplete ({len(lines)} lines)"
        labels |= {line.split(":")[0] for line in lines}
    assert len(labels) == 1, f"files of several runs side by side: {labels}"
    return labels.pop()


def _sigint_default() -> None:
    """In the child before exec: SIGINT back to its default action.  A test run started in the
    background by a non-interactive shell (``cmd &``, ``nohup``) inherits SIGINT as *ignored*, and
    Python then installs no KeyboardInterrupt handler, so the child would never see the signal this
    file sends; a user's Ctrl-C always reaches a foreground run."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start_driver(out: Path, label: str, seconds: float, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(DRIVER), str(out), label, str(seconds)],
        env=env,
        preexec_fn=_sigint_default,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _wait_flag(flag: Path, proc: subprocess.Popen, timeout: float = 120) -> None:
    end = time.monotonic() + timeout
    while not flag.exists():
        assert proc.poll() is None, f"ended before the pause point: {proc.stderr.read()!r}"
        assert time.monotonic() < end, "pause point never reached"
        time.sleep(0.02)


def _signal_state(pid: int) -> str:
    """The child's signal masks and wait channel from /proc (what a hung child was doing with the
    signal: blocked, ignored, caught or pending)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8").splitlines()
        wchan = Path(f"/proc/{pid}/wchan").read_text(encoding="utf-8")
    except OSError as exc:
        return f"no /proc entry ({exc})"
    return "; ".join([ln for ln in status if ln.startswith(("State", "SigPnd", "ShdPnd", "SigBlk",
                                                             "SigIgn", "SigCgt"))] + [f"wchan {wchan}"])


def _wait_exit(proc: subprocess.Popen, timeout: float) -> int:
    """The child's exit code; on a timeout, fail with its signal state instead of a bare timeout."""
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        state = _signal_state(proc.pid)
        proc.kill()
        proc.wait()
        pytest.fail(f"the driver did not end within {timeout:g} s of the signal: {state}")


@pytest.mark.parametrize(
    ("mode", "point", "sig"),
    [(m, p, s) for m, ps in POINTS.items() for p in ps for s in (signal.SIGINT, signal.SIGKILL)],
)
def test_driver_interrupted_at_each_point(mode, point, sig, tmp_path):
    out = tmp_path / "out"
    env = cli_env() | {"AREALSIRK_OUTPUT_SWITCH": mode}
    assert (
        subprocess.run([sys.executable, str(DRIVER), str(out), "old", "0"], env=env, check=False).returncode
        == 0
    )
    assert _driver_generation(out) == "old"
    flag = tmp_path / "flag"
    proc = _start_driver(
        out, "new", 0.0, env | {"AREALSIRK_TEST_PAUSE": point, "AREALSIRK_TEST_PAUSE_FILE": str(flag)}
    )
    _wait_flag(flag, proc)
    proc.send_signal(sig)
    code = _wait_exit(proc, timeout=60)
    expected = "old" if point in BEFORE_SWITCH else "new"
    if sig == signal.SIGINT:
        assert code == 130, proc.stderr.read()
        assert _debris(out) == [], "an interrupted (SIGINT) run must clean up after itself"
        assert _driver_generation(out) == expected
    else:
        assert code == -signal.SIGKILL
        if point == "between":  # killed between the two renames: previous set under its old name
            assert not out.exists() and any(".arealsirk-old-" in d for d in _debris(out))
    recover(out)
    assert _driver_generation(out) == expected
    assert _debris(out) == []


def test_driver_killed_at_random_moments(tmp_path):
    """30 runs, each killed (SIGINT or SIGKILL) at a random moment of writing and switching."""
    rng = random.Random(18)
    out = tmp_path / "out"
    env = cli_env()
    start = time.monotonic()
    subprocess.run([sys.executable, str(DRIVER), str(out), "g0", "0.3"], env=env, check=True)
    whole = time.monotonic() - start  # one complete run on this machine now (start-up included)
    current, seen = "g0", {"old": 0, "new": 0}
    for trial in range(1, 31):
        mode = "rename" if trial % 3 == 0 else "exchange"
        proc = _start_driver(out, f"g{trial}", 0.3, env | {"AREALSIRK_OUTPUT_SWITCH": mode})
        # moments scaled to the measured run, alternating the first and second half, so a loaded
        # machine still sees kills on both sides of the switch
        time.sleep(rng.uniform(0.02, 0.6) * whole if trial % 2 else rng.uniform(0.6, 1.4) * whole)
        sig = signal.SIGKILL if trial % 2 else signal.SIGINT
        proc.send_signal(sig)
        proc.wait(timeout=60)
        recover(out)
        found = _driver_generation(out)
        assert found in (current, f"g{trial}"), (trial, found)
        seen["new" if found != current else "old"] += 1
        current = found
        assert _debris(out) == [], trial
    assert seen["old"] and seen["new"], seen  # the moments covered both sides of the switch


# --------------------------------------------------------------------------- the real `arealsirk run`
def _run_generation(out: Path) -> str:
    """Name of the scenario whose complete results are in ``out``; fails on a mix."""
    manifest = json.loads((out / MANIFEST).read_text())
    assert sorted(manifest["files"]) == ["map.html", "results.gpkg", "summary.md"]
    for name, size in manifest["files"].items():
        assert (out / name).stat().st_size == size, name
    con = sqlite3.connect(f"file:{out / 'results.gpkg'}?mode=ro", uri=True)
    try:
        name = dict(con.execute("SELECT key, value FROM run_info").fetchall())["name"]
    finally:
        con.close()
    assert (out / "summary.md").read_text().startswith(f"# Summary: {name}\n")
    assert f"Siting circular facilities \u2013 {name}" in (out / "map.html").read_text()
    return name


@pytest.fixture(scope="module")
def previous_set(tmp_path_factory, base) -> tuple[Path, Path]:
    """A complete 'previous run' output set (made once) and the scenario of a 'new run'."""
    folder = tmp_path_factory.mktemp("previous")
    old = folder / "old.toml"
    old.write_text(base.text().replace('name = "small"', 'name = "previous run"'))
    new = folder / "new.toml"
    new.write_text(base.text().replace('name = "small"', 'name = "new run"'))
    assert main(["--no-progress", "run", str(old), "--out", str(folder / "out")]) == 0
    return folder / "out", new


@pytest.fixture
def previous(tmp_path, previous_set) -> tuple[Path, Path, dict[str, str]]:
    """This test's own copy of the previous set, its hashes, and the new scenario."""
    out = tmp_path / "out"
    shutil.copytree(previous_set[0], out)
    return out, previous_set[1], tree_hash(out)


def _interrupt_run(
    out: Path, scenario: Path, sig: int, *, point: str | None = None, after: float | None = None
) -> subprocess.CompletedProcess:
    flag = out.parent / "flag"
    env = cli_env() | (
        {"AREALSIRK_TEST_PAUSE": point, "AREALSIRK_TEST_PAUSE_FILE": str(flag)} if point else {}
    )
    proc = subprocess.Popen(
        cli_cmd("run", str(scenario), "--out", str(out)),
        env=env,
        preexec_fn=_sigint_default,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    if point:
        _wait_flag(flag, proc)
    else:
        time.sleep(after or 0)
    proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)


def test_run_sigkill_while_writing_then_next_run_cleans(previous):
    out, new, before = previous
    res = _interrupt_run(out, new, signal.SIGKILL, point="writing")
    assert res.returncode == -signal.SIGKILL
    assert tree_hash(out) == before and _run_generation(out) == "previous run"
    assert any(".arealsirk-new-" in d for d in _debris(out))  # a killed run cannot clean up
    assert main(["--no-progress", "run", str(new), "--out", str(out)]) == 0  # the next run
    assert _run_generation(out) == "new run"
    assert _debris(out) == []


def test_run_sigint_before_the_switch_keeps_previous(previous):
    out, new, before = previous
    res = _interrupt_run(out, new, signal.SIGINT, point="staged")
    assert res.returncode == 130
    assert res.stderr.strip().splitlines()[-1] == "arealsirk: interrupted; the previous results are kept"
    assert "Traceback" not in res.stderr
    assert tree_hash(out) == before and _debris(out) == []


def test_run_sigkill_after_the_switch_has_new_set(previous):
    out, new, _ = previous
    res = _interrupt_run(out, new, signal.SIGKILL, point="switched")
    assert res.returncode == -signal.SIGKILL
    assert _run_generation(out) == "new run"
    recover(out)
    assert _debris(out) == []


def test_run_sigint_during_the_computation(previous):
    out, new, before = previous
    res = _interrupt_run(out, new, signal.SIGINT, point="computing")
    assert res.returncode in (130, 2), res.stderr  # 2: cancelled through the progress callback
    assert "Traceback" not in res.stderr
    assert tree_hash(out) == before and _debris(out) == []


def test_run_sigkill_between_renames_is_restored_by_next_run(previous, monkeypatch):
    out, new, before = previous
    monkeypatch.setenv("AREALSIRK_OUTPUT_SWITCH", "rename")
    res = _interrupt_run(out, new, signal.SIGKILL, point="between")
    assert res.returncode == -signal.SIGKILL
    assert not out.exists()  # the documented window of the two-rename switch
    recover(out)  # what every next run does first
    assert tree_hash(out) == before and _debris(out) == []
