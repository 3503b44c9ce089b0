"""Signed routes the plugin calls for compliance: an agent's opt-out on the lead
page (written in the request's transaction, so it holds for the next send),
and the scrub of one phone for the lead page. The plugin has already checked
the user's capability and the lead's visibility; the body names them."""
from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from ..db import Database
from ..errors import NotFound, ValidationFailed
from ..security import signed
from .consent import OPT_OUT_CHANNELS, record_opt_out
from .dnc import scrub, store_for

bp = Blueprint("compliance", __name__, url_prefix="/internal/compliance")
_E164 = re.compile(r"^\+1[2-9]\d{2}[2-9]\d{6}$")


def body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ValidationFailed({"body": "a JSON object expected"})
    return data


def positive_int(data: dict[str, Any], name: str, required: bool = True) -> int | None:
    value = data.get(name)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValidationFailed({name: "a positive whole number expected"})
    return value


def person_of_lead(db: Database, lead_id: int) -> int:
    with db.engine.connect() as conn:
        pid = conn.execute(db.sql("SELECT person_id FROM {t:leads} WHERE id = :l"),
                           {"l": lead_id}).scalar()
    if pid is None:
        raise NotFound("No such lead.")
    return int(pid)


@bp.post("/opt-out")
@signed
def opt_out() -> Response:
    """{lead_id, channels: [sms|call|email|mail|all], user_id, note}: the agent
    withdraws the lead's consent on those channels (every address of the person)."""
    data = body()
    lead_id = positive_int(data, "lead_id")
    user_id = positive_int(data, "user_id")
    channels = data.get("channels")
    if not isinstance(channels, list) or not channels or any(
            c not in OPT_OUT_CHANNELS for c in channels):
        raise ValidationFailed({"channels": "one or more of " + ", ".join(OPT_OUT_CHANNELS)})
    note = data.get("note") or ""
    if not isinstance(note, str) or len(note) > 255:
        raise ValidationFailed({"note": "text of at most 255 characters expected"})
    db: Database = current_app.extensions["senw_db"]
    assert lead_id is not None
    person_id = person_of_lead(db, lead_id)
    ids = []
    with db.Session.begin() as s:
        for channel in dict.fromkeys(channels):
            ids.append(record_opt_out(s, channel, person_id=person_id, source="agent",
                                      detail=note, user_id=user_id, lead_id=lead_id))
    return jsonify(opt_out_ids=ids, person_id=person_id)


@bp.post("/scrub")
@signed
def scrub_phones() -> Response:
    """{phones: [E.164, ...]} -> each phone's lists and registry date."""
    data = body()
    phones = data.get("phones")
    if not isinstance(phones, list) or not 0 < len(phones) <= 1000 or any(
            not isinstance(p, str) or not _E164.match(p) for p in phones):
        raise ValidationFailed({"phones": "1-1000 North American numbers in E.164 expected"})
    db: Database = current_app.extensions["senw_db"]
    store = store_for(current_app.config["SENW"].dnc_dir)
    with db.Session.begin() as s:
        results = scrub(s, store, phones)
    return jsonify(results=[{"phone": r.phone, "lists": list(r.lists),
                             "registry_date": r.registry_date.isoformat() if r.registry_date
                             else None} for r in results])


@bp.post("/unsubscribe")
@signed
def unsubscribe() -> Response:
    """{token}: a campaign email's unsubscribe link (one-click or the page's
    button), checked here; the person's email addresses are opted out."""
    from ..campaigns.run import check_unsubscribe_token

    data = body()
    token = data.get("token")
    found = check_unsubscribe_token(current_app.config["SENW"].shared_secret, token) \
        if isinstance(token, str) and len(token) < 80 else None
    if found is None:
        raise ValidationFailed({"token": "not a valid unsubscribe link"})
    person_id, campaign_id = found
    db: Database = current_app.extensions["senw_db"]
    with db.Session.begin() as s:
        record_opt_out(s, "email", person_id=person_id, source="unsubscribe_link",
                       detail=f"campaign {campaign_id}")
    return jsonify(person_id=person_id, campaign_id=campaign_id)
