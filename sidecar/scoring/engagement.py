"""Engagement scoring you can explain.

score = min(100, max(0, sum of contributions)), one contribution per event:
    weight[event type] * 0.5 ** (age / half_life)
plus, for a person, the initial score the lead got at capture
(sidecar/scoring/initial.py), decaying the same way from the lead's creation:
it is the first entry of the person's score history (reason 'initial').
The lead-form submission that created the lead is that initial score, so it
is not counted twice; later submissions count with their own weight.

Temperature: hot at `hot` or more, warm at `warm` or more, else cold. Weights,
half-life and thresholds are CRM Settings (WordPress option
senw_crm_scoring, JSON), read here with these defaults.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from ..db import get_db
from ..wpoptions import get_option

DEFAULT_WEIGHTS: dict[str, float] = {
    "LinkOpened": 5, "DetailedView": 3, "ExitDetailedView": 0, "Favorited": 12, "Maybe": 6,
    "Discard": -2, "Impression": 0, "PhotoGallery": 1, "Share": 8, "Search": 1,
    "ShowingRequested": 30, "SubmissionOfLeadForm": 20, "ClickedOnPhoneNumber": 10,
    "ClickedOnEmailAddress": 6, "ReturnVisit": 6, "EmailOpened": 2, "EmailClicked": 5,
    "SessionCompleted": 2, "ExtendedEngagement": 10, "Abandonment": -5,
}
DEFAULT_HALF_LIFE_DAYS = 14.0
DEFAULT_HOT, DEFAULT_WARM = 60, 35
WINDOW_DAYS = 180          # older events contribute (almost) nothing
MAX_EVENTS = 1000


@dataclass(frozen=True)
class Model:
    weights: dict[str, float]
    half_life_days: float
    hot: int
    warm: int

    def temperature(self, score: int) -> str:
        return "hot" if score >= self.hot else "warm" if score >= self.warm else "cold"

    def decay(self, age_seconds: float) -> float:
        return 0.5 ** (max(0.0, age_seconds) / (self.half_life_days * 86400))


@dataclass
class Contribution:
    what: str
    event_id: int | None
    at: datetime
    weight: float
    factor: float

    @property
    def points(self) -> float:
        return self.weight * self.factor

    def to_dict(self) -> dict[str, Any]:
        return {"what": self.what, "event_id": self.event_id, "at": self.at.isoformat(),
                "weight": self.weight, "factor": round(self.factor, 4),
                "points": round(self.points, 2)}


@dataclass
class Explained:
    score: int
    temperature: str
    contributions: list[Contribution] = field(default_factory=list)


def load_model(session: Session) -> Model:
    raw = get_option(session, "senw_crm_scoring")
    conf: dict[str, Any] = {}
    if raw:
        try:
            conf = json.loads(raw)
        except ValueError:
            conf = {}
    weights = dict(DEFAULT_WEIGHTS)
    for k, v in (conf.get("weights") or {}).items():
        if k in weights and isinstance(v, (int, float)):
            weights[k] = float(v)
    hl = conf.get("half_life_days")
    hot, warm = conf.get("hot"), conf.get("warm")
    return Model(weights,
                 float(hl) if isinstance(hl, (int, float)) and hl > 0 else DEFAULT_HALF_LIFE_DAYS,
                 int(hot) if isinstance(hot, int) and 0 < hot <= 100 else DEFAULT_HOT,
                 int(warm) if isinstance(warm, int) and 0 < warm <= 100 else DEFAULT_WARM)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def explain(session: Session, model: Model, *, person_id: int | None = None,
            deal_id: int | None = None, now: datetime | None = None) -> Explained:
    """The score now with every contribution (a deal's own events for a deal)."""
    db = get_db()
    now = now or _now()
    parts: list[Contribution] = []
    if deal_id is not None:
        where, args = "deal_id = :id", {"id": deal_id}
    else:
        where, args = "person_id = :id", {"id": person_id}
        initial = session.execute(db.sql(
            "SELECT h.score, h.lead_id, l.created_at FROM {t:score_history} h "
            "JOIN {t:leads} l ON l.id = h.lead_id WHERE h.person_id = :p AND "
            "h.reason = 'initial' ORDER BY h.id DESC LIMIT 1"), {"p": person_id}).first()
        if initial is not None:
            parts.append(Contribution("initial score at capture", None, initial.created_at,
                                      float(initial.score),
                                      model.decay((now - initial.created_at).total_seconds())))
    rows = session.execute(db.sql(
        "SELECT id, event_type, event_timestamp, details FROM {t:events} WHERE " + where +
        " AND event_timestamp > :since ORDER BY event_timestamp DESC LIMIT :n"),
        {**args, "since": now.replace(microsecond=0) - _days(WINDOW_DAYS),
         "n": MAX_EVENTS}).all()
    for r in rows:
        details = r.details if isinstance(r.details, dict) else json.loads(r.details or "{}")
        if r.event_type == "SubmissionOfLeadForm" and details.get("created_lead"):
            continue  # that submission is the initial score
        weight = model.weights.get(r.event_type, 0.0)
        if weight == 0:
            continue
        parts.append(Contribution(r.event_type, int(r.id), r.event_timestamp, weight,
                                  model.decay((now - r.event_timestamp).total_seconds())))
    total = round(max(0.0, min(100.0, sum(p.points for p in parts))))
    parts.sort(key=lambda p: -abs(p.points))
    return Explained(total, model.temperature(total), parts)


def _days(n: int) -> Any:
    from datetime import timedelta
    return timedelta(days=n)


@dataclass
class Change:
    before: tuple[int, str]
    after: tuple[int, str]

    @property
    def turned_hot(self) -> bool:
        return self.after[1] == "hot" and self.before[1] != "hot"

    @property
    def dropped(self) -> bool:
        order = {"cold": 0, "warm": 1, "hot": 2}
        return order[self.after[1]] < order.get(self.before[1], 0)


def ensure_initial(session: Session, person_id: int) -> None:
    """A person scored before engagement scoring existed: their latest lead's
    score becomes the 'initial' entry of the history (once)."""
    db = get_db()
    has = session.execute(db.sql(
        "SELECT 1 FROM {t:score_history} WHERE person_id = :p AND reason = 'initial' LIMIT 1"),
        {"p": person_id}).first()
    if has:
        return
    lead = session.execute(db.sql(
        "SELECT id, score, temperature, created_at, pipeline_state FROM {t:leads} "
        "WHERE person_id = :p ORDER BY created_at DESC LIMIT 1"), {"p": person_id}).first()
    if lead is None or lead.pipeline_state == "received":
        return
    session.execute(db.sql(
        "INSERT INTO {t:score_history} (person_id, lead_id, score, temperature, reason, "
        "created_at) VALUES (:p, :l, :s, :t, 'initial', :at)"),
        {"p": person_id, "l": lead.id, "s": lead.score, "t": lead.temperature,
         "at": lead.created_at})


def record_initial(session: Session, lead_id: int, score: int, temperature: str,
                   reasons: list[tuple[str, int]]) -> None:
    """Called by the lead pipeline once it scored a new lead: the first entry
    of the person's score history, then the person is rescored with any
    engagement that arrived before (so the two never disagree)."""
    db = get_db()
    person_id = session.execute(db.sql("SELECT person_id FROM {t:leads} WHERE id = :id"),
                                {"id": lead_id}).scalar()
    session.execute(db.sql(
        "INSERT INTO {t:score_history} (person_id, lead_id, score, temperature, reason, "
        "contributions) VALUES (:p, :l, :s, :t, 'initial', :c)"),
        {"p": person_id, "l": lead_id, "s": score, "t": temperature,
         "c": json.dumps([{"what": r, "points": p} for r, p in reasons])})
    others = session.execute(db.sql(
        "SELECT COUNT(*) FROM {t:events} WHERE person_id = :p AND processed_at IS NOT NULL"),
        {"p": person_id}).scalar()
    if others:
        rescore_person(session, int(person_id), reason="initial+events")


def rescore_person(session: Session, person_id: int, *, event_id: int | None = None,
                   reason: str = "event", model: Model | None = None) -> Change | None:
    """Score the person's current lead again; history row when it changed."""
    db = get_db()
    model = model or load_model(session)
    lead = session.execute(db.sql(
        "SELECT id, score, temperature, pipeline_state FROM {t:leads} WHERE person_id = :p "
        "ORDER BY status IN ('converted', 'lost'), created_at DESC LIMIT 1 FOR UPDATE"),
        {"p": person_id}).first()
    if lead is None or lead.pipeline_state == "received":
        return None      # the pipeline scores it first, then calls record_initial()
    ensure_initial(session, person_id)
    ex = explain(session, model, person_id=person_id)
    change = Change((int(lead.score), str(lead.temperature)), (ex.score, ex.temperature))
    if change.before != change.after:
        session.execute(db.sql(
            "UPDATE {t:leads} SET score = :s, temperature = :t WHERE id = :id"),
            {"s": ex.score, "t": ex.temperature, "id": lead.id})
        _history(session, person_id, int(lead.id), None, ex, reason, event_id)
    return change


def rescore_deal(session: Session, deal_id: int, *, event_id: int | None = None,
                 reason: str = "event", model: Model | None = None) -> Change | None:
    db = get_db()
    model = model or load_model(session)
    deal = session.execute(db.sql(
        "SELECT id, person_id, lead_id, score, temperature FROM {t:deals} WHERE id = :id "
        "FOR UPDATE"), {"id": deal_id}).first()
    if deal is None:
        return None
    ex = explain(session, model, deal_id=deal_id)
    change = Change((int(deal.score), str(deal.temperature)), (ex.score, ex.temperature))
    if change.before != change.after:
        session.execute(db.sql(
            "UPDATE {t:deals} SET score = :s, temperature = :t WHERE id = :id"),
            {"s": ex.score, "t": ex.temperature, "id": deal_id})
        _history(session, int(deal.person_id), deal.lead_id, deal_id, ex, reason, event_id)
    return change


def _history(session: Session, person_id: int, lead_id: int | None, deal_id: int | None,
             ex: Explained, reason: str, event_id: int | None) -> None:
    session.execute(get_db().sql(
        "INSERT INTO {t:score_history} (person_id, lead_id, deal_id, score, temperature, "
        "reason, event_id, contributions) VALUES (:p, :l, :d, :s, :t, :r, :e, :c)"),
        {"p": person_id, "l": lead_id, "d": deal_id, "s": ex.score, "t": ex.temperature,
         "r": reason[:100], "e": event_id,
         "c": json.dumps([c.to_dict() for c in ex.contributions[:20]])})
