"""The Telegram bridge's parts without Telegram: rendering, keyboards, rate limit, pseudonyms, chart, settings."""
from __future__ import annotations

import dataclasses
import io
import os
import stat
import warnings

import pytest
from PIL import Image
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from actions.messages import t
from actions.settings import load_settings
from bot.telegram.chart import competency_chart
from bot.identity import load_key
from bot.telegram.identity import pseudonym
from bot.replies import qser_payload
from bot.telegram.render import (
    TEXT_LIMIT, Keyboards, Style, debrief_scores, render_text, split_text, utf16_len,
)
from bot.telegram.traffic import RateLimit

GREEK = {"Σεβασμός και οικειότητα": 80, "Ενεργητική ακρόαση και ενσυναίσθηση": 45, "Γλωσσική πρόσβαση": 10}


# --- splitting and escaping -----------------------------------------------------------------------

def test_long_text_is_split_at_line_breaks_within_the_limit():
    text = "\n".join(f"line {i}: " + "x" * 50 for i in range(200))
    pieces = split_text(text)
    assert len(pieces) == 3 and all(utf16_len(p) <= TEXT_LIMIT for p in pieces)
    assert "\n".join(pieces) == text


def test_split_counts_utf16_units_and_never_cuts_a_character_in_two():
    text = "😀" * 3000  # 6,000 UTF-16 units, no space to cut at
    pieces = split_text(text)
    assert [utf16_len(p) for p in pieces] == [4096, 1904] and "".join(pieces) == text


def test_split_falls_back_to_spaces():
    pieces = split_text("word " * 2000)
    assert len(pieces) == 3 and all(p.endswith("word") for p in pieces)


def test_everything_from_rasa_is_escaped_and_only_the_bridge_adds_markup():
    hostile = "<b>x</b> & <script>alert(1)</script> *y*"
    assert render_text(hostile, Style.PLAIN, "en")[0].html == "&lt;b&gt;x&lt;/b&gt; &amp; &lt;script&gt;alert(1)&lt;/script&gt; *y*"
    assert render_text(hostile, Style.FEEDBACK, "en")[0].html == "<i>&lt;b&gt;x&lt;/b&gt; &amp; &lt;script&gt;alert(1)&lt;/script&gt; *y*</i>"


def test_the_debrief_has_its_title_and_headings_in_bold():
    text = "\n".join(["Debrief: <Registering>", "Ending: resolved", t("en", "debrief_scores"), "• Respect: 80",
                      t("en", "debrief_well"), '"<b>hi</b>" - good'])
    assert render_text(text, Style.DEBRIEF, "en")[0].html.split("\n") == [
        "<b>Debrief: &lt;Registering&gt;</b>", "Ending: resolved", f"<b>{t('en', 'debrief_scores')}</b>",
        "• Respect: 80", f"<b>{t('en', 'debrief_well')}</b>", '"&lt;b&gt;hi&lt;/b&gt;" - good']


def test_a_split_reply_carries_its_keyboard_on_the_last_message():
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data="k")]])
    messages = render_text("<word> " * 1500, Style.PLAIN, "en", keyboard)
    assert len(messages) == 3 and [m.keyboard for m in messages] == [None, None, keyboard]


# --- keyboards ------------------------------------------------------------------------------------

def _data(markup: InlineKeyboardMarkup) -> list[str]:
    return [button.callback_data for row in markup.inline_keyboard for button in row]


def test_callback_data_is_a_short_token_redeemed_once_by_its_own_trainee():
    mine: dict = {}
    payload = '/scenario{"scenario_id":"' + "a_very_long_scenario_id_" * 5 + '"}'
    data = _data(Keyboards(mine).keyboard([{"title": "Start", "payload": payload}, {"title": "Hint", "payload": "/hint"}]))
    assert all(len(d.encode()) <= 64 for d in data) and not any("scenario" in d for d in data)
    assert Keyboards({}).redeem(data[0]) is None, "another trainee's data"
    assert Keyboards(mine).redeem(data[0]) == payload
    assert Keyboards(mine).redeem(data[1]) is None, "the keyboard is spent"
    for forged in (payload, "", None, "x" * 64, data[0] + "0"):
        assert Keyboards(mine).redeem(forged) is None


def test_only_the_latest_keyboards_are_kept():
    mine: dict = {}
    first, *_, last = [_data(Keyboards(mine).keyboard([{"title": "A", "payload": f"/p{i}"}]))[0] for i in range(21)]
    assert Keyboards(mine).redeem(first) is None and Keyboards(mine).redeem(last) == "/p20"


def test_short_buttons_share_a_row_and_long_titles_are_shortened():
    short = Keyboards({}).keyboard([{"title": name, "payload": f"/language {name}"} for name in ("English", "Español", "Ελληνικά")])
    assert [len(row) for row in short.inline_keyboard] == [3]
    long = Keyboards({}).keyboard([{"title": "A scenario title that goes on " * 4, "payload": "/p"}] * 4)
    assert [len(row) for row in long.inline_keyboard] == [1, 1, 1, 1]
    assert len(long.inline_keyboard[0][0].text) == 60 and long.inline_keyboard[0][0].text.endswith("…")
    assert Keyboards({}).keyboard([{"title": "", "payload": "/p"}, {"payload": "/q"}]) is None


def test_the_payload_and_its_scores_are_read_defensively():
    replies = [{"text": "hi"}, {"custom": {"qser": {"scores": {"respect": 120, "empathy": -3, "bad": "x"}, "total": 7}}}]
    assert debrief_scores(qser_payload(replies)) == {"respect": 100, "empathy": 0}
    assert qser_payload([{"custom": "nonsense"}]) is None and debrief_scores(None) is None
    assert debrief_scores({"scores": {"bad": "x"}}) is None


# --- rate limit -----------------------------------------------------------------------------------

def test_rate_limit_refuses_past_the_limit_and_notifies_once_per_burst():
    limit, user_data = RateLimit(3, window=60), {}
    verdicts = [limit.check(user_data, now) for now in (0, 1, 2, 3, 4, 59)]
    assert [v.allowed for v in verdicts] == [True, True, True, False, False, False]
    assert [v.notify for v in verdicts] == [False, False, False, True, False, False]
    assert verdicts[3].wait_seconds == 57
    assert limit.check(user_data, 60.5).allowed, "the first message left the window"
    again = limit.check(user_data, 60.6)
    assert not again.allowed and again.notify, "a new burst is told again"


# --- pseudonyms -----------------------------------------------------------------------------------

def test_the_pseudonym_is_a_keyed_hash_that_hides_the_telegram_id():
    user_id = 987654321
    name = pseudonym(b"key", user_id)
    assert name == pseudonym(b"key", user_id) != pseudonym(b"other key", user_id) != pseudonym(b"key", user_id + 1)
    assert str(user_id) not in name and len(name) == 3 + 64


def test_without_a_configured_key_one_is_generated_once_in_var(tmp_path):
    settings = dataclasses.replace(load_settings(), var_dir=tmp_path, pseudonym_key="")
    key, note = load_key(settings)
    assert "generated" in note and str(tmp_path) in note
    assert stat.S_IMODE(os.stat(tmp_path / "pseudonym.key").st_mode) == 0o600
    again, note = load_key(settings)
    assert again == key and "using" in note
    assert load_key(dataclasses.replace(settings, pseudonym_key="configured")) == (b"configured", None)


# --- chart ----------------------------------------------------------------------------------------

def test_the_chart_is_a_png_with_greek_labels_and_no_missing_glyphs():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        competency_chart({"中文": 50}, "CJK")  # DejaVu Sans has no CJK: proves missing glyphs are caught
        assert any("missing" in str(w.message).lower() for w in caught)
        caught.clear()
        png = competency_chart(GREEK, "Βαθμολογία ανά ικανότητα (0-100)")
    assert not [str(w.message) for w in caught if "missing" in str(w.message).lower()]
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.width >= 900 and image.height > 400


# --- settings -------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, value", [("TELEGRAM_WEBHOOK_SECRET", "not allowed!"), ("QSER_TELEGRAM_RATE_LIMIT", "0"),
                                         ("TELEGRAM_WEBHOOK_PORT", "http")])
def test_bad_telegram_settings_are_refused(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=name):
        load_settings()


# --- qser run ---------------------------------------------------------------------------------------

def test_run_says_in_one_line_whether_the_telegram_bridge_is_on(tmp_path):
    from bot.cli import _telegram_status
    from bot.stack import Stack

    settings = load_settings()
    off = _telegram_status(settings, Stack(tmp_path / "model.tar.gz", log_dir=tmp_path))
    assert off.startswith("Telegram bridge: off") and "TELEGRAM_BOT_TOKEN" in off and "\n" not in off
    on = _telegram_status(settings, Stack(tmp_path / "model.tar.gz", log_dir=tmp_path, telegram=True))
    assert on.startswith("Telegram bridge: on (long polling)") and str(tmp_path / "telegram.log") in on
