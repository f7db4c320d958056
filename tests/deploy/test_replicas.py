"""Two Rasa servers and two action servers sharing PostgreSQL and the Redis lock store.

Many trainees at once, each conversation's messages spread over both replicas: every turn is stored
exactly once, in order, and scored exactly as on a single replica.
"""
from __future__ import annotations

import json
import time

import httpx
import pytest

from tests.deploy.conftest import redis_cli
from tests.deploy.trainees import Trainee, check_stored, messages_per_run, play_all

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

TRAINEES = 20


def test_many_trainees_on_two_replicas_store_every_turn_once_in_order(replicas, app_database, references):
    people = play_all(replicas.webhook_urls, TRAINEES)

    for person in people:
        assert set(person.served_by) == set(replicas.webhook_urls), f"{person.sender} was served by one replica only"
        assert person.notices == [], f"{person.sender} was told: {person.notices}"
    turns = check_stored(app_database, people, references)
    assert turns == messages_per_run(TRAINEES) - TRAINEES * len(people[0].games)


def test_a_conversation_busy_on_one_replica_waits_for_it_on_the_other(replicas):
    """The Redis lock store: while one replica holds a conversation's lock, the other does not touch it.

    The lock is taken here as a replica takes it (a ticket in Rasa's lock format, "lock:<conversation>");
    with an in-memory lock store per process the second replica would answer at once.
    """
    hold = 3.0
    trainee = Trainee(replicas.webhook_urls, first_replica=1)
    trainee.say("/scenario citizen_registration")
    ticket = json.dumps({"number": 0, "expires": time.time() + hold})
    redis_cli("SET", f"lock:{trainee.sender}",
              json.dumps({"conversation_id": trainee.sender, "tickets": [ticket]}), "PX", "30000")
    started = time.monotonic()
    replies = httpx.post(replicas.webhook_urls[1], json={"sender": trainee.sender, "message": "Good morning and welcome to our office."},
                         timeout=60).json()
    waited = time.monotonic() - started
    assert waited >= hold, f"answered after {waited:.1f} s while the conversation was locked for {hold} s"
    assert [r["custom"]["qser"]["turn"] for r in replies if r.get("custom")] == [1]
    started = time.monotonic()
    trainee.say("My name is Eleni and I work at this desk.")
    assert time.monotonic() - started < hold, "the lock was not released"
    trainee.close()
