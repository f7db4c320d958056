"""The web app as a real uvicorn process (``qser web``) against the session's SQLite stack
(tests/conftest.py), and Debian's Chromium driven by Playwright.

Screenshots go to var/test-artifacts/web/ (printed at the end of the session).
"""
from __future__ import annotations

import re
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

from actions.settings import PROJECT_ROOT
from actions.store.db import unit_of_work
from bot.stack import Service, Stack, web_app
from bot.web import accounts
from tests.conftest import free_port

CHROMIUM = "/usr/bin/chromium"  # Debian's (scripts/setup.sh installs it); Playwright downloads no browser
PSEUDONYM_KEY = "web-tests-pseudonym-key"
ARTIFACTS = PROJECT_ROOT / "var" / "test-artifacts" / "web"
GREEK = re.compile(r"[\u0370-\u03ff\u1f00-\u1fff]")


@dataclass
class Account:
    username: str
    password: str
    user_id: int

    @property
    def pseudonym(self) -> str:
        return accounts.pseudonym(PSEUDONYM_KEY.encode(), self.user_id)


@dataclass
class WebApp:
    url: str
    database_url: str
    service: Service
    env: dict[str, str]

    def account(self, role: str = "trainee", department: str | None = None) -> Account:
        """A new user, made the way ``qser users add`` makes one."""
        username, password = f"t-{uuid.uuid4().hex[:10]}", accounts.generate_password()
        with unit_of_work(self.database_url) as session:
            user = accounts.create_user(session, username, password, role, department)
            session.flush()
            return Account(username, password, user.id)

    def qser(self, *args: str) -> subprocess.CompletedProcess:
        """The project command line against this web app's database."""
        return subprocess.run([sys.executable, "-m", "bot", *args], cwd=PROJECT_ROOT, env=self.env, stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=60)

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=60, follow_redirects=False)


@pytest.fixture(scope="session")
def web(sqlite_stack: Stack, tmp_path_factory) -> WebApp:
    port = free_port()
    log_dir = tmp_path_factory.mktemp("web")
    url = f"http://127.0.0.1:{port}"
    extra = {"QSER_PSEUDONYM_KEY": PSEUDONYM_KEY, "QSER_WEB_PUBLIC_URL": url}
    service = web_app(sqlite_stack.rasa_url, sqlite_stack.database_url, sqlite_stack.dialogues_dir, port,
                      log_dir / "web.log", extra)
    service.start()
    try:
        service.wait_ready(90)
        yield WebApp(url, sqlite_stack.database_url, service, service.env)
    finally:
        service.stop()


@pytest.fixture(scope="session")
def browser() -> Browser:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        yield browser
        browser.close()
    print(f"\nweb test screenshots: {ARTIFACTS}")


@pytest.fixture
def page(browser: Browser) -> Page:
    context = browser.new_context(viewport={"width": 1024, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


def screenshot(page: Page | Locator, name: str) -> Path:
    """The whole page, or one element of it."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    if isinstance(page, Locator):
        page.screenshot(path=str(path))
    else:
        page.screenshot(path=str(path), full_page=True)
    return path


class Chat:
    """A trainee using the chat page, as a person would: clicking, typing, reading."""

    def __init__(self, page: Page, web: WebApp):
        self.page = page
        self.web = web

    def sign_in(self, account: Account) -> "Chat":
        self.page.goto(f"{self.web.url}/chat")
        expect(self.page).to_have_url(re.compile(r"/login\?next="))
        self.page.get_by_label("Username").fill(account.username)
        self.page.get_by_label("Password").fill(account.password)
        self.page.get_by_role("button", name="Sign in").click()
        expect(self.page).to_have_url(f"{self.web.url}/chat")
        self.page.wait_for_load_state()  # the page's script is running
        return self

    @property
    def messages(self):
        return self.page.locator("#messages > li")

    def answered(self, action) -> None:
        """Run ``action`` (a click or a key) and wait until the trainer's answer is on the page."""
        with self.page.expect_response(lambda r: r.url.endswith("/api/messages")) as response:
            action()
        assert response.value.ok, response.value.text()
        expect(self.page.locator("#typing")).to_have_text("")

    def start(self, scenario_title: str, start_label: str = "Start") -> None:
        opener = self.page.get_by_role("button", name=scenario_title)
        if opener.get_attribute("aria-expanded") != "true":
            opener.click()
        expect(opener).to_have_attribute("aria-expanded", "true")
        card = self.page.locator(f"#{opener.get_attribute('aria-controls')}")
        self.answered(lambda: card.get_by_role("button", name=start_label).click())
        expect(self.page.locator("#chat")).to_be_visible()
        expect(self.page.locator("#chat-title")).to_have_text(scenario_title)

    def say(self, text: str) -> None:
        self.page.locator("#message").fill(text)
        self.answered(lambda: self.page.locator("#message").press("Enter"))

    def last(self, kind: str):
        return self.page.locator(f"#messages > li.msg-{kind}").last


def signed_in(web: WebApp, account: Account) -> tuple[httpx.Client, str]:
    """An API client with its own valid session and CSRF token, as a browser would have them."""
    client = web.client()
    form = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)[1]
    response = client.post("/login", data={"username": account.username, "password": account.password,
                                           "csrf_token": token, "next": "/chat"})
    assert response.status_code == 303, response.text
    page = client.get("/progress")  # every role may open it
    return client, re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text)[1]
