"""The debrief at the end of an attempt: scores, what went well, what to improve, a model answer, what next."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from actions.catalogue import Catalogue
from actions.engine import competency_scores, total_score
from actions.messages import t
from actions.scenarios import Scenario, text_in
from actions.store.models import Turn

QUOTE_CHARS = 160


@dataclass(frozen=True)
class Debrief:
    scores: dict[str, int]
    total: int
    text: str
    suggestion: str | None  # scenario id


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - 1] + "…"


def _turn_value(turn: Turn) -> int:
    return sum(turn.points.values())


def suggest_next(scenario: Scenario, weakest: str | None, others: Sequence[Scenario]) -> Scenario | None:
    """Another scenario that trains the weakest competency most (relative to its other targets)."""
    candidates = [s for s in others if s.id != scenario.id]
    if not candidates:
        return None
    if weakest is None:
        return min(candidates, key=lambda s: (s.difficulty, s.id))

    def weight(s: Scenario) -> float:
        return s.targets.get(weakest, 0) / sum(s.targets.values())

    return max(candidates, key=lambda s: (weight(s), -s.difficulty, s.id))


def build_debrief(
    scenario: Scenario,
    catalogue: Catalogue,
    turns: Sequence[Turn],
    raw_points: dict[str, int],
    ending_id: str,
    ending_type: str,
    language: str,
    library: Sequence[Scenario],
) -> Debrief:
    scores = competency_scores(scenario, raw_points)
    total = total_score(scenario, scores)
    lines = [t(language, "debrief_title", title=text_in(scenario.title, language)),
             t(language, "debrief_ending", ending=t(language, f"ending_{ending_type}"))]
    ending = scenario.endings.get(ending_id)
    if ending is not None:
        lines.append(text_in(ending.debrief, language))
    lines.append(t(language, "debrief_scores"))
    for competency, score in scores.items():
        lines.append(t(language, "debrief_score_line", name=catalogue.competency_name(competency, language), score=score))
    lines.append(t(language, "debrief_total", total=total))

    scored = [turn for turn in turns if turn.move not in catalogue.fallback_moves]
    if not scored:
        lines.append(t(language, "debrief_no_turns"))
    else:
        best = max(scored, key=lambda turn: (_turn_value(turn), -turn.index))
        weakest_turn = min(scored, key=lambda turn: (_turn_value(turn), turn.index))
        if _turn_value(best) > 0:
            lines.append(t(language, "debrief_well"))
            lines.append(t(language, "debrief_quote", text=_quote(best.employee_text), reason=best.feedback))
        if weakest_turn is not best or _turn_value(weakest_turn) <= 0:
            lines.append(t(language, "debrief_improve"))
            lines.append(t(language, "debrief_quote", text=_quote(weakest_turn.employee_text), reason=weakest_turn.feedback))
            step = scenario.steps.get(weakest_turn.step)
            if step is not None and step.model_answer:
                lines.append(t(language, "debrief_model", answer=text_in(step.model_answer, language)))
                lines.append(t(language, "debrief_note", note=text_in(step.note, language)))

    weakest = min(scores, key=lambda c: (scores[c], c)) if scores else None
    suggestion = suggest_next(scenario, weakest, library)
    if suggestion is not None and weakest is not None:
        lines.append(t(language, "debrief_next", title=text_in(suggestion.title, language), id=suggestion.id,
                       competency=catalogue.competency_name(weakest, language)))
    return Debrief(scores, total, "\n".join(lines), suggestion.id if suggestion else None)
