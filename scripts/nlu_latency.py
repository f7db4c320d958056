"""Parse latency and memory of one Rasa NLU model (run with the Rasa environment's Python).

Usage: .venv-rasa/bin/python scripts/nlu_latency.py MODEL.tar.gz HELDOUT.yml
Prints one JSON line: p50_ms, p95_ms, rss_mb (after loading the model and parsing).
"""
import asyncio
import json
import resource
import statistics
import sys
import time

import yaml
from rasa.core.agent import Agent


async def main(model: str, heldout: str) -> None:
    agent = Agent.load(model)
    examples = [line[2:].strip() for item in yaml.safe_load(open(heldout, encoding="utf-8"))["nlu"]
                for line in item["examples"].splitlines() if line.startswith("- ")]
    for text in examples[:20]:  # warm-up
        await agent.parse_message(text)
    times = []
    for text in examples:
        started = time.perf_counter()
        await agent.parse_message(text)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    print(json.dumps({"p50_ms": round(statistics.median(times), 2), "p95_ms": round(times[int(0.95 * len(times)) - 1], 2),
                      "rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024), "parsed": len(times)}))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
