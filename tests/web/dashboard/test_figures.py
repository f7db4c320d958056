"""The calibration and charts figures against records made here through the repository, the pages showing
them, and axe-core on the dashboard's pages."""
from __future__ import annotations

import html
import re

import pytest
from playwright.sync_api import expect

from actions.store import repository, review
from actions.store.db import unit_of_work
from actions.store.models import Turn
from bot.review import figures
from bot.review.people import Directory
from bot.web import accounts
from tests.web.dashboard.test_transcript import sign_in
from tests.web.test_accessibility import axe_problems

KEY = b"figures-test-key"


def _attempt(session, trainee, turns, total=None):
    attempt = repository.start_attempt(session, trainee, "s1", "hash", {})
    made = [repository.add_turn(session, attempt, index=i, employee_text="text", text_length=4, move=move,
                                confidence=0.9, points=points, step=step, next_step=step, trust=0, client_reply="ok")
            for i, (step, move, points) in enumerate(turns, 1)]
    if total is not None:
        repository.finish_attempt(session, attempt, "end", "good", {"respect": total}, total)
    return made


def test_calibration_losing_steps_and_department_averages(sqlite_url):
    with unit_of_work(sqlite_url) as session:
        housing, social = (accounts.create_user(session, f"user-{d[:3]}", accounts.generate_password(), "trainee", d)
                           for d in ("Housing office", "Social services"))
        coordinator = accounts.create_user(session, "coord", accounts.generate_password(), "coordinator", None)
        session.flush()
        a, b = (repository.get_or_create_trainee(session, accounts.pseudonym(KEY, u.id), "en", "coach")
                for u in (housing, social))
        telegram = repository.get_or_create_trainee(session, "telegram-pseudonym", "en", "coach")
        t1, t2 = _attempt(session, a, [("greeting", "greet", {"respect": 1, "empathy": 1}),
                                       ("ask", "rush", {"respect": -2})], total=70)
        t3, t4 = _attempt(session, b, [("greeting", "greet", {"respect": 1}), ("ask", "ask_details", {"clarity": 2})],
                          total=40)
        _attempt(session, b, [], total=44)
        _attempt(session, b, [("greeting", "greet", {"respect": 1})])  # not finished: in no average
        _attempt(session, telegram, [], total=90)  # no account, no department
        review.add_override(session, t1, coordinator.id, None, {"respect": 0})  # replaced by the next one
        review.add_override(session, t1, coordinator.id, "introduce_self", {"respect": 3})  # +2 and a new move
        review.add_override(session, t3, coordinator.id, None, {"respect": 1})  # the same as the automatic one
        review.add_override(session, t4, coordinator.id, "greet", {})  # a new move only

        calibration = figures.calibration(session)
        assert (calibration.turns, calibration.overridden) == (5, 3)
        assert [(d.name, d.checked, d.differing, d.mean_abs) for d in calibration.by_move] == \
            [("ask_details", 1, 1, 0), ("greet", 2, 1, 1.0)]
        assert [(d.name, d.checked, d.differing, d.mean_abs, d.mean_signed, d.share) for d in calibration.by_competency] \
            == [("clarity", 1, 0, 0, 0, 0), ("empathy", 1, 0, 0, 0, 0), ("respect", 2, 1, 1.0, 1.0, 50)]
        assert calibration.relabelled == [("greet", "introduce_self", 1), ("ask_details", "greet", 1)]

        steps = figures.losing_steps(session)
        assert [(s.scenario, s.step, s.trainees, s.losing, s.share) for s in steps] == [("s1", "ask", 2, 1, 50)]
        assert figures.department_averages(session, Directory(session, KEY)) == \
            [("Housing office", 70, 1), ("Social services", 42, 2)]


def _cells(page_html: str, heading: str) -> list[list[str]]:
    """The rows of the table in the panel under ``heading``, as the text of their cells."""
    panel = page_html.split(f">{heading}</h2>", 1)[1].split("</section>", 1)[0]
    assert "<tbody>" in panel, f"no table under {heading}"
    return [[html.unescape(re.sub(r"<[^>]+>", "", cell)) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)]
            for row in re.findall(r"<tr>(.*?)</tr>", panel.split("<tbody>", 1)[1])]


@pytest.mark.e2e
def test_calibration_and_charts_pages_show_the_figures(web, coordinator, reviewed):
    client, _ = coordinator
    calibration_page, charts_page = client.get("/dashboard/calibration").text, client.get("/dashboard/charts").text
    with unit_of_work(web.database_url) as session:
        calibration = figures.calibration(session)
        departments = figures.department_averages(session, Directory(session, web.env["QSER_PSEUDONYM_KEY"].encode()))
        steps = figures.losing_steps(session)
        first = session.get(Turn, reviewed.turn_ids[0])
        automatic = first.move
    assert automatic != reviewed.override_move
    # The stack's database is shared with the rest of the suite, so the reviewed step need not be in the top list;
    # the ranking itself is checked on a database of its own above.
    assert steps and all(a.share >= b.share for a, b in zip(steps, steps[1:]))
    assert (automatic, reviewed.override_move) in [(a, b) for a, b, _ in calibration.relabelled]
    assert f"Coordinators corrected {calibration.overridden} of {calibration.turns} scored turns." in calibration_page
    for heading, rows in (("Per automatic move", calibration.by_move), ("Per competency", calibration.by_competency)):
        assert _cells(calibration_page, heading) == [[r.name, str(r.checked), f"{r.differing} ({r.share}%)",
                                                      f"{r.mean_abs:.2f}", f"{r.mean_signed:+.2f}"] for r in rows]
    assert _cells(calibration_page, "Moves most often re-labelled") == \
        [[a, b, str(n)] for a, b, n in calibration.relabelled]
    assert "Housing office" in [d for d, _, _ in departments]
    assert _cells(charts_page, "Average total per department") == [[d, str(avg), str(n)] for d, avg, n in departments]
    assert _cells(charts_page, "Scenario steps where most trainees lose points") == \
        [[s.scenario, s.step, f"{s.losing}/{s.trainees} ({s.share}%)"] for s in steps]


@pytest.mark.e2e
def test_axe_finds_no_serious_problems_on_the_dashboard(web, page, staff, reviewed):
    sign_in(page, web, staff["coordinator"], "/dashboard/attempts")
    expect(page.locator(f'a[href="/dashboard/attempts/{reviewed.attempt_id}"]')).to_be_visible()
    assert axe_problems(page) == []
    page.goto(f"{web.url}/dashboard/attempts/{reviewed.attempt_id}")
    expect(page.locator(f"#turn-{reviewed.turn_ids[0]} .corrected")).to_contain_text(reviewed.override_move)
    assert axe_problems(page) == []
    for target in ("/dashboard/calibration", "/dashboard/charts"):
        page.goto(f"{web.url}{target}")
        assert axe_problems(page) == [], target
