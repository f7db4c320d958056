"""Hot reload: an edited scenario file is served to new attempts within 2 s, without restarting
or retraining; a broken edit is refused and logged while the last good version keeps serving;
an attempt in progress keeps the version it started with."""
from __future__ import annotations

import shutil
import time

import pytest

from tests.conftest import TEST_DATA
from tests.e2e.conftest import Conversation

pytestmark = pytest.mark.e2e

RELOAD_LIMIT = 2.0


def _opening(stack) -> tuple[Conversation, str]:
    conversation = Conversation(stack)
    conversation.say("/language en")
    texts = conversation.texts(conversation.say("/scenario mini_visit"))
    return conversation, texts[-1]


def _wait_for_opening(stack, expected: str, limit: float) -> float:
    started = time.monotonic()
    while True:
        _, line = _opening(stack)
        elapsed = time.monotonic() - started
        if expected in line or elapsed > limit:
            assert expected in line, f"after {elapsed:.1f} s new attempts still open with {line!r}"
            return elapsed
        time.sleep(0.1)


@pytest.fixture
def probe(sqlite_stack, live_dialogues):
    target = live_dialogues / "mini_visit.yml"
    shutil.copy(TEST_DATA / "scenarios" / "mini_visit.yml", target)
    _wait_for_opening(sqlite_stack, "I need to register my address.", 5.0)
    yield target
    target.unlink()


def test_edit_is_served_within_two_seconds_and_a_broken_edit_keeps_the_last_good_version(sqlite_stack, probe):
    in_progress, first_line = _opening(sqlite_stack)
    assert first_line == "Hello. I need to register my address."

    source = probe.read_text(encoding="utf-8")
    edited = (source.replace("en: Hello. I need to register my address.", "en: Hello. I need to register my new address.")
                    .replace("en: My name is Amina Haddad.", "en: My name is Amina Haddad and I have my passport."))
    assert edited != source
    probe.write_text(edited, encoding="utf-8")
    elapsed = _wait_for_opening(sqlite_stack, "register my new address", RELOAD_LIMIT)
    print(f"new version served after {elapsed:.2f} s")

    # The attempt started before the edit keeps its version: the next step's line is the old one.
    replies = in_progress.say("Good morning, welcome to the registration office!")
    assert in_progress.payload(replies)["move"] == "greet"
    assert "My name is Amina Haddad." in in_progress.texts(replies)
    assert not any("passport" in text for text in in_progress.texts(replies))

    # A broken edit (an unknown next step) is refused; the last good version keeps serving.
    probe.write_text(edited.replace("greet: {next: name,", "greet: {next: nowhere,"), encoding="utf-8")
    time.sleep(1.5)
    fresh, line = _opening(sqlite_stack)
    assert "register my new address" in line
    replies = fresh.say("Good morning, welcome to the registration office!")
    assert any("I have my passport" in text for text in fresh.texts(replies))
    log = sqlite_stack.actions.log_path.read_text(errors="replace")
    assert "mini_visit.yml" in log and "refused" in log and "'nowhere'" in log
