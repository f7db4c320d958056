"""axe-core on the pages, the chat by keyboard alone, and the widget embedded in another site's page."""
from __future__ import annotations

import http.server
import threading
from functools import partial

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from bot.scripted_lines import LINES
from tests.conftest import free_port
from tests.web.conftest import Chat, screenshot

pytestmark = pytest.mark.e2e
TITLE = "Registering a new address"
BLOCKING = ("serious", "critical")


def axe_problems(page: Page) -> list[str]:
    """The serious and critical axe-core violations on the page as it is now."""
    result = Axe().run(page)
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in result.response["violations"] if v["impact"] in BLOCKING]


def test_axe_finds_no_serious_problems_on_the_chat_and_progress_pages(web, page):
    page.goto(f"{web.url}/login")
    assert axe_problems(page) == []
    chat = Chat(page, web).sign_in(web.account())
    page.get_by_role("button", name=TITLE).click()
    assert axe_problems(page) == []  # the picker with a situation card open
    chat.start(TITLE)
    chat.say(LINES["greet"])
    chat.say(LINES["rush"])
    chat.answered(lambda: page.get_by_role("button", name="Hint", exact=True).click())
    assert axe_problems(page) == []  # a conversation with the coach's feedback and a hint
    chat.answered(lambda: page.get_by_role("button", name="End", exact=True).click())
    expect(chat.last("debrief").locator("img.chart")).to_be_visible()
    assert axe_problems(page) == []  # with the debrief and its chart
    page.get_by_role("link", name="My progress").click()
    expect(page.locator("svg[role=img]").first).to_be_visible()
    assert axe_problems(page) == []


def _tab_to(page: Page, selector: str, limit: int = 60) -> None:
    """Press Tab until the element matching ``selector`` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} cannot be reached with the Tab key")


def test_the_chat_works_with_the_keyboard_alone(web, page):
    chat = Chat(page, web).sign_in(web.account())
    _tab_to(page, "[data-scenario=citizen_registration]")
    page.keyboard.press("Enter")
    expect(page.locator("#card-citizen_registration")).to_be_visible()
    _tab_to(page, "#card-citizen_registration [data-command]")
    chat.answered(lambda: page.keyboard.press("Enter"))
    expect(page.locator("#message")).to_be_focused()  # straight on to typing the first reply
    page.keyboard.type(LINES["greet"])
    chat.answered(lambda: page.keyboard.press("Enter"))
    expect(chat.last("you")).to_contain_text(LINES["greet"])
    expect(chat.last("coach")).to_be_visible()
    _tab_to(page, "[data-command='/hint']")
    chat.answered(lambda: page.keyboard.press("Enter"))
    expect(chat.last("bot")).to_contain_text("Hint:")
    log = page.locator("#log")
    expect(log).to_have_attribute("role", "log")  # new messages are read out by screen readers
    expect(log).to_have_attribute("aria-live", "polite")


@pytest.fixture
def host_page(tmp_path, web):
    """Another site's page (its own server and port) that embeds the widget with one script tag."""
    (tmp_path / "index.html").write_text(f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Municipal intranet</title></head>
<body><main><h1>Staff intranet</h1><p>News, forms and training.</p></main>
<script src="{web.url}/widget.js" defer></script></body></html>""", encoding="utf-8")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()),
                                             partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
    server.shutdown()
    server.server_close()


def test_one_script_tag_embeds_the_chat_widget(web, page, host_page):
    account = web.account()
    page.goto(host_page)
    launcher = page.get_by_role("button", name="Practice chat", exact=True)
    expect(launcher).to_have_attribute("aria-expanded", "false")
    _tab_to(page, "[aria-controls=qser-widget-panel]")  # the keyboard reaches it
    page.keyboard.press("Enter")
    expect(launcher).to_have_attribute("aria-expanded", "true")
    panel = page.get_by_role("dialog", name="Q-SER practice chat")
    expect(panel).to_be_visible()
    expect(page.get_by_role("button", name="Close the practice chat")).to_be_focused()

    frame = page.frame_locator("iframe[title='Q-SER practice chat']")
    frame.get_by_label("Username").fill(account.username)
    frame.get_by_label("Password").fill(account.password)
    frame.get_by_role("button", name="Sign in").click()
    frame.get_by_role("button", name=TITLE).click()
    frame.locator("#card-citizen_registration").get_by_role("button", name="Start").click()
    frame.locator("#message").fill(LINES["greet"])
    frame.locator("#message").press("Enter")
    expect(frame.locator("#messages > li.msg-coach")).to_have_count(1)  # answered: the session works in the frame
    screenshot(page, "08-widget-open")

    frame.locator("#message").press("Escape")  # Escape inside the chat closes the panel ...
    expect(panel).to_be_hidden()
    expect(launcher).to_be_focused()  # ... and gives the focus back to the launcher
    expect(launcher).to_have_attribute("aria-expanded", "false")

    page.set_viewport_size({"width": 375, "height": 740})
    launcher.click()
    box = panel.bounding_box()
    assert box["width"] == 375 and box["height"] == 740, box  # the whole screen on a phone
    expect(frame.locator("#messages > li.msg-you")).to_have_count(1)  # the conversation is still there
    screenshot(page, "09-widget-phone")
