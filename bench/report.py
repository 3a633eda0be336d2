"""The benchmark's outputs: a Markdown table, the raw JSON and a PNG chart."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def ratio(result: dict[str, dict[str, Any]]) -> float:
    return float(result["turnout"]["rps"] / result["ceiling"]["rps"])


def table(results: dict[str, dict[str, Any]]) -> str:
    lines = [
        "| scenario | turnout req/s | p50 / p99 ms | ceiling req/s | p50 / p99 ms | × ceiling "
        "| CPU µs/req turnout / ceiling |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for scenario, r in results.items():
        t, c = r["turnout"], r["ceiling"]
        lines.append(
            f"| {scenario} | {t['rps']:,.0f} | {t['p50_ms']:.1f} / {t['p99_ms']:.1f} | {c['rps']:,.0f} "
            f"| {c['p50_ms']:.1f} / {c['p99_ms']:.1f} | {ratio(r):.2f} "
            f"| {t.get('cpu_us', 0):.0f} / {c.get('cpu_us', 0):.0f} |"
        )
    return "\n".join(lines)


def access_log_line(runs: dict[str, list[dict[str, Any]]]) -> str:
    """What the access log costs on new_upserts: one server, its log switched on and off."""
    if not runs.get("on") or not runs.get("off"):
        return ""
    return f"Access log on new_upserts (one server, log on vs off): {_pair_cost(runs['on'], runs['off'])}"


def outbox_line(runs: dict[str, list[dict[str, Any]]]) -> str:
    """The outbox's pair as one sentence, as the access log's."""
    if not runs.get("none") or not runs.get("one"):
        return ""
    return (
        "Outbox on new_upserts (one endpoint for `*` vs none, dispatcher off, one server): "
        + _pair_cost(runs["one"], runs["none"])
    )


def _pair_cost(dear: list[dict[str, Any]], cheap: list[dict[str, Any]]) -> str:
    """The cost of `dear` over `cheap`, run i of each measured back to back: the median over the
    pairs of the throughput lost and of the server CPU added per request. A pair's two runs are
    neighbours in time, so each pair sees nearly the same machine; the middle half of the pairs'
    throughput costs is said beside, as the measure's own spread."""
    lost = sorted(1 - d["rps"] / c["rps"] for d, c in zip(dear, cheap, strict=True))
    added = [d["cpu_us"] / c["cpu_us"] - 1 for d, c in zip(dear, cheap, strict=True)]
    quarter = len(lost) // 4
    spread = (
        f"; middle half of pairs {lost[quarter]:.1%} to {lost[-1 - quarter]:.1%}" if quarter else ""
    )
    return (
        f"median of {len(lost)} alternated pairs: {_median([d['rps'] for d in dear]):,.0f} vs "
        f"{_median([c['rps'] for c in cheap]):,.0f} req/s, cost {_median(lost):.1%} of throughput"
        f"{spread}; server CPU {_median([d['cpu_us'] for d in dear]):.0f} vs "
        f"{_median([c['cpu_us'] for c in cheap]):.0f} µs/request ({_median(added):+.1%})."
    )


def _runs(mode: dict[str, Any]) -> str:
    return (
        f"each side of a scenario run {mode['rounds']} times, alternated, the run of median req/s "
        f"shown; {mode['seconds']} s per run after {mode['warmup']} s of warm-up"
    )


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def write(
    out: Path,
    machine: dict[str, Any],
    results: dict[str, dict[str, Any]],
    mode: dict[str, Any],
    access_log: dict[str, list[dict[str, Any]]],
    outbox: dict[str, list[dict[str, Any]]],
) -> None:
    data = {
        "machine": machine,
        "mode": mode,
        "results": results,
        "access_log": access_log,
        "outbox": outbox,
    }
    (out / "results.json").write_text(json.dumps(data, indent=2))
    (out / "results.md").write_text(
        f"Measured {machine['date']} on {machine['cores']} × {machine['cpu']}, {machine['memory_gib']} GiB; "
        f"Python {machine['python']}, SQLite {machine['sqlite']}; {machine['load']}; "
        f"{_runs(mode)}.\n\n{table(results)}\n\n"
        f"{access_log_line(access_log)}\n\n{outbox_line(outbox)}\n"
    )
    chart(out / "chart.png", results)


def chart(path: Path, results: dict[str, dict[str, Any]]) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("bench: matplotlib is not installed; no chart (make bench installs it)")
        return
    names = list(results)
    x = range(len(names))
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(11, 7), sharex=True)
    width = 0.4
    for offset, who, colour in (
        (-width / 2, "turnout", "#2b6cb0"),
        (width / 2, "ceiling", "#a0aec0"),
    ):
        top.bar(
            [i + offset for i in x],
            [results[n][who]["rps"] for n in names],
            width,
            label=who,
            color=colour,
        )
        bottom.bar(
            [i + offset for i in x], [results[n][who]["p99_ms"] for n in names], width, color=colour
        )
    top.set_ylabel("requests / s")
    top.legend()
    bottom.set_ylabel("p99 latency, ms")
    bottom.set_xticks(list(x), names, rotation=30, ha="right")
    top.set_title("turnout beside its ceiling (same SQL, raw ASGI), same machine, same run")
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def postgres_table(results: dict[str, dict[str, Any]], pgbench: dict[str, Any]) -> str:
    lines = [
        "| scenario | 1 worker req/s | p50 / p99 ms | 2 workers req/s | p50 / p99 ms | × pgbench |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for scenario, r in results.items():
        one, two = r["turnout_1w"], r["turnout_2w"]
        versus = (
            f"{one['rps'] / pgbench['rps']:.2f} / {two['rps'] / pgbench['rps']:.2f}"
            if scenario == "new_upserts"
            else ""
        )
        lines.append(
            f"| {scenario} | {one['rps']:,.0f} | {one['p50_ms']:.1f} / {one['p99_ms']:.1f} | {two['rps']:,.0f} "
            f"| {two['p50_ms']:.1f} / {two['p99_ms']:.1f} | {versus} |"
        )
    lines.append(
        f"| pgbench, the new_upserts transaction | {pgbench['rps']:,.0f} tps | | | | 1.00 |"
    )
    return "\n".join(lines)


def write_postgres(
    out: Path,
    machine: dict[str, Any],
    results: dict[str, dict[str, Any]],
    pgbench: dict[str, Any],
    mode: dict[str, Any],
    outbox: dict[str, list[dict[str, Any]]],
) -> None:
    data = {
        "machine": machine,
        "mode": mode,
        "results": results,
        "pgbench": pgbench,
        "outbox": outbox,
    }
    (out / "results-postgres.json").write_text(json.dumps(data, indent=2))
    (out / "results-postgres.md").write_text(
        f"Measured {machine['date']} on {machine['cores']} × {machine['cpu']}; PostgreSQL "
        f"{machine.get('postgres')}; {machine['load']}; pgbench -M prepared with as many clients; "
        f"{_runs(mode)}.\n\n{postgres_table(results, pgbench)}\n\n"
        f"{outbox_line(outbox)}\n"
    )
