"""bench.versus runs end to end in its smallest form: HEAD's tree beside this one, one scenario,
a small seed; both servers answer every request, and the temporary worktree is gone after."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _worktrees() -> set[str]:
    listed = subprocess.run(
        ["git", "worktree", "list", "--porcelain"], cwd=ROOT, capture_output=True, text=True
    )
    return {line for line in listed.stdout.splitlines() if line.startswith("worktree ")}


def test_versus_head_runs_both_trees_and_cleans_up(tmp_path: Path) -> None:
    before = _worktrees()
    command = [sys.executable, "-m", "bench.versus", "HEAD", "--big", "200"]
    command += ["--scenarios", "event_read", "--out", str(tmp_path)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    run = json.loads((tmp_path / "versus.json").read_text())
    rev = run["machine"]["rev"]
    assert set(run["results"]) == {"event_read"}
    measured = run["results"]["event_read"]
    assert set(measured) == {rev, "now"}
    for result in measured.values():
        assert result["requests"] > 0
        assert result["non_2xx"] == result["socket_errors"] == 0
        assert result["cpu_us"] > 0
    assert "| event_read |" in (tmp_path / "versus.md").read_text()
    # Its own worktree is gone (another run's, of another revision, may come and go meanwhile).
    assert not [w for w in _worktrees() - before if f"/turnout-{rev}-" in w]


def test_an_unknown_scenario_is_refused_before_anything_runs(tmp_path: Path) -> None:
    before = _worktrees()
    command = [sys.executable, "-m", "bench.versus", "HEAD", "--scenarios", "nope"]
    done = subprocess.run(
        [*command, "--out", str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert "no such scenario: nope" in done.stderr
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    assert not [w for w in _worktrees() - before if f"/turnout-{head}-" in w]
