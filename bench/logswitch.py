"""`turnout serve` whose access log SIGUSR1 switches off and on: the access-log pair of make bench.

    python -m bench.logswitch serve --port N      # as `turnout serve`; starts with the log on

Why one process and not two (one with TURNOUT_ACCESS_LOG=off): two server processes alike in
everything ran apart by themselves. With the log off on both, one ran 6% cheaper per request than
the other over six alternated rounds, and another pair, log on against off, 15% dearer over eight,
while the log's own instructions are under 1% of a request's (bench.layers --callgrind). A process
measured against itself has no such offset. Off here is what TURNOUT_ACCESS_LOG=off does: the
logger's level above INFO, so AccessLog passes each request straight through.
"""

from __future__ import annotations

import logging
import signal
import sys

from turnout.__main__ import main

ACCESS = logging.getLogger("turnout.access")


def switch(_signum: int, _frame: object) -> None:
    ACCESS.setLevel(logging.WARNING if ACCESS.level == logging.INFO else logging.INFO)


if __name__ == "__main__":
    signal.signal(signal.SIGUSR1, switch)  # before serving: no request sees the default action
    sys.exit(main(sys.argv[1:]))
