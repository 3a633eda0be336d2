"""The coverage-guided parser fuzzer (tests/fuzz/parsers.py, atheris) with a bounded budget;
`make soak` runs it for FUZZ_PARSERS_SOAK_SECONDS (default 300)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fuzz.parsers import seeds

BUDGET = int(os.environ.get("FUZZ_PARSERS_SECONDS", "20"))
SOAK_BUDGET = int(os.environ.get("FUZZ_PARSERS_SOAK_SECONDS", "300"))


def fuzz_parsers(tmp_path: Path, seconds: int) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for n, seed in enumerate(seeds()):
        (corpus / f"seed{n}").write_bytes(seed)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.fuzz.parsers",
            str(corpus),
            f"-max_total_time={seconds}",
            "-max_len=4096",
            "-rss_limit_mb=1024",
            "-timeout=5",
            f"-artifact_prefix={tmp_path}/",
            "-print_final_stats=1",
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 120,
        cwd=Path(__file__).parent.parent,
    )
    runs = re.search(r"Done (\d+) runs", done.stderr)
    coverage = re.findall(r"cov: (\d+)", done.stderr)
    print(f"\nparser fuzzing: {runs.group(1) if runs else '?'} inputs, coverage {coverage[-1:]}")
    progress = re.compile(r"#\d+\s")  # libFuzzer's progress lines; the crash is in the rest
    report = "\n".join(line for line in done.stderr.splitlines() if not progress.match(line))
    assert done.returncode == 0, report[-8000:]
    assert runs and int(runs.group(1)) > 1000


def test_parsers_raise_only_their_own_errors(tmp_path: Path) -> None:
    fuzz_parsers(tmp_path, BUDGET)


@pytest.mark.soak
def test_parsers_raise_only_their_own_errors_long(tmp_path: Path) -> None:
    fuzz_parsers(tmp_path, SOAK_BUDGET)
