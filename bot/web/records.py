"""What the store holds about one trainee, shaped for the web pages.

The scenario list with the trainee's best scores, the conversation in progress (rebuilt from
its stored turns, so a reload or another device shows it again), and progress over time.
The caller passes the trainee found by the signed-in visitor's pseudonym, so a page only
ever shows that trainee's own records.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from actions.catalogue import Catalogue
from actions.debrief import suggest_next
from actions.engine import opening_lines
from actions.library import ScenarioLibrary
from actions.messages import t
from actions.practice import shorten, situation
from actions.scenarios import Scenario, text_in
from actions.store import repository as repo
from actions.store.models import Attempt, Trainee

RECENT_ATTEMPTS = 10  # the competency averages cover this many recent attempts (as /progress does)


@dataclass(frozen=True)
class ScenarioChoice:
    id: str
    title: str
    area: str
    difficulty: int
    minutes: int
    languages: str
    best: int | None
    where: str
    who: str
    goal: str


def _choice(scenario: Scenario, language: str, best: int | None) -> ScenarioChoice:
    card = situation(scenario, language)
    return ScenarioChoice(scenario.id, text_in(scenario.title, language), scenario.service_area.replace("_", " "),
                          scenario.difficulty, scenario.estimated_minutes, ", ".join(scenario.languages), best,
                          card.get("where", ""), card.get("who", ""), card.get("goal", ""))


def scenario_choices(session: Session, library: ScenarioLibrary, trainee: Trainee | None,
                     language: str) -> list[ScenarioChoice]:
    best = repo.best_scores(session, trainee) if trainee else {}
    return [_choice(s, language, best[s.id].best if s.id in best else None) for s in library.all()]


def conversation(session: Session, library: ScenarioLibrary, trainee: Trainee | None) -> dict[str, Any] | None:
    """The attempt in progress as chat messages (``kind``: you, bot, coach), or None."""
    attempt = repo.active_attempt(session, trainee) if trainee else None
    if attempt is None:
        return None
    scenario = library.version(attempt.scenario_id, attempt.scenario_hash)
    if scenario is None:  # its file is gone: nothing to show, the next message tells the trainee
        return None
    messages = [{"kind": "bot", "text": line} for line in opening_lines(scenario, attempt.language)]
    for turn in repo.turns_of(session, attempt):
        messages.append({"kind": "you", "text": turn.employee_text})
        messages += [{"kind": "bot", "text": line} for line in turn.client_reply.split("\n")]
        if attempt.mode == "coach" and turn.feedback:
            messages.append({"kind": "coach", "text": turn.feedback})
    return {"attempt": attempt.id, "scenario": scenario.id, "title": text_in(scenario.title, attempt.language),
            "messages": messages}


def named_scores(catalogue: Catalogue, scores: dict[str, int], language: str) -> list[tuple[str, int]]:
    """Competency names in ``language`` with their scores, in the catalogue's order."""
    order = list(catalogue.competencies)
    known = sorted((c for c in scores if c in catalogue.competencies), key=order.index)
    return [(catalogue.competency_name(c, language), int(scores[c])) for c in known]


def finished_attempt_scores(session: Session, trainee: Trainee | None, attempt_id: int) -> dict[str, int] | None:
    """The competency scores of one of this trainee's finished attempts (None for anyone else's)."""
    attempt = repo.attempt_of(session, trainee, attempt_id) if trainee else None
    return dict(attempt.scores) if attempt is not None and attempt.scores is not None else None


@dataclass(frozen=True)
class HistoryEntry:
    attempt: int
    ended_at: datetime
    title: str
    ending: str
    total: int


@dataclass(frozen=True)
class BestEntry:
    title: str
    best: int
    attempts: int


@dataclass(frozen=True)
class Suggestion:
    scenario: ScenarioChoice
    competency: str


@dataclass(frozen=True)
class MentorComment:
    text: str  # the comment
    reply: str  # the trainee's reply it is about, shortened
    title: str
    created_at: datetime


@dataclass(frozen=True)
class Progress:
    history: list[HistoryEntry]  # oldest first
    average: int
    best: list[BestEntry]
    competencies: list[tuple[str, int]]  # averages over the RECENT_ATTEMPTS latest
    recent_count: int
    suggestion: Suggestion | None
    comments: list[MentorComment]  # newest first


def _title(library: ScenarioLibrary, attempt: Attempt, language: str) -> str:
    scenario = library.version(attempt.scenario_id, attempt.scenario_hash)
    return text_in(scenario.title, language) if scenario else attempt.scenario_id


def progress(session: Session, library: ScenarioLibrary, catalogue: Catalogue, trainee: Trainee | None,
             language: str) -> Progress | None:
    """None until the trainee has finished an attempt."""
    finished = repo.finished_attempts(session, trainee) if trainee else []  # newest first
    if not finished:
        return None
    history = [HistoryEntry(a.id, a.ended_at, _title(library, a, language), t(language, f"ending_{a.ending_type}"),
                            a.total or 0) for a in reversed(finished)]
    best = []
    for scenario_id, entry in sorted(repo.best_scores(session, trainee).items()):
        scenario = library.get(scenario_id)
        best.append(BestEntry(text_in(scenario.title, language) if scenario else scenario_id, entry.best, entry.attempts))
    recent = finished[:RECENT_ATTEMPTS]
    averages = repo.average_scores(recent)
    return Progress(history, round(sum(e.total for e in history) / len(history)), best,
                    named_scores(catalogue, averages, language), len(recent),
                    _suggestion(library, catalogue, finished[0], averages, language),
                    [MentorComment(c.text, shorten(turn.employee_text), _title(library, attempt, language), c.created_at)
                     for c, turn, attempt in repo.mentor_comments(session, trainee)])


def _suggestion(library: ScenarioLibrary, catalogue: Catalogue, latest: Attempt, averages: dict[str, int],
                language: str) -> Suggestion | None:
    """Like the debrief's: another scenario that trains the weakest competency (here: over recent attempts)."""
    last = library.version(latest.scenario_id, latest.scenario_hash)
    weakest = min(averages, key=lambda c: (averages[c], c)) if averages else None
    if last is None or weakest is None or weakest not in catalogue.competencies:
        return None
    scenario = suggest_next(last, weakest, library.all())
    if scenario is None:
        return None
    return Suggestion(_choice(scenario, language, None), catalogue.competency_name(weakest, language))
