"""``qser play <scenario>``: play a scenario in the terminal against the running trainer.

Every line goes through the running Rasa server (its NLU and the action server), as
a trainee's would; after each turn the move, the NLU's confidence and the points are
shown, so a trainer can see how the scenario and the NLU react to their wording.
"""
from __future__ import annotations

import sys
import uuid
from typing import Iterable, TextIO

import httpx

from bot.replies import qser_payload

PROMPT = "you> "


def _show(replies: list[dict], out: TextIO) -> dict:
    for reply in replies:
        if reply.get("text"):
            print(reply["text"], file=out)
        if reply.get("buttons"):
            print("  [" + "] [".join(b["title"] for b in reply["buttons"]) + "]", file=out)
    payload = qser_payload(replies) or {}
    if payload.get("move"):
        points = ", ".join(f"{c} {v:+d}" for c, v in payload["points"].items()) or "no points"
        print(f"  -- move: {payload['move']} (confidence {payload['confidence']:.2f}) | points: {points} | "
              f"trust: {payload['trust']} | step: {payload['step']}", file=out)
    if payload.get("done") and "scores" in payload:
        print(f"  -- ending: {payload['ending']} | total: {payload['total']} | scores: {payload['scores']}", file=out)
    return payload


def play(webhook_url: str, scenario_id: str, language: str, lines: Iterable[str], out: TextIO = sys.stdout,
         interactive: bool = True) -> int:
    sender = f"play-{uuid.uuid4().hex[:10]}"
    with httpx.Client(timeout=60) as client:
        def say(text: str) -> list[dict]:
            response = client.post(webhook_url, json={"sender": sender, "message": text})
            response.raise_for_status()
            return response.json()

        try:
            say(f"/language {language}")
        except httpx.ConnectError:
            print(f"play: no trainer answers at {webhook_url}; start it first with ./qser run "
                  f"(or give its address with --url)", file=sys.stderr)
            return 2
        payload = _show(say(f"/scenario {scenario_id}"), out)
        if not payload:
            return 1
        print("(type your replies; /hint for a hint, /end to finish, Ctrl-D to quit)", file=out)
        if interactive:
            print(PROMPT, end="", flush=True, file=out)
        for line in lines:
            line = line.rstrip("\n")
            if not line.strip():
                continue
            payload = _show(say(line), out)
            if payload.get("done") and "scores" in payload:
                return 0
            if interactive:
                print(PROMPT, end="", flush=True, file=out)
    return 0
