"""``qser play`` in a terminal session: the trainer's replies with move, confidence and points per turn."""
from __future__ import annotations

import subprocess
import sys

import pytest

from actions.settings import PROJECT_ROOT
from bot.scripted_lines import LINES

pytestmark = pytest.mark.e2e


def test_play_shows_move_confidence_and_points_then_the_debrief(sqlite_stack):
    lines = [LINES["greet"], LINES["introduce_self"], "/end"]
    result = subprocess.run([sys.executable, "-m", "bot", "play", "citizen_registration", "--url", sqlite_stack.webhook_url],
                            input="\n".join(lines) + "\n", capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Good morning... Excuse me." in out  # Mariam's first line
    assert "-- move: greet (confidence " in out and "points: respect +1" in out
    assert "-- move: introduce_self (confidence " in out
    assert "-- ending: " in out and "total: " in out


def test_play_says_how_to_start_the_trainer_when_none_runs():
    result = subprocess.run([sys.executable, "-m", "bot", "play", "citizen_registration", "--url",
                             "http://127.0.0.1:5999/webhooks/rest/webhook"], input="", capture_output=True, text=True,
                            cwd=PROJECT_ROOT, timeout=60)
    assert result.returncode == 2 and "./qser run" in result.stderr
