"""The scenario engine: one employee turn in, the client's reaction out.

Plain Python, no Rasa import, so it is unit-testable and usable by the CLI.
Given the scenario, the attempt's state, the move the NLU recognised and the
employee's text, ``play_turn`` returns the client's lines, the next step, the
points per competency, the new trust and, when the conversation ends, the ending.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any, Mapping

from actions.catalogue import Catalogue
from actions.scenarios import Ending, Scenario, text_in
from actions.scoring import COMPETENCIES, FeatureResult, FeatureRules, Lexicon, add_points, text_features


@dataclass(frozen=True)
class AttemptState:
    """Everything the engine needs to continue an attempt; stored as JSON with the attempt."""

    step: str
    trust: int
    turn: int = 0
    name_known: bool = False
    name_used: bool = False
    explained_terms: tuple[str, ...] = ()
    not_understood_count: int = 0
    interpreter_reminded: bool = False
    ending: str | None = None

    @property
    def done(self) -> bool:
        return self.ending is not None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "AttemptState":
        data = dict(data)
        data["explained_terms"] = tuple(data.get("explained_terms", ()))
        return cls(**data)


@dataclass(frozen=True)
class TurnOutcome:
    move: str
    step: str  # the step the employee answered
    next_step: str  # the step (or ending) that follows
    points: dict[str, int]
    move_points: dict[str, int]
    trust: int
    trust_delta: int
    client_lines: list[str]
    move_feedback: str
    features: FeatureResult
    state: AttemptState
    ending: Ending | None = None
    understood: bool = True
    notes: list[tuple[str, dict]] = field(default_factory=list)


def start_state(scenario: Scenario) -> AttemptState:
    return AttemptState(step=scenario.start, trust=scenario.trust_start)


def opening_lines(scenario: Scenario, language: str) -> list[str]:
    return [text_in(scenario.steps[scenario.start].client, language)]


def _step_line(scenario: Scenario, step_id: str, trust: int, language: str) -> str:
    step = scenario.steps[step_id]
    wary = step.client_wary is not None and trust <= scenario.trust_max / 2
    return text_in(step.client_wary if wary else step.client, language)


def play_turn(
    scenario: Scenario,
    catalogue: Catalogue,
    lexicon: Lexicon,
    rules: FeatureRules,
    state: AttemptState,
    move: str,
    text: str,
    language: str,
) -> TurnOutcome:
    """Play one employee turn. Unknown or fallback moves get an in-character "I don't understand"."""
    if state.done:
        raise ValueError("the attempt has already ended")
    step = scenario.steps[state.step]
    turn = state.turn + 1

    if move in catalogue.fallback_moves or not catalogue.is_move(move):
        line = scenario.not_understood[state.not_understood_count % len(scenario.not_understood)]
        new_state = replace(state, turn=turn, not_understood_count=state.not_understood_count + 1)
        new_state = _end_if_too_long(scenario, new_state)
        lines = [text_in(line, language)]
        ending = scenario.endings.get(new_state.ending) if new_state.ending else None
        if ending:
            lines.append(text_in(ending.client, language))
        return TurnOutcome(move, step.id, new_state.ending or step.id, {}, {}, state.trust, 0, lines, "",
                           FeatureResult(), new_state, ending, understood=False)

    transition = step.transition_for(move)
    definition = catalogue.moves[move]
    move_points = dict(transition.points if transition.points is not None else definition.effect)
    trust_delta = transition.trust if transition.trust is not None else definition.trust
    features = text_features(
        text, lexicon, rules,
        allowed_terms=step.allowed_terms,
        explained_terms=state.explained_terms,
        client_name=" ".join((scenario.persona_name, *scenario.name_variants)),
        name_known=state.name_known,
        name_used_before=state.name_used,
        interpreter_present=scenario.interpreter is not None,
    )
    points = add_points(dict(move_points), features.points)
    points = {c: v for c, v in points.items() if v}
    trust = max(0, min(scenario.trust_max, state.trust + trust_delta))

    next_id = transition.next
    if trust <= scenario.leave_at:
        next_id = scenario.leave_ending

    lines = [text_in(transition.say, language)] if transition.say else []
    remind = features.talks_about_client and not state.interpreter_reminded
    if remind:  # the interpreter steps in once, in character, before the client answers
        lines.insert(0, text_in(scenario.interpreter.reminder, language))
    ending = scenario.endings.get(next_id)
    if ending is not None:
        lines.append(text_in(ending.client, language))
    elif next_id != step.id or not transition.say:
        lines.append(_step_line(scenario, next_id, trust, language))

    new_state = replace(
        state,
        step=next_id if ending is None else step.id,
        trust=trust,
        turn=turn,
        name_known=state.name_known or transition.reveals_name,
        name_used=state.name_used or features.used_name,
        explained_terms=state.explained_terms + tuple(features.newly_explained),
        interpreter_reminded=state.interpreter_reminded or remind,
        ending=ending.id if ending else None,
    )
    if ending is None:
        new_state = _end_if_too_long(scenario, new_state)
        ending = scenario.endings.get(new_state.ending) if new_state.ending else None
        if ending:
            lines.append(text_in(ending.client, language))
    feedback = text_in(transition.feedback, language) if transition.feedback else text_in(definition.feedback, language)
    return TurnOutcome(move, step.id, ending.id if ending else next_id, points, move_points, trust, trust - state.trust,
                       lines, feedback, features, new_state, ending)


def _end_if_too_long(scenario: Scenario, state: AttemptState) -> AttemptState:
    """After max_turns the client goes (an unresolved or leaving ending) and the debrief follows."""
    if state.turn < scenario.max_turns or state.done:
        return state
    unresolved = [e.id for e in scenario.endings.values() if e.type == "unresolved"]
    return replace(state, ending=unresolved[0] if unresolved else scenario.leave_ending)


# --- scores -------------------------------------------------------------------

def competency_scores(scenario: Scenario, raw_points: Mapping[str, int]) -> dict[str, int]:
    """0-100 per competency: the targeted ones always, others only if the trainee gained or lost points there.

    A targeted competency scores raw / target * 100 (clamped); an untargeted one uses a
    default target of 4 points.
    """
    scores = {}
    for competency in COMPETENCIES:
        target = scenario.targets.get(competency)
        raw = raw_points.get(competency, 0)
        if target is None and raw == 0:
            continue
        scores[competency] = max(0, min(100, round(100 * raw / (target or 4))))
    return scores


def total_score(scenario: Scenario, scores: Mapping[str, int]) -> int:
    targeted = [scores[c] for c in scenario.targets if c in scores]
    return round(sum(targeted) / len(targeted)) if targeted else 0
