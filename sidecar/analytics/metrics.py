"""The brief's analytics: the agent dashboard, hot leads, pipeline metrics
(funnel, time in stage, weighted value, forecast, per agent) and client
insights. Each takes `agents`: the agent ids the caller may see (None = all),
computed by the plugin from the same record-level rule as the screens.

Forecast of closings in the next 30/60/90 days: each open deal closes (won)
within h days with the probability p(stage, h) observed in the history: of
the deals that entered that stage at least h days before the cut-off, the
share that reached closed_won within h days of entering it. The count of
closings is then a sum of independent Bernoulli variables (Poisson-binomial):
mean sum(p); the 90% interval is its exact 5% and 95% quantiles (computed by
dynamic programming; beyond 3,000 open deals the normal approximation
mean ± 1.645 sd, widened to whole deals). Value: mean sum(p v) ± 1.645 sd
with variance sum(p(1-p)v²).
backtest() replays this at past cut-offs and counts how often the real
number of closings fell inside the interval (tests/test_deals_metrics.py
checks it on a fixed history).

Speed without the cache (issue 9): the funnel, the stays and the close rates
read aggregates of the stage history kept by its writers (aggregates.py,
sql/081) instead of re-deriving them from every row with joins and window
functions; the rest reads covering indexes. Same definitions as before.
"""
from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from statistics import median
from typing import Any

from sqlalchemy.orm import Session

from ..db import get_db

Z90 = 1.645
HORIZONS = (30, 60, 90)
OPEN = "d.stage NOT IN ('closed_won', 'closed_lost')"


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _scope(agents: list[int] | None, col: str = "d.agent_id") -> str:
    if agents is None:
        return "1=1"
    ids = sorted({int(a) for a in agents})
    return f"{col} IN ({','.join(str(i) for i in ids)})" if ids else "0=1"


def dashboard(s: Session, agents: list[int] | None, now: datetime | None = None) -> dict[str, Any]:
    db = get_db()
    now = now or _now()
    sc, lsc, tsc = _scope(agents), _scope(agents, "l.agent_id"), _scope(agents, "t.agent_id")
    deals = s.execute(db.sql(
        "SELECT COUNT(*) AS n, COALESCE(SUM(d.value), 0) AS v, "
        "COALESCE(SUM(d.value * d.probability / 100), 0) AS w FROM {t:deals} d WHERE "
        + OPEN + " AND " + sc)).one()
    closed = s.execute(db.sql(
        "SELECT SUM(d.stage = 'closed_won') AS won, COUNT(*) AS n FROM {t:deals} d "
        "WHERE d.stage IN ('closed_won', 'closed_lost') AND d.closed_at >= :since AND " + sc),
        {"since": now - timedelta(days=90)}).one()
    temps = {r.temperature: int(r.n) for r in s.execute(db.sql(
        "SELECT l.temperature, COUNT(*) AS n FROM {t:leads} l WHERE l.status NOT IN "
        "('converted', 'lost') AND " + lsc + " GROUP BY l.temperature"))}
    # event_day = DATE(event_timestamp), indexed (sql/081): day >= D is timestamp >= D 00:00
    trend_rows = s.execute(db.sql(
        "SELECT e.event_day AS day, COUNT(*) AS n FROM {t:events} e "
        "WHERE e.event_day >= :since AND " + _scope(agents, "e.agent_id") +
        " GROUP BY e.event_day ORDER BY day"),
        {"since": (now - timedelta(days=13)).date()}).all()
    by_day = {str(r.day): int(r.n) for r in trend_rows}
    trend = [{"day": str((now - timedelta(days=i)).date()),
              "events": by_day.get(str((now - timedelta(days=i)).date()), 0)}
             for i in range(13, -1, -1)]
    tasks = s.execute(db.sql(
        "SELECT SUM(t.status = 'open') AS pending, SUM(t.status = 'open' AND t.due_at < :now) "
        "AS overdue, SUM(t.created_at >= :since) AS recent, SUM(t.created_at >= :since AND "
        "t.status = 'done') AS recent_done FROM {t:tasks} t WHERE " + tsc),
        {"now": now, "since": now - timedelta(days=30)}).one()
    speed = _speed_to_lead(s, agents, now)
    won, nclosed = int(closed.won or 0), int(closed.n or 0)
    recent = int(tasks.recent or 0)
    return {
        "active_deals": int(deals.n), "pipeline_value": round(float(deals.v), 2),
        "weighted_value": round(float(deals.w), 2),
        "conversion_rate": round(won / nclosed, 4) if nclosed else None,
        "closed_90d": {"won": won, "closed": nclosed},
        "hot_leads": temps.get("hot", 0),
        "temperatures": {t: temps.get(t, 0) for t in ("hot", "warm", "cold")},
        "engagement_trend": trend,
        "tasks": {"pending": int(tasks.pending or 0), "overdue": int(tasks.overdue or 0),
                  "completion_rate": round(int(tasks.recent_done or 0) / recent, 4)
                  if recent else None},
        "speed_to_lead": speed,
    }


def _speed_to_lead(s: Session, agents: list[int] | None, now: datetime) -> list[dict[str, Any]]:
    """Median minutes from a lead's arrival to its agent's first contact (a
    note, message or status change by a person), last 90 days, per agent."""
    db = get_db()
    rows = s.execute(db.sql(
        "SELECT l.agent_id, u.display_name AS name, TIMESTAMPDIFF(SECOND, l.created_at, "
        "(SELECT MIN(a.created_at) FROM {t:activities} a WHERE a.lead_id = l.id AND "
        "a.user_id IS NOT NULL AND a.kind IN ('note', 'message', 'status'))) AS secs "
        "FROM {t:leads} l LEFT JOIN {wp:users} u ON u.ID = l.agent_id WHERE l.agent_id IS NOT "
        "NULL AND l.created_at >= :since AND " + _scope(agents, "l.agent_id") +
        " LIMIT 20000"), {"since": now - timedelta(days=90)}).all()
    per: dict[int, dict[str, Any]] = {}
    for r in rows:
        a = per.setdefault(int(r.agent_id), {"agent_id": int(r.agent_id), "name": r.name,
                                              "leads": 0, "contacted": 0, "_s": []})
        a["leads"] += 1
        if r.secs is not None:
            a["contacted"] += 1
            a["_s"].append(max(0, int(r.secs)))
    out = []
    for a in per.values():
        secs = a.pop("_s")
        a["median_minutes"] = round(median(secs) / 60, 1) if secs else None
        out.append(a)
    return sorted(out, key=lambda a: a["agent_id"])


def hot_leads(s: Session, agents: list[int] | None, limit: int = 20) -> list[dict[str, Any]]:
    db = get_db()
    rows = s.execute(db.sql(
        "SELECT l.id, l.display_name, l.score, l.agent_id, l.last_activity_at FROM {t:leads} l "
        "WHERE l.temperature = 'hot' AND l.status NOT IN ('converted', 'lost') AND "
        + _scope(agents, "l.agent_id") + " ORDER BY l.score DESC, l.id DESC LIMIT :n"),
        {"n": max(1, min(100, int(limit)))}).all()
    return [{"lead_id": int(r.id), "name": r.display_name, "score": int(r.score),
             "agent_id": r.agent_id} for r in rows]


# -- pipeline metrics --------------------------------------------------------------

def _stage_order(s: Session) -> list[str]:
    from ..deals.stages import stages
    return stages(s)


def close_probabilities(s: Session, cutoff: datetime, horizons: tuple[int, ...] = HORIZONS,
                        agents: list[int] | None = None) -> dict[str, dict[int, float]]:
    """p(stage, h) from the history before `cutoff` (see the module doc), in
    one grouped query. A stage with no observable entries falls back to 0."""
    db = get_db()
    cols = []
    for h in horizons:
        seen = f"h.created_at <= :cut - INTERVAL {int(h)} DAY"
        cols.append(f"SUM({seen}) AS seen_{int(h)}")
        cols.append(f"SUM({seen} AND h.won_at IS NOT NULL AND h.won_at >= h.created_at AND "
                    f"h.won_at < :cut AND h.won_at <= h.created_at + INTERVAL {int(h)} DAY) "
                    f"AS won_{int(h)}")
    # h.won_at: the deal's first closed_won entry (aggregates.py); "< :cut" keeps
    # only a win seen before the cut-off, as MIN() over the history before it did
    rows = s.execute(db.sql(
        "SELECT h.to_stage, " + ", ".join(cols) + " FROM {t:deal_stage_history} h "
        "WHERE h.created_at < :cut AND h.to_stage NOT IN ('closed_won', 'closed_lost') AND "
        + _scope(agents, "h.agent_id") + " GROUP BY h.to_stage"), {"cut": cutoff}).mappings().all()
    out: dict[str, dict[int, float]] = {}
    for r in rows:
        out[r["to_stage"]] = {h: (int(r[f"won_{h}"] or 0) / int(r[f"seen_{h}"]))
                              if r[f"seen_{h}"] else 0.0 for h in horizons}
    return out


EXACT_UP_TO = 3000    # open deals; beyond, the normal approximation


TINY = 1e-30    # a probability this small cannot move a 5% or 95% quantile


def poisson_binomial_quantiles(ps: list[float], lo: float = 0.05, hi: float = 0.95
                               ) -> tuple[int, int]:
    """The lo and hi quantiles of a sum of independent Bernoulli(p) variables,
    from its exact distribution (dynamic programming). Tails below TINY are
    dropped as they form (a few sd beyond the mean: what is left is O(n sd),
    not O(n^2)); what they held (< n * TINY) is far below the 1e-12 slack the
    quantile tests allow."""
    dist, off = [1.0], 0          # dist[i] = P(sum = off + i)
    for p in ps:
        # nxt[k] = dist[k-1] p + dist[k] (1-p), added in that order (as the loop it replaced)
        q = 1 - p
        dist = [a * p + b * q for a, b in zip([0.0, *dist], [*dist, 0.0], strict=True)]
        i, j = 0, len(dist)
        while i < j - 1 and dist[i] < TINY:
            i += 1
        while j > i + 1 and dist[j - 1] < TINY:
            j -= 1
        if i or j < len(dist):
            dist, off = dist[i:j], off + i
    acc, q_lo, q_hi = 0.0, None, off + len(dist) - 1
    for k, x in enumerate(dist):
        acc += x
        if q_lo is None and acc >= lo - 1e-12:
            q_lo = off + k
        if acc >= hi - 1e-12:
            q_hi = off + k
            break
    return int(q_lo or 0), int(q_hi)


def _interval(groups: list[tuple[float, int, float, float]], n: int) -> dict[str, Any]:
    """groups: (p, deals, sum of their values, sum of their squared values) per
    close probability (the deals of one stage share theirs)."""
    mean = sum(p * k for p, k, _, _ in groups)
    sd = math.sqrt(sum(p * (1 - p) * k for p, k, _, _ in groups))
    vmean = sum(p * v for p, _, v, _ in groups)
    vsd = math.sqrt(sum(p * (1 - p) * v2 for p, _, _, v2 in groups))
    if n <= EXACT_UP_TO:
        low, high = poisson_binomial_quantiles([p for p, k, _, _ in groups for _ in range(k)])
    else:
        low = max(0, math.floor(mean - Z90 * sd))
        high = min(n, math.ceil(mean + Z90 * sd))
    return {"expected_closings": round(mean, 2),
            "closings_low": low,
            "closings_high": high,
            "expected_value": round(vmean, 2),
            "value_low": round(max(0.0, vmean - Z90 * vsd), 2),
            "value_high": round(vmean + Z90 * vsd, 2)}


def forecast(s: Session, agents: list[int] | None, cutoff: datetime | None = None,
             horizons: tuple[int, ...] = HORIZONS) -> dict[str, Any]:
    """Closings and value for the next h days from the deals open at `cutoff`
    (no cut-off: now, from the deals' current stages)."""
    db = get_db()
    current = cutoff is None
    cutoff = cutoff or _now()
    probs = close_probabilities(s, cutoff, horizons, agents)
    if current:   # the open deals per stage: count, value, value squared (covering index)
        by_stage = [(r.stage, int(r.n), float(r.v), float(r.v2)) for r in s.execute(db.sql(
            "SELECT d.stage, COUNT(*) AS n, SUM(d.value) AS v, SUM(d.value * d.value) AS v2 "
            "FROM {t:deals} d WHERE " + OPEN + " AND " + _scope(agents) + " GROUP BY d.stage"))]
    else:
        rows = s.execute(db.sql(   # each deal once, in its stage at the cut-off
            "SELECT d.id, d.value, (SELECT h.to_stage FROM {t:deal_stage_history} h WHERE "
            "h.deal_id = d.id AND h.created_at < :cut ORDER BY h.created_at DESC, h.id DESC "
            "LIMIT 1) AS stage FROM {t:deals} d WHERE d.created_at < :cut AND " + _scope(agents)),
            {"cut": cutoff}).all()
        by_stage = [(d.stage, 1, float(d.value), float(d.value) * float(d.value)) for d in rows]
    by_stage = [g for g in by_stage if g[0] and g[0] not in ("closed_won", "closed_lost")]
    n_open = sum(g[1] for g in by_stage)
    out: dict[str, Any] = {"method": "per-stage empirical close-within-h rate; Poisson-binomial "
                           "5%-95% quantiles (90% interval)",
                           "open_deals": n_open, "cutoff": cutoff.isoformat()}
    for h in horizons:
        out[f"d{h}"] = _interval([(probs.get(st, {}).get(h, 0.0), k, v, v2)
                                  for st, k, v, v2 in by_stage], n_open)
    return out


def backtest(s: Session, cutoffs: list[datetime], horizon: int = 30,
             agents: list[int] | None = None) -> dict[str, Any]:
    """At each cut-off: the forecast interval vs the closings that happened."""
    db = get_db()
    hits = 0
    rows = []
    for cut in cutoffs:
        f = forecast(s, agents, cut, (horizon,))[f"d{horizon}"]
        actual = s.execute(db.sql(
            "SELECT COUNT(DISTINCT h.deal_id) FROM {t:deal_stage_history} h JOIN {t:deals} d "
            "ON d.id = h.deal_id WHERE h.to_stage = 'closed_won' AND h.created_at >= :c AND "
            "h.created_at < :e AND d.created_at < :c AND " + _scope(agents)),
            {"c": cut, "e": cut + timedelta(days=horizon)}).scalar()
        inside = f["closings_low"] <= int(actual) <= f["closings_high"]
        hits += inside
        rows.append({"cutoff": cut.isoformat(), "low": f["closings_low"],
                     "high": f["closings_high"], "actual": int(actual), "inside": inside})
    return {"hits": hits, "total": len(cutoffs),
            "coverage": round(hits / len(cutoffs), 4) if cutoffs else None, "rows": rows}


def pipeline_metrics(s: Session, agents: list[int] | None, filters: dict[str, Any],
                     now: datetime | None = None) -> dict[str, Any]:
    """Funnel (deals that reached each stage, and the share that went on to
    the next), average days in each stage (finished stays), weighted value,
    forecast and per-agent comparison. Filters: agent_id, since (date)."""
    db = get_db()
    given_now = now
    now = now or _now()
    order = _stage_order(s)
    sc = _scope(agents)
    args: dict[str, Any] = {}
    if filters.get("agent_id"):
        sc += " AND d.agent_id = :fa"
        args["fa"] = int(filters["agent_id"])
    if filters.get("since"):
        sc += " AND d.created_at >= :since"
        args["since"] = filters["since"]
    # Each deal's distinct stages are precomputed (deals.stages_reached, see
    # aggregates.py): one pass over the deals, grouped by that set. A deal that
    # reached a later stage passed the earlier ones, even if it skipped them:
    # per deal the furthest pipeline stage reached (closed_lost and stages no
    # longer configured count for none), then cumulative counts.
    pipeline = [st for st in order if st != "closed_lost"]
    rank = {st.lower(): i + 1 for i, st in enumerate(pipeline)}
    reached: dict[str, int] = {}
    furthest: dict[int, int] = {}
    for r in s.execute(db.sql(
            "SELECT d.stages_reached AS r, COUNT(*) AS n FROM {t:deals} d WHERE "
            "d.stages_reached <> '' AND " + sc + " GROUP BY d.stages_reached"), args):
        got = {x.lower() for x in r.r.split(",")}     # the column's collation is case-blind
        for st in got:
            reached[st] = reached.get(st, 0) + int(r.n)
        top = max((rank.get(st, 0) for st in got), default=0)
        furthest[top] = furthest.get(top, 0) + int(r.n)
    passed = {st: sum(n for r, n in furthest.items() if r >= i + 1)
              for i, st in enumerate(pipeline)}
    funnel = []
    for i, st in enumerate(pipeline):
        nxt = pipeline[i + 1] if i + 1 < len(pipeline) else None
        funnel.append({"stage": st, "deals": int(passed[st]),
                       "entered": reached.get(st.lower(), 0),
                       "to_next": round(passed[nxt] / passed[st], 4) if nxt and passed[st]
                       else None})
    # finished stays: history.left_at is the next entry's time (aggregates.py)
    hsc = _scope(agents, "h.agent_id")
    join = ""
    if filters.get("agent_id"):
        hsc += " AND h.agent_id = :fa"
    if filters.get("since"):
        join = " JOIN {t:deals} d ON d.id = h.deal_id AND d.created_at >= :since"
    stays = s.execute(db.sql(
        "SELECT h.to_stage AS stage, AVG(TIMESTAMPDIFF(SECOND, h.created_at, h.left_at)) / 86400 "
        "AS days FROM {t:deal_stage_history} h" + join + " WHERE h.left_at IS NOT NULL AND "
        + hsc + " GROUP BY h.to_stage"), args).all()
    time_in = {r.stage: round(float(r.days), 2) for r in stays if r.days is not None}
    weighted = s.execute(db.sql(
        "SELECT COALESCE(SUM(d.value * d.probability / 100), 0) AS w, COALESCE(SUM(d.value), 0) "
        "AS v, COUNT(*) AS n FROM {t:deals} d WHERE " + OPEN + " AND " + sc), args).one()
    per_agent = [{"agent_id": int(r.agent_id), "name": r.name, "open": int(r.open),
                  "won": int(r.won), "lost": int(r.lost),
                  "weighted_value": round(float(r.w), 2),
                  "win_rate": round(int(r.won) / (int(r.won) + int(r.lost)), 4)
                  if int(r.won) + int(r.lost) else None}
                 for r in s.execute(db.sql(   # grouped in agent_id order on the index, then named
                     "SELECT x.*, u.display_name AS name FROM (SELECT d.agent_id, SUM(" + OPEN +
                     ") AS open, SUM(d.stage = 'closed_won') AS won, SUM(d.stage = 'closed_lost') "
                     "AS lost, SUM(IF(" + OPEN + ", d.value * d.probability / 100, 0)) AS w "
                     "FROM {t:deals} d WHERE d.agent_id IS NOT NULL AND " + sc + " GROUP BY "
                     "d.agent_id) x LEFT JOIN {wp:users} u ON u.ID = x.agent_id ORDER BY "
                     "x.agent_id"), args)]
    agent_filter = [int(filters["agent_id"])] if filters.get("agent_id") else agents
    return {"funnel": funnel, "avg_days_in_stage": time_in,
            "open_deals": int(weighted.n), "pipeline_value": round(float(weighted.v), 2),
            "weighted_value": round(float(weighted.w), 2),
            "forecast": forecast(s, agent_filter, given_now), "per_agent": per_agent}


# -- client insights ------------------------------------------------------------

def client_insights(s: Session, person_ids: list[int], agents: list[int] | None
                    ) -> list[dict[str, Any]]:
    """Per client: engagement (score, temperature, events in 30 days),
    preferences learned from likes and dislikes (price band, beds, areas,
    property types of liked vs disliked listings) and a lifetime value
    estimate: sum over open deals of value × stage close rate, plus won value."""
    from ..scoring.engagement import explain, load_model
    db = get_db()
    model = load_model(s)
    probs = close_probabilities(s, _now(), (90,))
    out = []
    for pid in person_ids[:100]:
        lead = s.execute(db.sql(
            "SELECT l.id, l.display_name, l.score, l.temperature, l.agent_id FROM {t:leads} l "
            "WHERE l.person_id = :p AND " + _scope(agents, "l.agent_id") +
            " ORDER BY l.created_at DESC LIMIT 1"), {"p": int(pid)}).first()
        if lead is None:
            continue     # not a client the caller may see
        prefs = s.execute(db.sql(
            "SELECT cl.contact_listing_preference AS pref, p.ListPrice, p.BedroomsTotal, p.City,"
            " p.PropertyType FROM {t:contact_listings} cl JOIN {t:properties} p ON "
            "p.ListingKey = cl.listing_key WHERE cl.person_id = :p AND "
            "cl.contact_listing_preference IS NOT NULL"), {"p": int(pid)}).all()
        liked = [r for r in prefs if r.pref == "Favorite"]
        disliked = [r for r in prefs if r.pref == "Discard"]
        prices = sorted(float(r.ListPrice) for r in liked if r.ListPrice)
        beds = sorted(int(r.BedroomsTotal) for r in liked if r.BedroomsTotal is not None)
        deals = s.execute(db.sql(
            "SELECT stage, value FROM {t:deals} WHERE person_id = :p"), {"p": int(pid)}).all()
        won = sum(float(d.value) for d in deals if d.stage == "closed_won")
        expected = sum(float(d.value) * probs.get(d.stage, {}).get(90, 0.0) for d in deals
                       if d.stage not in ("closed_won", "closed_lost"))
        ex = explain(s, model, person_id=int(pid))
        recent = s.execute(db.sql(
            "SELECT COUNT(*) FROM {t:events} WHERE person_id = :p AND event_timestamp >= :s"),
            {"p": int(pid), "s": _now() - timedelta(days=30)}).scalar()
        out.append({
            "person_id": int(pid), "lead_id": int(lead.id), "name": lead.display_name,
            "engagement": {"score": ex.score, "temperature": ex.temperature,
                           "events_30d": int(recent),
                           "top": [c.to_dict() for c in ex.contributions[:5]]},
            "preferences": {
                "likes": len(liked), "dislikes": len(disliked),
                "price_band": [prices[0], prices[-1]] if prices else None,
                "beds": [beds[0], beds[-1]] if beds else None,
                "areas": sorted({r.City for r in liked if r.City}),
                "property_types": sorted({r.PropertyType for r in liked if r.PropertyType}),
                "avoid_areas": sorted({r.City for r in disliked if r.City}
                                      - {r.City for r in liked if r.City})},
            "lifetime_value": {"won": round(won, 2), "expected_open": round(expected, 2),
                               "total": round(won + expected, 2),
                               "method": "won deal value + open deal value × 90-day close "
                                         "rate of its stage"}})
    return out
