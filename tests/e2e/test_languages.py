"""Three languages over REST: buttons to choose, the client answers in the trainee's language, the choice is remembered."""
from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import Conversation

pytestmark = pytest.mark.e2e

GREEK = re.compile(r"[\u0370-\u03ff]")


def test_language_buttons_switch_and_the_choice_is_remembered(sqlite_stack, library):
    trainee = Conversation(sqlite_stack)
    welcome = trainee.say("/start")
    buttons = [b for reply in welcome for b in reply.get("buttons", [])]
    assert {"English", "Español", "Ελληνικά"} <= {b["title"] for b in buttons}
    greek_button = next(b for b in buttons if b["title"] == "Ελληνικά")

    switched = trainee.texts(trainee.say(greek_button["payload"]))
    assert switched and GREEK.search(switched[0])
    opening = trainee.say("/scenario health_centre")
    assert trainee.payload(opening)["language"] == "el"
    client_line = trainee.texts(opening)[-1]
    assert client_line == library.get("health_centre").steps["arrival"].client["el"]

    reply = trainee.say("Καλημέρα σας, καλώς ήρθατε στο κέντρο υγείας.")
    assert trainee.payload(reply)["move"] == "greet" and GREEK.search(trainee.texts(reply)[-1])
    trainee.say("/end")

    # Later (a new attempt, the same trainee): still Greek, without choosing again.
    again = trainee.say("/scenario benefit_claim")
    assert trainee.payload(again)["language"] == "el"
    assert trainee.texts(again)[-1] == library.get("benefit_claim").steps["arrival"].client["el"]

    spanish = Conversation(sqlite_stack)
    spanish.say("/language es")
    opening = spanish.say("/scenario housing_rental")
    assert spanish.texts(opening)[-1] == library.get("housing_rental").steps["arrival"].client["es"]


def test_language_command_without_a_choice_offers_buttons(sqlite_stack):
    trainee = Conversation(sqlite_stack)
    replies = trainee.say("/language")
    assert [b["payload"] for r in replies for b in r.get("buttons", [])] == [
        '/language{"language":"en"}', '/language{"language":"es"}', '/language{"language":"el"}']
    unknown = trainee.say("/language klingon")
    assert "klingon" in trainee.texts(unknown)[0] and unknown[0].get("buttons")
