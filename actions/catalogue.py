"""The move catalogue: competencies, moves, their default points, trust and feedback.

Kept as data in ``data/catalogue/moves.yml`` (the machine-readable copy of
shared/spec/moves.md); this module only loads and exposes it.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Mapping

import yaml

from actions.settings import get_settings


@dataclass(frozen=True)
class Move:
    id: str
    kind: str  # constructive | neutral | harmful
    effect: Mapping[str, int]
    trust: int
    feedback: Mapping[str, str]


@dataclass(frozen=True)
class Catalogue:
    competencies: Mapping[str, Mapping[str, str]]  # id -> language -> name
    moves: Mapping[str, Move]
    fallback_moves: frozenset[str]

    def competency_name(self, competency: str, language: str) -> str:
        names = self.competencies[competency]
        return names.get(language) or names["en"]

    def is_move(self, move_id: str) -> bool:
        return move_id in self.moves


def load_catalogue(path: Path) -> Catalogue:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    competencies = {cid: entry["name"] for cid, entry in raw["competencies"].items()}
    moves = {}
    for move_id, entry in raw["moves"].items():
        unknown = set(entry["effect"]) - set(competencies)
        if unknown:
            raise ValueError(f"{path}: move {move_id!r} scores unknown competencies {sorted(unknown)}")
        moves[move_id] = Move(move_id, entry["kind"], dict(entry["effect"]), int(entry["trust"]), dict(entry["feedback"]))
    return Catalogue(competencies, moves, frozenset(raw["fallback_moves"]))


@lru_cache(maxsize=1)
def get_catalogue() -> Catalogue:
    return load_catalogue(get_settings().data_dir / "catalogue" / "moves.yml")
