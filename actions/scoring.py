"""Text features scored besides the move: unexplained jargon, message length, using the client's
name and, with an interpreter in the scene, talking about the client instead of to them.

The lexicons (``data/lexicon/jargon.<lang>.yml``) and the thresholds
(``features`` in ``data/catalogue/moves.yml``) are data; this module applies them.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Mapping

import yaml

from actions.settings import get_settings

COMPETENCIES = ("respect", "empathy", "clarity", "openness", "language_access", "service")
_SENTENCE_END = re.compile(r"[.!?;;。]+(?:\s|$)")
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Lexicon:
    language: str
    terms: tuple[str, ...]
    explain_markers: tuple[str, ...]
    third_person_markers: tuple[str, ...] = ()

    @property
    def patterns(self) -> Mapping[str, re.Pattern]:
        return _term_patterns(self.terms)


def fold_accents(text: str) -> str:
    """Text without accents ("ΑΜΚΑ", "padrón" -> "padron"): people type Greek and Spanish both ways."""
    return unicodedata.normalize("NFC", "".join(
        c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)))


@lru_cache(maxsize=16)
def _term_patterns(terms: tuple[str, ...]) -> Mapping[str, re.Pattern]:
    """Patterns matched against accent-folded text."""
    patterns = {}
    for term in terms:
        # Acronyms (all capitals) match case-sensitively, so "Kea" the name is not "KEA".
        flags = 0 if term.isupper() else re.IGNORECASE
        patterns[term] = re.compile(rf"(?<!\w){re.escape(fold_accents(term))}(?!\w)", flags)
    return patterns


@dataclass(frozen=True)
class FeatureRules:
    jargon_points: Mapping[str, int]
    jargon_max_terms: int
    long_max_sentences: int
    long_max_words: int
    long_points: Mapping[str, int]
    name_points: Mapping[str, int]
    third_person_points: Mapping[str, int]


@dataclass
class FeatureResult:
    points: dict[str, int] = field(default_factory=dict)
    notes: list[tuple[str, dict]] = field(default_factory=list)  # (message key, parameters)
    jargon: list[str] = field(default_factory=list)
    newly_explained: list[str] = field(default_factory=list)
    used_name: bool = False
    long_message: bool = False
    talks_about_client: bool = False


def add_points(total: dict[str, int], extra: Mapping[str, int]) -> dict[str, int]:
    for competency, value in extra.items():
        total[competency] = total.get(competency, 0) + value
    return total


def load_lexicon(path: Path) -> Lexicon:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Lexicon(raw["language"], tuple(raw["terms"]), tuple(fold_accents(m).lower() for m in raw["explain_markers"]),
                   tuple(fold_accents(m).lower() for m in raw.get("third_person_markers", ())))


@lru_cache(maxsize=8)
def get_lexicon(language: str) -> Lexicon:
    path = get_settings().data_dir / "lexicon" / f"jargon.{language}.yml"
    if not path.exists():
        path = get_settings().data_dir / "lexicon" / "jargon.en.yml"
    return load_lexicon(path)


def load_feature_rules(catalogue_path: Path) -> FeatureRules:
    raw = yaml.safe_load(catalogue_path.read_text(encoding="utf-8"))["features"]
    return FeatureRules(
        jargon_points=raw["jargon"]["points_per_term"],
        jargon_max_terms=raw["jargon"]["max_terms_per_turn"],
        long_max_sentences=raw["long_message"]["max_sentences"],
        long_max_words=raw["long_message"]["max_words"],
        long_points=raw["long_message"]["points"],
        name_points=raw["uses_name"]["points"],
        third_person_points=raw["third_person"]["points"],
    )


@lru_cache(maxsize=1)
def get_feature_rules() -> FeatureRules:
    return load_feature_rules(get_settings().data_dir / "catalogue" / "moves.yml")


def _explained_here(text: str, match: re.Match, markers: Iterable[str]) -> bool:
    rest = text[match.end():]
    sentence_rest = _SENTENCE_END.split(rest, maxsplit=1)[0].lower()
    window = sentence_rest[:60]
    return any(window.lstrip().startswith(m) or f" {m}" in window or (m == "(" and m in window) for m in markers)


def name_tokens(full_name: str) -> tuple[str, ...]:
    return tuple(t for t in _WORD.findall(full_name) if len(t) >= 3)


def text_features(
    text: str,
    lexicon: Lexicon,
    rules: FeatureRules,
    allowed_terms: Iterable[str] = (),
    explained_terms: Iterable[str] = (),
    client_name: str = "",
    name_known: bool = False,
    name_used_before: bool = False,
    interpreter_present: bool = False,
) -> FeatureResult:
    """Score the text of one employee message, independent of its move."""
    result = FeatureResult()
    folded = fold_accents(text)
    free = {fold_accents(t).lower() for t in (*allowed_terms, *explained_terms)}
    for term, pattern in lexicon.patterns.items():
        match = pattern.search(folded)
        if not match or fold_accents(term).lower() in free:
            continue
        if _explained_here(folded, match, lexicon.explain_markers):
            result.newly_explained.append(term)
        else:
            result.jargon.append(term)
    # A longer term ("certificado de empadronamiento") already covers the shorter one inside it.
    result.jargon = [t for t in result.jargon if not any(t != o and t.lower() in o.lower() for o in result.jargon)]
    counted = result.jargon[: rules.jargon_max_terms]
    for _ in counted:
        add_points(result.points, rules.jargon_points)
    if counted:
        result.notes.append(("feature_jargon", {"terms": ", ".join(counted)}))

    sentences = [s for s in _SENTENCE_END.split(text) if _WORD.search(s)]
    words = _WORD.findall(text)
    if len(sentences) > rules.long_max_sentences or len(words) > rules.long_max_words:
        result.long_message = True
        add_points(result.points, rules.long_points)
        result.notes.append(("feature_long", {"sentences": len(sentences), "words": len(words)}))

    if name_known and not name_used_before and client_name:
        lowered = {fold_accents(w).lower() for w in words}
        if any(fold_accents(token).lower() in lowered for token in name_tokens(client_name)):
            result.used_name = True
            add_points(result.points, rules.name_points)
            result.notes.append(("feature_name", {}))

    if interpreter_present:
        lowered_text = f" {folded.lower()} "
        if any(marker in lowered_text for marker in lexicon.third_person_markers):
            result.talks_about_client = True
            add_points(result.points, rules.third_person_points)
            result.notes.append(("feature_third_person", {}))
    return result
