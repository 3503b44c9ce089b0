"""Alerts to the assigned agent: an email and an SMS when a lead arrives, and
again when the person inquires again on the open lead (an senw_inquiries row,
written by the intake or by the plugin's Add Lead). Each alert is keyed
(lead-<id>-agent-email, lead-<id>-repeat-<inquiry id>-agent-sms, ...) so it
goes out once; alerts go to the brokerage's own staff, so they do not pass the
contact compliance gate."""
from __future__ import annotations

from functools import partial

from sqlalchemy import bindparam
from sqlalchemy.orm import Session

from ..config import Config
from ..db import Database, get_db
from ..notify.messages import NotificationFailed, Outcome, Outgoing, reserve, send_once
from ..notify.sendgrid_client import SendGridClient
from ..notify.twilio_client import TwilioClient
from ..tx import in_transaction
from .agents import agent_contacts
from .normalize import InvalidContact, normalize_phone
from .timeline import add_activity

LEAD_PATH = "/wp-admin/admin.php?page=senw-crm-lead&lead={id}"   # the plugin's lead page


SOURCE_LABELS = {"website": "Website", "listing_inquiry": "Listing inquiry", "manual": "Manual",
                 "import": "Import", "referral": "Referral", "open_house": "Open house"}


def listing_words(session: Session, listing_key: str | None) -> str:
    """' about 12 Oak St, Portland ($450,000)' for the lead's listing, '' without one."""
    if not listing_key:
        return ""
    row = session.execute(get_db().sql(
        "SELECT UnparsedAddress, City, ListPrice, PropertyType FROM {t:properties}"
        " WHERE ListingKey = :k"), {"k": listing_key}).first()
    if row is None:
        return f" about listing {listing_key}"
    place = ", ".join(x for x in (row.UnparsedAddress, row.City)
                      if x and not (x == row.City and row.UnparsedAddress and x in row.UnparsedAddress))
    price = "" if row.ListPrice is None else f" (${float(row.ListPrice):,.0f}" + (
        "/mo)" if "lease" in str(row.PropertyType or "").lower() else ")")
    return f" about {place or 'listing ' + listing_key}{price}"


def agent_alerts(session: Session, lead_id: int, wp_url: str, region: str = "US",
                 repeat: tuple[int, str] | None = None) -> list[Outgoing]:
    """The email and SMS for the lead's agent (no SMS when the agent's mobile is
    missing or not a valid number). `repeat` = (activity id, message) of a
    repeat inquiry to announce instead of the new lead."""
    lead = session.execute(get_db().sql(
        "SELECT id, person_id, agent_id, display_name, primary_email, primary_phone, source, "
        "score, temperature, message, listing_key FROM {t:leads} WHERE id = :id"),
        {"id": lead_id}).one()
    if not lead.agent_id:
        return []
    entered_by = session.execute(get_db().sql(
        "SELECT user_id FROM {t:audit_log} WHERE object_type = 'lead' AND object_id = :id"
        " AND action = 'create' ORDER BY id LIMIT 1"), {"id": lead_id}).scalar()
    if repeat is None and entered_by is not None and int(entered_by) == int(lead.agent_id):
        return []  # the agent entered this lead: nothing to tell them
    email, mobile = agent_contacts(session, int(lead.agent_id))
    try:
        mobile = normalize_phone(mobile, region) if mobile else ""
    except InvalidContact:
        mobile = ""
    name = lead.display_name or "(no name)"
    link = wp_url.rstrip("/") + LEAD_PATH.format(id=lead.id)
    contact = ", ".join(x for x in (lead.primary_phone, lead.primary_email) if x)
    about = listing_words(session, lead.listing_key)
    source = SOURCE_LABELS.get(str(lead.source), str(lead.source))
    if repeat is None:
        key = f"lead-{lead.id}"
        what = f"new {lead.temperature} lead"
        headline = f"You have a new {lead.temperature} lead (score {lead.score}){about}."
        message = lead.message or ""
    else:
        key = f"lead-{lead.id}-repeat-{repeat[0]}"
        what = "repeat inquiry from"
        headline = f"Your {lead.temperature} lead got in touch again{about}."
        message = repeat[1]
    base = {"lead_id": lead.id, "person_id": lead.person_id,
            "recipient_user_id": int(lead.agent_id)}
    out: list[Outgoing] = []
    if email:
        lines = [headline, "", f"Name: {name}", f"Contact: {contact or '-'}",
                 f"Source: {source}"]
        if message:
            lines += ["", "Message:", message]
        lines += ["", f"Open the lead: {link}"]
        subject = f"{what[0].upper()}{what[1:]}: {name}"
        out.append(Outgoing(f"{key}-agent-email", "email", email, "\n".join(lines),
                            subject=subject[:255], **base))
    if mobile:
        sms = (f"SENW CRM: {what} {name}{about}, {contact or 'no contact'}"
               f" ({source}, score {lead.score}). {link}")
        out.append(Outgoing(f"{key}-agent-sms", "sms", mobile, sms[:1000], **base))
    return out


def reserve_inquiry_alert(session: Session, lead_id: int, wp_url: str, region: str
                          ) -> list[Outgoing]:
    """Under the lead's lock: the inquiries on the lead not announced yet (and
    not entered by its own agent) are folded into one alert, whose message rows
    are written now, in the same transaction that marks those inquiries with the
    alert's key. However the jobs of one lead overlap, each inquiry is announced
    by exactly one alert; a burst of them makes one alert, not one each."""
    db = get_db()
    lead = session.execute(db.sql(
        "SELECT id, agent_id FROM {t:leads} WHERE id = :id FOR UPDATE"), {"id": lead_id}).one()
    if not lead.agent_id:
        return []
    rows = session.execute(db.sql(
        "SELECT i.id, i.user_id, a.body FROM {t:inquiries} i "
        "LEFT JOIN {t:activities} a ON a.id = i.activity_id "
        "WHERE i.lead_id = :id AND i.alert_key IS NULL ORDER BY i.id FOR UPDATE"),
        {"id": lead_id}).all()
    if not rows:
        return []
    own = [r.id for r in rows if r.user_id is not None and int(r.user_id) == int(lead.agent_id)]
    rest = [r for r in rows if r.id not in own]
    if own:   # an agent is not alerted about what they entered themselves
        session.execute(db.sql("UPDATE {t:inquiries} SET alert_key = 'entered-by-agent' "
                               "WHERE id IN :ids").bindparams(
                                   bindparam("ids", expanding=True)), {"ids": own})
    if not rest:
        return []
    newest = max(int(r.id) for r in rest)
    alerts = agent_alerts(session, lead_id, wp_url, region,
                          (newest, "\n\n".join(str(r.body or "") for r in rest)))
    key = f"lead-{lead_id}-repeat-{newest}"
    session.execute(db.sql("UPDATE {t:inquiries} SET alert_key = :k WHERE id IN :ids")
                    .bindparams(bindparam("ids", expanding=True)),
                    {"k": key, "ids": [int(r.id) for r in rest]})
    for msg in alerts:
        reserve(session, msg)
    return alerts


def unsent_inquiry_alerts(session: Session, lead_id: int) -> list[Outgoing]:
    """Inquiry alerts reserved earlier whose sending did not finish (the job died
    after reserving them, or the provider failed): sent again by the next run."""
    rows = session.execute(get_db().sql(
        "SELECT idempotency_key, channel, to_address, body, subject, lead_id, person_id, "
        "recipient_user_id FROM {t:messages} WHERE lead_id = :id AND status IN ('queued', "
        "'failed') AND idempotency_key LIKE :p ORDER BY id"),
        {"id": lead_id, "p": f"lead-{lead_id}-repeat-%"}).all()
    return [Outgoing(r.idempotency_key, r.channel, r.to_address, r.body, subject=r.subject,
                     lead_id=r.lead_id, person_id=r.person_id,
                     recipient_user_id=r.recipient_user_id) for r in rows]


def notify_agent(db: Database, cfg: Config, lead_id: int, *, repeats: bool = False,
                 email_client: SendGridClient | None = None,
                 sms_client: TwilioClient | None = None) -> list[str]:
    """Send the new-lead alerts, or with `repeats` those for repeat inquiries,
    each at most once; returns the statuses of the messages handled. Raises
    NotificationFailed, after trying every alert, if one should be retried."""
    email_client = email_client or SendGridClient.from_config(cfg)
    sms_client = sms_client or TwilioClient.from_config(cfg)

    def compose(s: Session) -> list[Outgoing]:
        if repeats:
            fresh = reserve_inquiry_alert(s, lead_id, cfg.wp_url, cfg.default_region)
            keys = {a.idempotency_key for a in fresh}
            alerts = fresh + [a for a in unsent_inquiry_alerts(s, lead_id)
                              if a.idempotency_key not in keys]
        else:
            alerts = agent_alerts(s, lead_id, cfg.wp_url, cfg.default_region)
        if alerts and not any(a.channel == "sms" for a in alerts):
            _note_once(s, lead_id, "no-mobile", "The assigned agent has no valid mobile "
                       "number on file; no SMS was sent.")
        return alerts

    alerts = in_transaction(db.Session, compose)
    statuses: list[str] = []
    failure: NotificationFailed | None = None
    for msg in alerts:
        client = email_client if msg.channel == "email" else sms_client
        try:
            outcome = send_once(db.Session, msg, client,
                                on_settled=partial(_record, lead_id=lead_id, msg=msg))
        except NotificationFailed as exc:
            failure = exc
            statuses.append("failed")
            continue
        if outcome.changed:
            statuses.append(outcome.status)
    if failure is not None:
        raise failure
    return statuses


def _record(s: Session, outcome: Outcome, *, lead_id: int, msg: Outgoing) -> None:
    """The alert on the lead's timeline, written with its message row's status."""
    what = "Email" if msg.channel == "email" else "SMS"
    kind = "repeat-inquiry alert" if "-repeat-" in msg.idempotency_key else "alert"
    add_activity(s, "message", f"{what} {kind} to the agent: {outcome.status}.",
                 lead_id=lead_id, person_id=msg.person_id,
                 meta={"step": "notify", "message_id": outcome.message_id,
                       "channel": msg.channel, "status": outcome.status})


def _note_once(session: Session, lead_id: int, tag: str, body: str) -> None:
    """A system activity the pipeline writes at most once per lead."""
    seen = session.execute(get_db().sql(
        "SELECT 1 FROM {t:activities} WHERE lead_id = :id AND kind = 'system' "
        "AND JSON_UNQUOTE(JSON_EXTRACT(meta, '$.note')) = :tag LIMIT 1"),
        {"id": lead_id, "tag": tag}).first()
    if not seen:
        add_activity(session, "system", body, lead_id=lead_id,
                     meta={"step": "notify", "note": tag})
