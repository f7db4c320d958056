"""Transcripts in Chromium: hostile text stays text; comments and overrides with CSRF; audit entries."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from actions.store.db import unit_of_work
from actions.store.models import AuditLog, Comment, ScoreOverride
from tests.web.dashboard.conftest import HOSTILE
from tests.web.conftest import screenshot

pytestmark = pytest.mark.e2e


def sign_in(page, web, account, target: str) -> None:
    page.goto(f"{web.url}{target}")
    page.get_by_label("Username").fill(account.username)
    page.get_by_label("Password").fill(account.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{web.url}{target}")


def test_stored_script_is_shown_escaped_and_comments_reach_the_trainee(web, page, staff, practised):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(page, web, staff["coordinator"], f"/dashboard/attempts/{practised.attempt_id}")
    first = page.locator(f"#turn-{practised.turn_ids[0]}")
    expect(first.locator(".employee-text")).to_have_text(HOSTILE)
    assert page.locator("main script").count() == 0
    expect(first.locator(".move")).to_contain_text("confidence")
    comment = "Careful: <b>greet</b> the client first."
    first.get_by_label("Comment on this turn").fill(comment)
    first.get_by_role("button", name="Save comment").click()
    expect(first.locator(".comment-text").last).to_have_text(comment)
    first.locator("select[name=move]").select_option("greet")
    first.locator("input[name=points_respect]").fill("2")
    first.get_by_role("button", name="Save correction").click()
    expect(page.locator(f"#turn-{practised.turn_ids[0]} .corrected")).to_contain_text("greet")
    screenshot(page, "dashboard-transcript")
    page.wait_for_timeout(300)
    assert dialogs == [], f"a script ran: {dialogs}"
    with unit_of_work(web.database_url) as session:
        assert comment in session.scalars(select(Comment.text).where(Comment.turn_id == practised.turn_ids[0])).all()
        assert session.scalar(select(ScoreOverride.move).where(ScoreOverride.turn_id == practised.turn_ids[0])
                              .order_by(ScoreOverride.id.desc()).limit(1)) == "greet"
        actions = set(session.scalars(select(AuditLog.action)))
    assert {"attempt.view", "comment.add", "score.override"} <= actions

    page.get_by_role("button", name="Sign out").click()  # the trainee reads the comment on their progress page
    sign_in(page, web, practised.trainee, "/progress")
    expect(page.locator(".mentor-comment").first).to_have_text(comment)  # newest first
    expect(page.locator(".mentor-comments")).to_contain_text("<script>")


def test_forms_without_the_sessions_csrf_token_change_nothing(web, staff, practised, coordinator):
    client, _ = coordinator
    response = client.post(f"/dashboard/turns/{practised.turn_ids[1]}/comments", data={"text": "forged"})
    assert response.status_code == 403
    with unit_of_work(web.database_url) as session:
        assert session.scalar(select(Comment).where(Comment.text == "forged")) is None


def test_attempt_list_filters_and_pages(web, coordinator, practised):
    client, _ = coordinator
    listed = client.get("/dashboard/attempts", params={"trainee": practised.trainee_id}).text
    assert f'href="/dashboard/attempts/{practised.attempt_id}"' in listed
    for params in ({"department": "Nowhere"}, {"scenario": "school_enrolment", "trainee": practised.trainee_id},
                   {"language": "el", "trainee": practised.trainee_id}, {"since": "2999-01-01"},
                   {"min_score": "101"}, {"until": "2000-01-01"}):
        assert f'href="/dashboard/attempts/{practised.attempt_id}"' not in client.get("/dashboard/attempts",
                                                                                       params=params).text, params
    by_department = client.get("/dashboard/attempts", params={"department": "Social services", "language": "en"}).text
    assert f'href="/dashboard/attempts/{practised.attempt_id}"' in by_department
    pages = re.search(r"Page 1 of (\d+)", client.get("/dashboard/audit").text)
    assert pages is None or int(pages[1]) >= 1
