"""The numbers behind the dashboard's charts and its calibration page, computed from the store."""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from statistics import mean

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from actions.store import review
from actions.store.models import Attempt, Trainee, Turn
from bot.review.people import Directory

MOST_RELABELLED = 10
LOSING_STEPS = 10


@dataclass(frozen=True)
class Disagreement:
    name: str  # a move or a competency
    checked: int  # turns a coordinator overrode
    differing: int  # of which the correction differs from the automatic value
    mean_abs: float  # mean absolute difference (points), over the overridden turns
    mean_signed: float  # human minus automatic

    @property
    def share(self) -> int:
        return round(100 * self.differing / self.checked) if self.checked else 0


@dataclass(frozen=True)
class Calibration:
    turns: int
    overridden: int
    by_move: list[Disagreement]
    by_competency: list[Disagreement]
    relabelled: list[tuple[str, str, int]]  # automatic move, corrected move, how often


def calibration(session: Session) -> Calibration:
    """How often and how far coordinators' overrides differ from the automatic scores."""
    per_move: dict[str, list[tuple[bool, int]]] = defaultdict(list)
    per_competency: dict[str, list[int]] = defaultdict(list)
    relabels: Counter = Counter()
    rows = review.all_latest_overrides(session)
    for override, turn in rows:
        move, points = review.corrected(turn, override)
        total_diff = 0
        for competency in sorted(set(turn.points) | set(points)):
            diff = int(points.get(competency, 0)) - int(turn.points.get(competency, 0))
            per_competency[competency].append(diff)
            total_diff += abs(diff)
        per_move[turn.move].append((move != turn.move or total_diff != 0, total_diff))
        if move != turn.move:
            relabels[(turn.move, move)] += 1
    by_move = [Disagreement(m, len(v), sum(d for d, _ in v), mean(a for _, a in v), 0.0)
               for m, v in sorted(per_move.items())]
    by_competency = [Disagreement(c, len(v), sum(1 for d in v if d), mean(abs(d) for d in v), mean(v))
                     for c, v in sorted(per_competency.items())]
    turns = session.scalar(select(func.count(Turn.id))) or 0
    return Calibration(turns, len(rows), by_move, by_competency,
                       [(a, b, n) for (a, b), n in relabels.most_common(MOST_RELABELLED)])


def competencies_over_time(attempts: list[Attempt]) -> tuple[list[str], dict[str, list[int | None]]]:
    """Finished attempts oldest first: their dates, and each competency's score per attempt (None: not scored)."""
    finished = sorted((a for a in attempts if a.scores), key=lambda a: (a.ended_at, a.id))
    names = sorted({c for a in finished for c in a.scores})
    return ([f"{a.ended_at:%Y-%m-%d}" for a in finished],
            {c: [a.scores.get(c) for a in finished] for c in names})


def department_averages(session: Session, directory: Directory) -> list[tuple[str, int, int]]:
    """Each department's average total over finished attempts: (department, average, attempts)."""
    totals: dict[str, list[int]] = defaultdict(list)
    for trainee, total in session.execute(select(Trainee, Attempt.total).join(Attempt).where(Attempt.total.is_not(None))):
        department = directory.person(trainee).department
        if department:
            totals[department].append(total)
    return [(d, round(mean(v)), len(v)) for d, v in sorted(totals.items())]


@dataclass(frozen=True)
class LosingStep:
    scenario: str
    step: str
    trainees: int  # trainees who answered at this step
    losing: int  # of which lost points there (a negative total of corrected points in some turn)

    @property
    def share(self) -> int:
        return round(100 * self.losing / self.trainees) if self.trainees else 0


def losing_steps(session: Session) -> list[LosingStep]:
    """The scenario steps where the largest share of trainees lose points (at least one trainee lost)."""
    answered: dict[tuple[str, str], set[int]] = defaultdict(set)
    lost: dict[tuple[str, str], set[int]] = defaultdict(set)
    rows = list(session.execute(select(Turn, Attempt.scenario_id, Attempt.trainee_id).join(Attempt)).tuples())
    overrides = review.latest_overrides(session, [turn.id for turn, _, _ in rows])
    for turn, scenario, trainee in rows:
        key = (scenario, turn.step)
        answered[key].add(trainee)
        if sum(review.corrected(turn, overrides.get(turn.id))[1].values()) < 0:
            lost[key].add(trainee)
    steps = [LosingStep(s, st, len(answered[(s, st)]), len(who)) for (s, st), who in lost.items()]
    return sorted(steps, key=lambda x: (-x.share, -x.losing, x.scenario, x.step))[:LOSING_STEPS]
