"""A trainee's practice session: commands, client turns, hints and debriefs.

This is what the Rasa actions call (in a worker thread, see ``actions/rasa_adapter.py``).
It is plain Python over the engine, the scenario library and the store, so the
same code serves every channel and the tests can drive it directly. Every method
takes the trainee's pseudonymous id and returns the replies to send.
"""
from __future__ import annotations

import json
import re
import time
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Callable

from sqlalchemy.orm import Session

from actions.catalogue import Catalogue, get_catalogue
from actions.debrief import Debrief, build_debrief
from actions.engine import AttemptState, opening_lines, play_turn, start_state
from actions.library import ScenarioLibrary, get_library
from actions.messages import t
from actions.scenarios import Scenario, text_in
from actions.scoring import get_feature_rules, get_lexicon
from actions.settings import LANGUAGES, MODES, get_settings, language_from_tag
from actions.store import repository as repo
from actions.store.db import unit_of_work
from actions.store.erasure import clear_audit_targets, erase_practice, erase_tracker_once_saved, practice_record
from actions.store.models import Attempt, Trainee, Turn, utcnow

_COMMAND = re.compile(r"^/(?P<name>[A-Za-z_]+)(?:@\w+)?(?P<rest>.*)$", re.DOTALL)
_SCENARIO_ID = re.compile(r"^[a-z][a-z0-9_]{2,48}$")
_ECHO_CHARS = 40
PROGRESS_COMMENTS = 5  # the latest mentor comments /progress shows
_ANSI_ESCAPE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")


@dataclass
class Reply:
    text: str | None = None
    buttons: list[dict[str, str]] = field(default_factory=list)
    custom: dict[str, Any] | None = None


@dataclass(frozen=True)
class CleanText:
    text: str
    length: int  # as sent
    capped_at: int | None


def clean_text(text: str | None, cap: int) -> CleanText:
    """Drop control characters and terminal escapes (keeping line breaks and tabs) and cap the length."""
    raw = text or ""
    cleaned = "".join(ch for ch in _ANSI_ESCAPE.sub("", raw) if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co"))
    cleaned = unicodedata.normalize("NFC", cleaned).strip()
    if len(cleaned) > cap:
        return CleanText(cleaned[:cap], len(raw), cap)
    return CleanText(cleaned, len(raw), None)


def parse_command(text: str) -> tuple[str, str] | None:
    """``/name arg`` or a button payload ``/name{"entity": "value"}`` -> (name, arg)."""
    match = _COMMAND.match(text.strip())
    if not match:
        return None
    name, rest = match["name"].lower(), match["rest"].strip()
    if rest.startswith("{"):
        try:
            values = json.loads(rest)
            rest = str(next(iter(values.values()), "")) if isinstance(values, dict) else ""
        except (json.JSONDecodeError, StopIteration):
            rest = ""
    return name, rest


def _abandon(attempt: Attempt) -> None:
    """Close an unfinished attempt without a debrief (a new start or a restart replaces it)."""
    attempt.ended_at = utcnow()
    attempt.ending_type = "abandoned"


def situation(scenario: Scenario, language: str) -> dict[str, str]:
    """The situation card's fields (where, who, goal); a scene with an interpreter introduces them under 'who'."""
    fields = {k: text_in(v, language) for k, v in scenario.situation.items()}
    if scenario.interpreter is not None:
        fields["who"] += "\n" + text_in(scenario.interpreter.about, language)
    return fields


def shorten(value: str) -> str:
    value = " ".join(value.split())
    return value if len(value) <= _ECHO_CHARS else value[: _ECHO_CHARS - 1] + "…"


class Practice:
    def __init__(self, library: ScenarioLibrary | None = None, catalogue: Catalogue | None = None,
                 database_url: str | None = None):
        self.library = library or get_library()
        self.catalogue = catalogue or get_catalogue()
        self.settings = get_settings()
        self.database_url = database_url
        self._languages: dict[str, str] = {}  # pseudonym -> language, to tell a trainee in it when the database is down
        self.commands: dict[str, Callable[[Session, Trainee, str], list[Reply]]] = {
            "start": self._welcome,
            "scenarios": self._list,
            "scenario": self._start,
            "hint": self._hint,
            "restart": self._restart,
            "end": self._end,
            "progress": self._progress,
            "mode": self._mode,
            "language": self._language,
            "help": self._help,
            "mydata": self._mydata,
            "forget": self._forget,
        }

    # --- entry points -----------------------------------------------------------

    def command(self, pseudonym: str, text: str, language_hint: str | None = None) -> list[Reply]:
        """Run a slash command (typed or from a button).

        ``language_hint`` (the channel's idea of the trainee's language, such as Telegram's
        language_code) only sets the language of a trainee met for the first time.
        """
        parsed = parse_command(text)
        with unit_of_work(self.database_url) as session:
            trainee = self._trainee(session, pseudonym, language_hint)
            if parsed is None or parsed[0] not in self.commands:
                name = parsed[0] if parsed else text
                return [Reply(t(trainee.language, "unknown_command", command=shorten("/" + name)))]
            name, arg = parsed
            return self.commands[name](session, trainee, arg)

    def message(self, pseudonym: str, text: str | None, move: str, confidence: float,
                message_id: str | None = None, language_hint: str | None = None) -> list[Reply]:
        """An employee's free-text reply (a slash command is routed to ``command``)."""
        if text and text.strip().startswith("/"):
            return self.command(pseudonym, text, language_hint)
        clean = clean_text(text, self.settings.max_message_chars)
        with unit_of_work(self.database_url) as session:
            trainee = self._trainee(session, pseudonym, language_hint)
            attempt = repo.active_attempt(session, trainee, for_update=True)
            earlier = repo.turn_by_message(session, trainee, message_id)
            if earlier is not None:  # the same message delivered again: answer again, store nothing new
                return self._replay(session, earlier)
            if attempt is None:
                replies = [Reply(t(trainee.language, "empty_message"))] if not clean.text else []
                return replies + [Reply(t(trainee.language, "no_active_scenario"), self._scenario_buttons(trainee))]
            if not clean.text:
                return [Reply(t(attempt.language, "empty_message"), custom=self._payload(attempt))]
            return self._client_turn(session, trainee, attempt, clean, move, confidence, message_id)

    # --- client turns -----------------------------------------------------------

    def _client_turn(self, session: Session, trainee: Trainee, attempt: Attempt, clean: CleanText,
                     move: str, confidence: float, message_id: str | None) -> list[Reply]:
        scenario = self._scenario_of(attempt)
        language = attempt.language
        state = AttemptState.from_json(attempt.state)
        outcome = play_turn(scenario, self.catalogue, get_lexicon(language), get_feature_rules(), state,
                            move, clean.text, language)
        reason = self._feedback_line(outcome, language)
        repo.add_turn(
            session, attempt, index=outcome.state.turn, message_id=message_id, employee_text=clean.text,
            text_length=clean.length, text_capped_at=clean.capped_at, move=move, confidence=round(confidence, 4),
            points=outcome.points, step=outcome.step, next_step=outcome.next_step, trust=outcome.trust,
            client_reply="\n".join(outcome.client_lines), feedback=reason,
        )
        attempt.state = outcome.state.to_json()
        replies = [Reply(line) for line in outcome.client_lines]
        if clean.capped_at:
            replies.append(Reply(t(language, "truncated", cap=clean.capped_at)))
        if attempt.mode == "coach":
            replies.append(Reply(reason))
        payload = dict(move=move, confidence=round(confidence, 4), points=outcome.points,
                       feedback=reason if attempt.mode == "coach" else None)
        if outcome.ending is not None:
            return replies + self._finish(session, attempt, scenario, outcome.ending.id, outcome.ending.type, payload)
        return replies + [Reply(custom=self._payload(attempt, **payload))]

    def _replay(self, session: Session, turn: Turn) -> list[Reply]:
        """The replies to a turn stored before, for its message delivered again (Rasa, or a channel that
        retried after an empty or lost answer): the same client lines, feedback and, if that turn ended
        the scenario, the debrief."""
        attempt = turn.attempt
        replies = [Reply(line) for line in turn.client_reply.split("\n")]
        if turn.text_capped_at:
            replies.append(Reply(t(attempt.language, "truncated", cap=turn.text_capped_at)))
        if attempt.mode == "coach":
            replies.append(Reply(turn.feedback))
        payload = dict(move=turn.move, confidence=turn.confidence, points=turn.points,
                       feedback=turn.feedback if attempt.mode == "coach" else None)
        if attempt.ending is not None and attempt.ending == turn.next_step:
            debrief = self._debrief(session, attempt, self._scenario_of(attempt), attempt.ending, attempt.ending_type)
            return replies + self._debrief_replies(attempt, debrief, payload)
        return replies + [Reply(custom=self._payload(attempt, turn=turn.index, **payload))]

    def _feedback_line(self, outcome, language: str) -> str:
        if not outcome.understood:
            return t(language, "feedback_not_understood")
        points = ", ".join(f"{v:+d} {self.catalogue.competency_name(c, language)}" for c, v in outcome.points.items())
        notes = [t(language, key, **params) for key, params in outcome.features.notes]
        reason = " ".join([outcome.move_feedback, *notes]).strip()
        return t(language, "feedback", points=points or t(language, "no_points"), reason=reason)

    def _finish(self, session: Session, attempt: Attempt, scenario: Scenario, ending_id: str, ending_type: str,
                payload: dict | None = None) -> list[Reply]:
        debrief = self._debrief(session, attempt, scenario, ending_id, ending_type)
        repo.finish_attempt(session, attempt, ending_id, ending_type, debrief.scores, debrief.total)
        return self._debrief_replies(attempt, debrief, payload)

    def _debrief(self, session: Session, attempt: Attempt, scenario: Scenario, ending_id: str,
                 ending_type: str) -> Debrief:
        return build_debrief(scenario, self.catalogue, repo.turns_of(session, attempt), attempt.raw_points,
                             ending_id, ending_type, attempt.language, self.library.all())

    def _debrief_replies(self, attempt: Attempt, debrief: Debrief, payload: dict | None) -> list[Reply]:
        custom = self._payload(attempt, **(payload or {}))
        custom["qser"].update(done=True, ending=attempt.ending, ending_type=attempt.ending_type, scores=debrief.scores,
                              total=debrief.total, suggestion=debrief.suggestion)
        buttons = [{"title": text_in(s.title, attempt.language), "payload": self._scenario_payload(s.id)}
                   for s in [self.library.get(debrief.suggestion)] if s is not None]
        return [Reply(debrief.text, buttons), Reply(custom=custom)]

    # --- commands ---------------------------------------------------------------

    def _welcome(self, session: Session, trainee: Trainee, arg: str) -> list[Reply]:
        return [Reply(t(trainee.language, "welcome"), self._language_buttons())] + self._list(session, trainee, arg)

    def _help(self, session: Session, trainee: Trainee, arg: str) -> list[Reply]:
        return [Reply(t(trainee.language, "help"))]

    def _list(self, session: Session, trainee: Trainee, arg: str) -> list[Reply]:
        language = trainee.language
        best = repo.best_scores(session, trainee)
        scenarios = self.library.all()
        lines = [t(language, "scenarios_header", count=len(scenarios))]
        for s in scenarios:
            mine = best.get(s.id)
            lines.append(t(language, "scenario_line", title=text_in(s.title, language), id=s.id,
                           area=s.service_area.replace("_", " "), difficulty=s.difficulty,
                           minutes=s.estimated_minutes, languages=", ".join(s.languages),
                           best=t(language, "scenario_best", score=mine.best) if mine else ""))
        return [Reply("\n".join(lines), self._scenario_buttons(trainee))]

    def _start(self, session: Session, trainee: Trainee, arg: str) -> list[Reply]:
        language = trainee.language
        if not arg:
            return [Reply(t(language, "scenario_missing"), self._scenario_buttons(trainee))]
        scenario = self.library.get(arg) if _SCENARIO_ID.match(arg) else None
        if scenario is None:
            return [Reply(t(language, "scenario_unknown", name=shorten(arg)), self._scenario_buttons(trainee))]
        replies = []
        previous = repo.active_attempt(session, trainee, for_update=True)
        if previous is not None:
            _abandon(previous)
            replies.append(Reply(t(language, "scenario_abandoned", title=text_in(self._scenario_of(previous).title, language))))
        return replies + self._open(session, trainee, scenario)

    def _open(self, session: Session, trainee: Trainee, scenario: Scenario) -> list[Reply]:
        attempt = repo.start_attempt(session, trainee, scenario.id, scenario.content_hash, start_state(scenario).to_json())
        if trainee.language not in scenario.languages:
            attempt.language = scenario.languages[0]
        language = attempt.language
        card = t(language, "situation_card", title=text_in(scenario.title, language),
                 **situation(scenario, language))
        replies = [Reply(card, self._play_buttons(language))]
        replies += [Reply(line) for line in opening_lines(scenario, language)]
        return replies + [Reply(custom=self._payload(attempt))]

    def _hint(self, session: Session, trainee: Trainee, arg: str) -> list[Reply]:
        attempt = repo.active_attempt(session, trainee)
        if attempt is None:
            return self._no_attempt(trainee)
        scenario = self._scenario_of(attempt)
        step = scenario.steps[AttemptState.from_json(attempt.state).step]
        return [Reply(t(attempt.language, "hint", hint=text_in(step.hint, attempt.language))),
                Reply(custom=self._payload(attempt))]

    def _restart(self, session: Session, trainee: Trainee, arg: str) -> list[Reply]:
        attempt = repo.active_attempt(session, trainee, for_update=True)
        if attempt is None:
            return self._no_attempt(trainee)
        _abandon(attempt)
        scenario = self.library.get(attempt.scenario_id) or self._scenario_of(attempt)
        return [Reply(t(trainee.language, "restarted", title=text_in(scenario.title, trainee.language)))] + \
            self._open(session, trainee, scenario)

    def _end(self, session: Session, trainee: Trainee, arg: str) -> list[Reply]:
        attempt = repo.active_attempt(session, trainee, for_update=True)
        if attempt is None:
            return self._no_attempt(trainee)
        return self._finish(session, attempt, self._scenario_of(attempt), "ended_early", "ended_early")

    def _progress(self, session: Session, trainee: Trainee, arg: str) -> list[Reply]:
        language = trainee.language
        finished = repo.finished_attempts(session, trainee)
        lines = []
        active = repo.active_attempt(session, trainee)
        if active is not None:
            scenario = self._scenario_of(active)
            lines.append(t(language, "progress_active", title=text_in(scenario.title, language),
                           turn=AttemptState.from_json(active.state).turn))
        if not finished:
            lines.append(t(language, "progress_none"))
            return [Reply("\n".join(lines))]
        average = round(sum(a.total or 0 for a in finished) / len(finished))
        lines.append(t(language, "progress_header", finished=len(finished), average=average))
        for scenario_id, progress in sorted(repo.best_scores(session, trainee).items()):
            scenario = self.library.get(scenario_id)
            title = text_in(scenario.title, language) if scenario else scenario_id
            lines.append(t(language, "progress_line", title=title, best=progress.best, attempts=progress.attempts))
        recent = finished[:10]
        lines.append(t(language, "progress_competencies", count=len(recent)))
        for competency, score in repo.average_scores(recent).items():
            lines.append(t(language, "debrief_score_line", name=self.catalogue.competency_name(competency, language), score=score))
        comments = repo.mentor_comments(session, trainee, PROGRESS_COMMENTS)
        if comments:
            lines.append(t(language, "progress_comments"))
            lines += [t(language, "progress_comment_line", text=shorten(turn.employee_text), comment=comment.text)
                      for comment, turn, _ in comments]
        return [Reply("\n".join(lines))]

    def _mydata(self, session: Session, trainee: Trainee, arg: str) -> list[Reply]:
        """What is stored about the trainee: a summary, and the whole record in the payload ``qser_mydata``."""
        record = practice_record(session, trainee)
        turns = sum(len(a["turns"]) for a in record["attempts"])
        comments = sum(len(turn["comments"]) for a in record["attempts"] for turn in a["turns"])
        summary = t(trainee.language, "mydata", id=trainee.pseudonym[:12], since=trainee.created_at.date().isoformat(),
                    attempts=len(record["attempts"]), turns=turns, comments=comments)
        return [Reply(summary, [{"title": t(trainee.language, "forget_button"), "payload": "/forget"}],
                      custom={"qser_mydata": record})]

    def _forget(self, session: Session, trainee: Trainee, arg: str) -> list[Reply]:
        """Erase the trainee's practice data and conversation, after an explicit confirmation."""
        language = trainee.language
        if arg.strip().lower() != "confirm":
            return [Reply(t(language, "forget_ask"), [{"title": t(language, "forget_confirm_button"),
                                                       "payload": "/forget confirm"}])]
        asked_at = time.time()
        counts, targets = erase_practice(session, trainee)
        clear_audit_targets(session, targets)
        erase_tracker_once_saved(self.settings.tracker_url, trainee.pseudonym, asked_at)
        return [Reply(t(language, "forget_done", attempts=counts["attempts"], turns=counts["turns"]))]

    def _mode(self, session: Session, trainee: Trainee, arg: str) -> list[Reply]:
        value = arg.lower()
        if value not in MODES:
            return [Reply(t(trainee.language, "mode_unknown", value=shorten(arg)))]
        trainee.mode = value
        attempt = repo.active_attempt(session, trainee)
        if attempt is not None:
            attempt.mode = value
        return [Reply(t(trainee.language, "mode_set", mode=t(trainee.language, f"mode_{value}")))]

    def _language(self, session: Session, trainee: Trainee, arg: str) -> list[Reply]:
        value = arg.lower()
        if not value:
            return [Reply(t(trainee.language, "language_choose"), self._language_buttons())]
        if value not in LANGUAGES:
            return [Reply(t(trainee.language, "language_unknown", value=shorten(arg)), self._language_buttons())]
        trainee.language = self._languages[trainee.pseudonym] = value
        replies = [Reply(t(value, "language_set"))]
        attempt = repo.active_attempt(session, trainee)
        if attempt is not None:
            scenario = self._scenario_of(attempt)
            if value in scenario.languages:
                attempt.language = value
            else:
                replies.append(Reply(t(value, "language_not_in_scenario", languages=", ".join(scenario.languages),
                                       language_name=t(attempt.language, "language_name"))))
        return replies

    # --- helpers ----------------------------------------------------------------

    def language_of(self, pseudonym: str, language_hint: str | None = None) -> str:
        """The trainee's language without asking the database (to tell them it is unavailable): as this
        process last saw it, else the channel's hint, else the default."""
        return self._languages.get(pseudonym) or language_from_tag(language_hint) or self.settings.default_language

    def _trainee(self, session: Session, pseudonym: str, language_hint: str | None = None) -> Trainee:
        """The trainee; a new one starts in the hinted language (an IETF tag: "es", "el-GR") if we have it."""
        language = language_from_tag(language_hint) or self.settings.default_language
        trainee = repo.get_or_create_trainee(session, pseudonym, language, self.settings.default_mode)
        self._languages[pseudonym] = trainee.language
        return trainee

    def _scenario_of(self, attempt: Attempt) -> Scenario:
        scenario = self.library.version(attempt.scenario_id, attempt.scenario_hash)
        if scenario is None:
            raise LookupError(f"scenario {attempt.scenario_id!r} of attempt {attempt.id} is no longer available")
        return scenario

    def _no_attempt(self, trainee: Trainee) -> list[Reply]:
        return [Reply(t(trainee.language, "no_active_scenario"), self._scenario_buttons(trainee))]

    @staticmethod
    def _scenario_payload(scenario_id: str) -> str:
        return f'/scenario{{"scenario_id":"{scenario_id}"}}'

    def _scenario_buttons(self, trainee: Trainee) -> list[dict[str, str]]:
        return [{"title": text_in(s.title, trainee.language), "payload": self._scenario_payload(s.id)}
                for s in self.library.all()]

    @staticmethod
    def _language_buttons() -> list[dict[str, str]]:
        return [{"title": t(lang, "language_name"), "payload": f'/language{{"language":"{lang}"}}'} for lang in LANGUAGES]

    @staticmethod
    def _play_buttons(language: str) -> list[dict[str, str]]:
        return [{"title": t(language, "button_hint"), "payload": "/hint"},
                {"title": t(language, "button_end"), "payload": "/end"}]

    @staticmethod
    def _payload(attempt: Attempt, *, turn: int | None = None, move: str | None = None,
                 confidence: float | None = None, points: dict | None = None, feedback: str | None = None) -> dict:
        state = AttemptState.from_json(attempt.state)
        return {"qser": {
            "scenario": attempt.scenario_id,
            "attempt": attempt.id,
            "turn": state.turn if turn is None else turn,
            "step": state.ending or state.step,
            "move": move,
            "confidence": confidence,
            "points": points or {},
            "trust": state.trust,
            "done": False,
            "mode": attempt.mode,
            "language": attempt.language,
            "feedback": feedback,
        }}
