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
    """What the access log costs on new_upserts: the same server with it on and off, alternated."""
    if not runs.get("on") or not runs.get("off"):
        return ""
    on, off = (_median([r["rps"] for r in runs[k]]) for k in ("on", "off"))
    cpu_on, cpu_off = (_median([r["cpu_us"] for r in runs[k]]) for k in ("on", "off"))
    return (
        f"Access log on new_upserts (median of {len(runs['on'])} alternated runs each): on "
        f"{on:,.0f} req/s, off {off:,.0f} req/s, cost {1 - on / off:.1%} of throughput; "
        f"server CPU {cpu_on:.0f} vs {cpu_off:.0f} µs/request ({cpu_on / cpu_off - 1:+.1%})."
    )


def outbox_line(runs: dict[str, list[dict[str, Any]]]) -> str:
    """The pair as one sentence: medians of the alternated runs, the cost in throughput and CPU."""
    if not runs.get("none") or not runs.get("one"):
        return ""
    none, one = (_median([r["rps"] for r in runs[k]]) for k in ("none", "one"))
    cpu_none, cpu_one = (_median([r["cpu_us"] for r in runs[k]]) for k in ("none", "one"))
    return (
        f"Outbox on new_upserts (one endpoint for `*` vs none, dispatcher off, median of "
        f"{len(runs['one'])} alternated runs each): {one:,.0f} vs {none:,.0f} req/s, cost "
        f"{1 - one / none:.1%} of throughput; server CPU {cpu_one:.0f} vs {cpu_none:.0f} µs/request "
        f"({cpu_one - cpu_none:+.0f} µs, {cpu_one / cpu_none - 1:+.1%})."
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
        f"{mode['seconds']} s per run after {mode['warmup']} s of warm-up.\n\n{table(results)}\n\n"
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
        f"{mode['seconds']} s per run.\n\n{postgres_table(results, pgbench)}\n\n"
        f"{outbox_line(outbox)}\n"
    )
