"""Benchmark: per-turn latency and throughput through the REST channel, with concurrent trainees.

Each virtual trainee plays real scenario turns (the respectful path of the
library scenarios) and starts again when the scenario ends; only employee turns
are timed. With several Rasa servers (``--replicas``, or several ``--url``) the
messages go to them in turn, as a load balancer spreads them, so each
conversation's turns land on all of them. With ``--plain`` it just sends the
same lines to any Rasa bot (for a reference run against a bare ``rasa init`` bot).
"""
from __future__ import annotations

import asyncio
import itertools
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Iterator

import httpx

from bot.scripted_lines import LINES, PATHS

BENCH_PORTS = (5405, 5455)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


async def _trainee(client: httpx.AsyncClient, urls: Iterator[str], plain: bool, budget: list[int],
                   latencies: list[float], errors: list[str]) -> None:
    scripts = itertools.cycle(sorted(PATHS.items()))
    while budget[0] > 0:
        scenario_id, paths = next(scripts)
        sender = f"bench-{uuid.uuid4().hex[:10]}"  # a trainee per attempt: a session's length, not the run's
        if not plain:
            await client.post(next(urls), json={"sender": sender, "message": f"/scenario {scenario_id}"})
        for move in paths["good"]:
            if budget[0] <= 0:
                return
            budget[0] -= 1
            started = time.perf_counter()
            response = await client.post(next(urls), json={"sender": sender, "message": LINES[move]})
            latencies.append(time.perf_counter() - started)
            if response.status_code != 200 or not response.json():
                errors.append(f"{response.status_code}: {response.text[:100]}")


async def measure(urls: list[str], users: int, turns: int, plain: bool = False) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    budget = [turns]
    limits = httpx.Limits(max_connections=users * len(urls), max_keepalive_connections=users * len(urls))
    spread = itertools.cycle(urls)  # round robin over the Rasa servers, message by message
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        for url in urls:  # warm-up: one turn per server, not counted
            await client.post(url, json={"sender": "bench-warmup", "message": LINES["greet"]})
        started = time.perf_counter()
        await asyncio.gather(*(_trainee(client, spread, plain, budget, latencies, errors) for _ in range(users)))
        elapsed = time.perf_counter() - started
    return {
        "users": users, "servers": len(urls), "turns": len(latencies), "errors": len(errors),
        "p50_ms": 1000 * statistics.median(latencies), "p95_ms": 1000 * _percentile(latencies, 0.95),
        "max_ms": 1000 * max(latencies), "turns_per_s": len(latencies) / elapsed,
    }


def _rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, from /proc."""
    total = 0
    for status in [Path(f"/proc/{pid}/status")] + list(Path(f"/proc/{pid}/task").glob("*/children")):
        if status.name == "children":
            for child in status.read_text().split():
                total += _rss_mb(int(child)) * 1024
            continue
        for line in status.read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024


def _report(label: str, result: dict) -> None:
    print(f"{label}: {result['users']:>2} trainees, {result['servers']} Rasa server(s), {result['turns']} turns, "
          f"p50 {result['p50_ms']:.0f} ms, "
          f"p95 {result['p95_ms']:.0f} ms, max {result['max_ms']:.0f} ms, {result['turns_per_s']:.1f} turns/s, "
          f"errors {result['errors']}", flush=True)


def main(args) -> int:
    label = "plain bot" if args.plain else "qser"
    if args.url:
        for users in args.users:
            _report(label, asyncio.run(measure(args.url, users, args.turns, args.plain)))
        if args.rasa_pid:
            print(f"Rasa server resident memory: {_rss_mb(args.rasa_pid):.0f} MB")
        return 0

    from bot.model import ensure_model
    from bot.stack import Stack

    database_url = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='qser-bench-')}/qser.db"
    ports = [(BENCH_PORTS[0] + i, BENCH_PORTS[1] + i) for i in range(args.replicas)]
    print(f"starting {args.replicas} replica(s) on {database_url.split('@')[-1]} ...", flush=True)
    with Stack(ensure_model(), database_url=database_url, replica_ports=ports,
               lock_store_url=args.lock_store_url) as stack:
        for users in args.users:
            _report(label, asyncio.run(measure(stack.webhook_urls, users, args.turns, args.plain)))
        for replica in stack.replicas:
            print(f"Rasa server :{replica.rasa_port} resident memory: {_rss_mb(replica.rasa.process.pid):.0f} MB; "
                  f"action server :{replica.actions_port}: {_rss_mb(replica.actions.process.pid):.0f} MB")
    return 0
