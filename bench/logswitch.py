"""`turnout serve` whose access log SIGUSR1 switches off and on: the access-log pair of make bench.

    python -m bench.logswitch serve --port N      # as `turnout serve`; starts with the log on

Why one process and not two (one with TURNOUT_ACCESS_LOG=off): a pair of server processes could not
resolve the 5% the log is held to on this host. It measured the same code at 2.9%, 3.0% and 5.6% in
three quiet runs, and bench.versus (two processes again) at 7%, while the log's own instructions
are under 1% of a request (bench.layers --callgrind; docs/PERFORMANCE.md "The access log's
measure"). A process measured against itself carries no offset of its own. Off here is what
TURNOUT_ACCESS_LOG=off does: the logger's level above INFO, so AccessLog passes each request
straight through.
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
