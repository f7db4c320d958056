"""``qser graph <scenario>``: a picture of a scenario - steps, moves on the edges, endings highlighted.

Drawn with graphviz (the Python package writes the DOT source; Debian's ``dot``
program renders SVG and PNG).
"""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import graphviz

from actions.catalogue import Catalogue
from actions.scenarios import Scenario, text_in

ENDING_COLOURS = {"resolved": "#2e7d32", "unresolved": "#ef6c00", "client_leaves": "#c62828"}


def scenario_graph(scenario: Scenario, catalogue: Catalogue, language: str = "en") -> graphviz.Digraph:
    graph = graphviz.Digraph(scenario.id, graph_attr={
        "label": f"{text_in(scenario.title, language)} ({scenario.id})", "labelloc": "t", "fontsize": "20",
        "rankdir": "TB", "fontname": "Helvetica", "nodesep": "0.4", "ranksep": "0.6"},
        node_attr={"fontname": "Helvetica", "fontsize": "11"}, edge_attr={"fontname": "Helvetica", "fontsize": "9"})
    for step in scenario.steps.values():
        start = step.id == scenario.start
        graph.node(step.id, f"{step.id}\n{'(start) ' if start else ''}{'★ debrief' if step.note else ''}".strip(),
                   shape="box", style="rounded,filled" + (",bold" if start else ""),
                   fillcolor="#e3f2fd" if start else "#fafafa", penwidth="2" if start else "1")
    for ending in scenario.endings.values():
        colour = ENDING_COLOURS[ending.type]
        graph.node(ending.id, f"{ending.id}\n[{ending.type}]", shape="doubleoctagon", style="filled",
                   fillcolor=colour, fontcolor="white", color=colour)
    graph.node("_leave", f"trust ≤ {scenario.leave_at}", shape="plaintext", fontcolor=ENDING_COLOURS["client_leaves"])
    graph.edge("_leave", scenario.leave_ending, style="dotted", color=ENDING_COLOURS["client_leaves"])

    for step in scenario.steps.values():
        by_target: dict[str, list[str]] = defaultdict(list)
        for move, transition in step.moves.items():
            by_target[transition.next].append(move)
        by_target[step.otherwise.next].append("(otherwise)")
        for target, moves in by_target.items():
            harmful = [m for m in moves if m in catalogue.moves and catalogue.moves[m].kind == "harmful"]
            only_harmful = len(harmful) == len(moves)
            graph.edge(step.id, target, label=_wrap(moves), color="#c62828" if only_harmful else "#37474f",
                       fontcolor="#c62828" if only_harmful else "#263238", style="dashed" if target == step.id else "solid")
    return graph


def _wrap(moves: list[str], per_line: int = 2) -> str:
    return "\n".join(", ".join(moves[i:i + per_line]) for i in range(0, len(moves), per_line))


def render(scenario: Scenario, catalogue: Catalogue, out_dir: Path, language: str = "en") -> list[Path]:
    """Write <id>.svg and <id>.png into out_dir; return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    graph = scenario_graph(scenario, catalogue, language)
    written = []
    for fmt in ("svg", "png"):
        target = out_dir / f"{scenario.id}.{fmt}"
        target.write_bytes(graph.pipe(format=fmt, **({"renderer": "cairo"} if fmt == "png" else {})))
        written.append(target)
    return written
