"""A measuring process of the in-process benchmarks (bench.layers, bench.outbox_instructions):
one module's `--serve` loop, on this tree or another checkout's src, optionally under valgrind's
callgrind with instrumentation switched on only around each measured batch.

The protocol: the worker prints `ready`, then for each line it reads (a batch to run) prints one
JSON number (its CPU µs per item). Under callgrind, `ask` returns instructions per item instead.
"""

from __future__ import annotations

import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


class Worker:
    def __init__(self, name: str, module: str, src: str | None, callgrind: bool = False) -> None:
        env = dict(os.environ)
        if src is not None:
            env["PYTHONPATH"] = os.pathsep.join([src, str(Path(__file__).parent.parent)])
        self.name = name
        command = [sys.executable, "-m", module, "--serve"]
        self.dumps = ""
        if callgrind:
            self.dumps = tempfile.mkdtemp(prefix="turnout-callgrind-")
            out = f"--callgrind-out-file={self.dumps}/out.%p"
            command = ["valgrind", "-q", "--tool=callgrind", "--instr-atstart=no", out, *command]
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
        )
        assert self.process.stdout is not None
        if self.process.stdout.readline().strip() != "ready":
            raise SystemExit(f"{name}: the worker did not start")

    def ask(self, line: str, items: int, count: bool) -> float:
        """Run the batch `line` of `items`: the worker's CPU µs per item, or, with `count` (under
        callgrind), the instructions per item."""
        assert self.process.stdin is not None and self.process.stdout is not None
        if count:
            self._control("--instr=on")
            self._control("--zero")
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline()
        if not answer:
            raise SystemExit(f"{self.name}: the worker stopped")
        if not count:
            return float(json.loads(answer))
        self._control("--dump")
        self._control("--instr=off")
        dump = max(glob.glob(f"{self.dumps}/out.*"), key=os.path.getmtime)
        found = re.search(r"^totals: (\d+)", Path(dump).read_text(), re.MULTILINE)
        assert found is not None, dump
        return int(found.group(1)) / items

    def _control(self, option: str) -> None:
        command = ["callgrind_control", option, str(self.process.pid)]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=600)
        if self.dumps:
            shutil.rmtree(self.dumps, ignore_errors=True)
