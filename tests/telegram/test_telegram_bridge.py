"""The Telegram bridge end to end: Telegram users (through the Bot API emulator) -> bridge -> Rasa -> actions."""
from __future__ import annotations

import io
import threading

import pytest
from PIL import Image
from sqlalchemy import select

from actions.messages import t
from actions.practice import Practice
from actions.scenarios import text_in
from actions.settings import LANGUAGES
from actions.store.db import unit_of_work
from actions.store.models import Attempt, Trainee, Turn
from bot.scripted_lines import LINES, PATHS
from bot.telegram.app import MENU
from tests.telegram.conftest import (
    TelegramUser, has_debrief, has_feedback, has_text, pseudonym_of, shown, sqlite_files, telegram_ids_in,
)

pytestmark = pytest.mark.e2e

# Distinctive Telegram user ids: none of them may ever reach the database or a log.
FULL, ALICE, BOB, HOSTILE, NON_TEXT, BUTTONS, FLOOD, SPANISH, BLOCKED, PRIVACY = (
    987654321, 987650001, 987650002, 987650003, 987650004, 987650005, 987650006, 987650007, 987650008, 987650009)
USERS = (FULL, ALICE, BOB, HOSTILE, NON_TEXT, BUTTONS, FLOOD, SPANISH, BLOCKED, PRIVACY)


def trainee_row(stack, user_id: int) -> Trainee | None:
    with unit_of_work(stack.database_url) as session:
        return session.scalar(select(Trainee).where(Trainee.pseudonym == pseudonym_of(user_id)))


def attempts_of(stack, user_id: int) -> list[Attempt]:
    with unit_of_work(stack.database_url) as session:
        trainee = session.scalar(select(Trainee).where(Trainee.pseudonym == pseudonym_of(user_id)))
        return list(session.scalars(select(Attempt).where(Attempt.trainee_id == trainee.id).order_by(Attempt.id)))


def start_scenario(user: TelegramUser, scenario_id: str) -> list:
    return user.say(f"/scenario {scenario_id}", until=has_text("Your goal"))


def test_commands_are_registered_in_every_language(bot_api, bridge):
    handled = set(Practice().commands)
    for language in (*LANGUAGES, None):
        params = {"language_code": language} if language else {}
        commands = bot_api.call(bridge.token, "getMyCommands", **params)
        assert [c["command"] for c in commands] == list(MENU)
        assert [c["description"] for c in commands] == [t(language or "en", f"command_{c}") for c in MENU]
    assert set(MENU) <= handled and handled - set(MENU) == {"scenario"}  # /scenario needs an id: buttons do it


def test_full_scenario_from_start_through_a_button_to_the_debrief(bot_api, bridge, sqlite_stack, library):
    user = TelegramUser(bot_api, bridge, FULL)
    scenario = library.get("citizen_registration")
    title = text_in(scenario.title, "en")

    welcome = user.say("/start", until=lambda ms: any(title in m.shown for m in ms))
    assert t("en", "welcome").split("\n")[0] in welcome[0].shown
    assert [b["text"] for b in welcome[0].buttons] == [t(lang, "language_name") for lang in LANGUAGES]
    listing = next(m for m in welcome if any(b["text"] == title for b in m.buttons))
    assert all(len(b["callback_data"].encode()) <= 64 for b in listing.buttons)
    assert not any("scenario_id" in b["callback_data"] for b in listing.buttons), "payloads stay in the bridge"

    query = user.tap(listing, title)
    opening = user.receive(until=has_text("Your goal"))
    assert opening[0].shown.startswith(title) and {b["text"] for b in opening[0].buttons} == {"Hint", "End"}
    assert user.callback_answered(query), "the tap's spinner is stopped"
    tapped = next(m for m in user.history() if m.message_id == listing.message_id)
    assert tapped.buttons == [], "the tapped keyboard is removed, so it cannot be tapped twice"

    moves = PATHS["citizen_registration"]["good"]
    for move in moves:
        replies = user.say(LINES[move], until=lambda ms: has_feedback(ms) or has_debrief(ms))
        assert shown(replies)[0] and not replies[0].html.startswith("<i>"), "the client answers first"
        feedback = [m for m in replies if m.html.startswith("<i>")]
        assert len(feedback) == 1 and feedback[0].shown.startswith("Coach:"), "coach feedback: a message of its own"
        if has_debrief(replies):
            break
    else:
        replies = user.say("/end", until=has_debrief)

    photo = next(m for m in replies if m.photo)
    image = Image.open(io.BytesIO(photo.photo))
    assert image.format == "PNG" and image.width >= 600 and image.height >= 400
    debrief = next(m for m in replies if m.html.startswith("<b>"))
    assert debrief.shown.startswith(t("en", "debrief_title", title=title))
    assert f"<b>{t('en', 'debrief_scores')}</b>" in debrief.html
    assert replies.index(photo) < replies.index(debrief), "the chart comes with the debrief, before its details"

    attempt = attempts_of(sqlite_stack, FULL)[-1]
    assert attempt.scenario_id == "citizen_registration" and attempt.ended_at is not None
    assert photo.shown == t("en", "debrief_total", total=attempt.total)
    if attempt.total < 100:
        assert debrief.buttons, "the suggested next scenario is a button"


def test_two_users_at_once_see_only_their_own_conversation(bot_api, bridge, sqlite_stack, library):
    plans = {ALICE: "citizen_registration", BOB: "school_enrolment"}
    users = {user_id: TelegramUser(bot_api, bridge, user_id) for user_id in plans}
    errors = []

    def converse(user: TelegramUser, scenario_id: str) -> None:
        try:
            start_scenario(user, scenario_id)
            for move in PATHS[scenario_id]["good"][:3]:
                user.say(LINES[move], until=has_feedback)
        except Exception as error:  # noqa: BLE001 - re-raised in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=converse, args=(users[u], plans[u])) for u in plans]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors

    for user_id, scenario_id in plans.items():
        other = next(s for u, s in plans.items() if u != user_id)
        everything = "\n".join(m.shown for m in users[user_id].history())
        assert text_in(library.get(scenario_id).title, "en") in everything
        assert text_in(library.get(other).title, "en") not in everything
        assert library.get(other).persona_name not in everything
        attempt = attempts_of(sqlite_stack, user_id)[-1]
        with unit_of_work(sqlite_stack.database_url) as session:
            turns = session.scalar(select(Turn.index).where(Turn.attempt_id == attempt.id).order_by(Turn.index.desc()))
        assert attempt.scenario_id == scenario_id and turns == 3


def test_hostile_markup_long_and_arabic_texts_get_clear_escaped_replies(bot_api, bridge, sqlite_stack):
    user = TelegramUser(bot_api, bridge, HOSTILE)
    reply = user.say("/mode <script>alert(1)</script>")
    assert "<script>alert(1)</script>" in reply[0].shown, "shown literally, as typed"
    assert "&lt;script&gt;" in reply[0].html

    hostile = "<b>bold</b> <script>alert(1)</script> & *x* _y_ [a](http://e.x) ~~ ||s|| `c` </i>"
    start_scenario(user, "citizen_registration")
    for text in (hostile, "Please bring your documents. " * 180, "مرحبا، كيف يمكنني مساعدتك اليوم؟"):
        replies = user.say(text, until=has_feedback)
        assert all(m.shown for m in replies)
    assert any(t("en", "truncated", cap=2000) in m.shown for m in user.received), "the 5,220 characters were capped"
    user.say("/end", until=has_debrief)  # the debrief quotes the trainee's own words
    assert not any("<script" in m.html or "<b>bold" in m.html for m in user.received), "every text escaped"

    with unit_of_work(sqlite_stack.database_url) as session:
        attempt = attempts_of(sqlite_stack, HOSTILE)[-1]
        texts = list(session.scalars(select(Turn.employee_text).where(Turn.attempt_id == attempt.id)))
    assert hostile in texts, "stored as written; escaping happens where it is shown"
    assert "مرحبا، كيف يمكنني مساعدتك اليوم؟" in texts
    assert len(texts) == 3 and max(len(x) for x in texts) == 2000


def test_non_text_messages_and_edits_get_a_clear_reply(bot_api, bridge, sqlite_stack):
    user = TelegramUser(bot_api, bridge, NON_TEXT)
    contents = {
        "sticker": {"file_id": "s1", "file_unique_id": "s1", "type": "regular", "width": 512, "height": 512,
                    "is_animated": False, "is_video": False},
        "photo": [{"file_id": "p1", "file_unique_id": "p1", "width": 90, "height": 90}],
        "voice": {"file_id": "v1", "file_unique_id": "v1", "duration": 3},
        "document": {"file_id": "d1", "file_unique_id": "d1", "file_name": "cv.pdf"},
    }
    for kind, content in contents.items():
        user.send(**{kind: content})
        assert shown(user.receive()) == [t("en", "telegram_non_text")], kind
    sent = user.send("Good morning")
    user.receive()
    user.edit(sent, "Good afternoon")
    assert shown(user.receive()) == [t("en", "telegram_edited")]
    assert trainee_row(sqlite_stack, NON_TEXT) is not None  # only the text reached the trainer


def test_forged_and_reused_buttons_are_refused(bot_api, bridge, sqlite_stack):
    user = TelegramUser(bot_api, bridge, BUTTONS)
    listing = user.say("/scenarios")[0]
    forged_payload = '/scenario{"scenario_id":"citizen_registration"}'
    for data in (forged_payload, "AAAAAAAA:0", listing.buttons[0]["callback_data"].split(":")[0] + ":99"):
        user.callback(listing, data)
        assert shown(user.receive()) == [t("en", "telegram_button_expired")], data
    second = user.say("/scenarios")[0]
    data = second.buttons[0]["callback_data"]
    user.callback(second, data)
    user.receive(until=has_text("Your goal"))
    user.callback(second, data)  # a second tap, before the client saw the keyboard go
    assert shown(user.receive()) == [t("en", "telegram_button_expired")]
    assert len(attempts_of(sqlite_stack, BUTTONS)) == 1, "only the one real tap started a scenario"


def test_a_flood_is_rate_limited_with_one_notice(bot_api, bridge):
    user = TelegramUser(bot_api, bridge, FLOOD)
    for number in range(25):
        user.send(f"hello {number}")
    received = user.receive(until=lambda ms: len(ms) >= 21, quiet=3.0)
    notices = [m for m in received if m.shown.startswith(t("en", "telegram_rate_limited", seconds=0)[:40])]
    assert len(notices) == 1, shown(received)
    assert len([m for m in received if m.shown == t("en", "no_active_scenario")]) == 20
    assert len(received) == 21


def test_telegram_language_is_a_hint_for_a_new_trainee_only(bot_api, bridge, sqlite_stack):
    user = TelegramUser(bot_api, bridge, SPANISH, language_code="es-ES")
    welcome = user.say("/start", until=lambda ms: len(ms) >= 2)
    assert welcome[0].shown.startswith(t("es", "welcome").split("\n")[0])
    assert shown(user.say("/language en")) == [t("en", "language_set")]
    assert user.say("/help")[0].shown == t("en", "help"), "the trainee's choice outlives the hint"
    assert trainee_row(sqlite_stack, SPANISH).language == "en"


def test_an_error_is_logged_without_the_message_text(bot_api, bridge):
    user = TelegramUser(bot_api, bridge, BLOCKED)
    bot_api.client("blockBot", token=bridge.token, chatId=BLOCKED)  # the user blocks the bot while it works
    secret = "Zebra-Quokka-7781 is my secret sentence"
    user.send(secret)
    log = bridge.log_path
    for _ in range(100):
        if "an update failed with Forbidden" in log.read_text():
            break
        threading.Event().wait(0.1)
    text = log.read_text()
    assert "an update failed with Forbidden" in text
    assert "Zebra" not in text and str(BLOCKED) not in text


def test_telegram_ids_never_reach_the_database_or_the_logs(bot_api, bridge, sqlite_stack):
    user = TelegramUser(bot_api, bridge, PRIVACY)
    start_scenario(user, "citizen_registration")
    user.say(LINES["greet"], until=has_feedback)
    assert trainee_row(sqlite_stack, PRIVACY) is not None, "the trainee is known by the pseudonym"
    files = [*sqlite_files(sqlite_stack), sqlite_stack.rasa.log_path, sqlite_stack.actions.log_path, bridge.log_path]
    assert telegram_ids_in(files, USERS) == []
