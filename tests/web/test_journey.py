"""A trainee's whole way through the web app in Chromium: invite link, scenario, debrief, Greek, progress."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from bot.scripted_lines import LINES, PATHS
from tests.web.conftest import GREEK, Chat, screenshot

pytestmark = pytest.mark.e2e
TITLE_EN = "Registering a new address"
TITLE_EL = "Δήλωση νέας διεύθυνσης κατοικίας"


def test_invited_trainee_plays_to_the_debrief_switches_to_greek_and_sees_progress(web, page):
    invite = web.qser("users", "invite", "--department", "Citizen service centre")
    assert invite.returncode == 0, invite.stderr
    link = next(line for line in invite.stdout.splitlines() if "/invite/" in line)
    assert link.startswith(f"{web.url}/invite/")

    page.goto(link)
    page.get_by_label("Username").fill("maria.ortiz")
    page.get_by_label("Password", exact=True).fill("a long enough password")
    page.get_by_label("Password again").fill("a long enough password")
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(f"{web.url}/chat")
    page.wait_for_load_state()
    expect(page.locator(".who-am-i")).to_have_text("Signed in as maria.ortiz")
    chat = Chat(page, web)

    opener = page.get_by_role("button", name=TITLE_EN)
    opener.click()
    card = page.locator("#card-citizen_registration")
    expect(card).to_be_visible()
    expect(card.locator("dt")).to_have_text(["Where", "Who", "Your goal"])
    screenshot(page, "01-picker-situation-card")
    chat.answered(lambda: card.get_by_role("button", name="Start").click())
    expect(page.locator("#chat-title")).to_have_text(TITLE_EN)
    expect(chat.last("bot")).to_contain_text(re.compile(r"\w"))

    for number, move in enumerate(PATHS["citizen_registration"]["good"], start=1):
        chat.say(LINES[move])
        if number == 3:
            expect(chat.page.locator("#messages > li.msg-coach")).to_have_count(3)  # coach mode: feedback per turn
            expect(chat.last("coach")).to_contain_text("Coach:")
            screenshot(page, "02-chat-coach-feedback")

    debrief = chat.last("debrief")
    expect(debrief.get_by_role("heading", level=3)).to_have_text(f"Debrief: {TITLE_EN}")
    expect(debrief).to_contain_text("Ending: resolved")
    chart = debrief.locator("img.chart")
    expect(chart).to_have_attribute("alt", re.compile(r"^Scores per competency \(0-100\): Respect and rapport \d+"))
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=chart.element_handle())
    expect(debrief.get_by_role("link", name="See your progress")).to_be_visible()
    screenshot(page, "03-debrief")
    screenshot(chart, "03-debrief-chart")

    # a second attempt: switch to Greek during it, and the client answers in Greek
    page.get_by_role("button", name="Scenarios", exact=True).click()
    chat.start(TITLE_EN)
    chat.say(LINES["greet"])
    assert not GREEK.search(chat.last("bot").inner_text())
    page.locator("summary", has_text="Language and feedback").click()
    page.get_by_role("button", name="Ελληνικά").click()
    expect(page.locator("html")).to_have_attribute("lang", "el")
    expect(page.locator("#chat-title")).to_have_text(TITLE_EL)  # the attempt is restored after the switch
    expect(page.get_by_role("button", name="Υπόδειξη", exact=True)).to_be_visible()
    chat.say(LINES["introduce_self"])
    client_line = chat.page.locator("#messages > li.msg-bot").last.inner_text()
    assert GREEK.search(client_line), client_line
    screenshot(page, "04-greek-client-line")
    chat.answered(lambda: page.get_by_role("button", name="Τέλος", exact=True).click())
    expect(chat.last("debrief").get_by_role("heading", level=3)).to_have_text(f"Τελικός απολογισμός: {TITLE_EL}")

    page.get_by_role("link", name="Η πρόοδός μου").click()
    expect(page).to_have_url(f"{web.url}/progress")
    expect(page.get_by_role("heading", level=1)).to_have_text("Η πρόοδός μου")
    best = page.locator("section", has=page.get_by_role("heading", name="Καλύτερη βαθμολογία ανά σενάριο"))
    expect(best.locator("tbody tr")).to_have_count(1)
    expect(best.locator("tbody th")).to_have_text(TITLE_EL)
    history = page.locator("section", has=page.get_by_role("heading", name="Προσπάθειες στον χρόνο"))
    expect(history.locator("tbody tr")).to_have_count(2)
    expect(history.locator("svg circle")).to_have_count(2)
    competencies = page.locator("section", has=page.get_by_role("heading", name=re.compile("^Δεξιότητες")))
    assert competencies.locator("svg[role=img] rect").count() >= 5  # the scenario's five targeted competencies
    suggestion = page.get_by_role("link", name="Εξασκηθείτε σε αυτό")
    expect(suggestion).to_have_attribute("href", re.compile(r"^/chat\?scenario=[a-z_]+$"))
    screenshot(page, "05-progress")

    suggestion.click()  # the suggested scenario's card opens in the picker
    scenario_id = page.url.split("scenario=")[1]
    expect(page.locator(f"#card-{scenario_id}")).to_be_visible()
    assert scenario_id != "citizen_registration"


def test_chat_page_fits_a_phone(web, browser):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        chat = Chat(page, web).sign_in(web.account())
        chat.start(TITLE_EN)
        chat.say(LINES["greet"])
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"the page scrolls sideways on a phone ({width} px wide)"
        expect(page.locator("#message")).to_be_in_viewport()
        screenshot(page, "06-phone-width")
    finally:
        context.close()
