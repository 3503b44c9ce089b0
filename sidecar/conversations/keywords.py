"""What an inbound text asks for: the carriers' and Twilio's keywords (STOP and
its synonyms, START, HELP) and plain-language opt-outs ("please stop texting
me", "remove me from your list"). A reply that is an opt-out in words is
treated as one: the FCC counts any reasonable means of revoking consent."""
from __future__ import annotations

import re

STOP_WORDS = {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout",
              "opt out", "opt-out", "stop all", "remove"}
START_WORDS = {"start", "unstop", "resume"}
YES_WORDS = {"yes", "y", "yes please", "yep", "yeah", "ok", "okay"}
HELP_WORDS = {"help", "info"}

_NATURAL_STOP = re.compile(
    r"\b(stop|quit|no more|don'?t|do not|never)\s+(texting|messaging|contacting|calling|"
    r"sending|text|message|contact|call|txt)|"
    r"\b(remove|take)\s+(me|my (number|name|email))\b|"
    r"\bunsubscribe\b|\bopt(\s|-)?out\b|\bleave me alone\b|\bwrong number\b|"
    r"\bnot interested,? (stop|remove)\b|\blose my number\b",
    re.IGNORECASE)


def normalize(body: str) -> str:
    text = re.sub(r"[^\w\s'-]", " ", body or "").strip().lower()
    return re.sub(r"\s+", " ", text)


def classify(body: str) -> str | None:
    """'stop', 'start', 'yes', 'help', or None for an ordinary message."""
    text = normalize(body)
    if text in STOP_WORDS:
        return "stop"
    if text in START_WORDS:
        return "start"
    if text in YES_WORDS:
        return "yes"
    if text in HELP_WORDS:
        return "help"
    if _NATURAL_STOP.search(body or ""):
        return "stop"
    return None


def reply_for(kind: str, brokerage: str, contact: str) -> str:
    """The one reply each keyword gets (CTIA: brand, what happened, how to undo, no marketing)."""
    if kind == "stop":
        return (f"{brokerage}: You are unsubscribed and will receive no more messages from us. "
                "Reply START to resubscribe.")
    if kind == "start":
        return (f"{brokerage}: You are resubscribed to our messages. Msg & data rates may apply. "
                "Reply HELP for help, STOP to opt out.")
    if kind == "yes":
        return (f"{brokerage}: Thanks, you will receive texts about homes from us. Msg & data "
                "rates may apply. Reply HELP for help, STOP to opt out.")
    return (f"{brokerage}: Help at {contact}. Msg & data rates may apply. Reply STOP to opt out.")
