"""Engagement event types: RESO InternetTracking EventType values where RESO
has one, the CRM's own names for the rest.

`sendable` says who may send a type: 'client' (the public intake of a shared
link, or the plugin), 'plugin' (signed calls only), 'system' (detected by the
sidecar itself, e.g. from session timing; never accepted from outside).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EventType:
    name: str
    reso: bool
    sendable: str          # 'client' | 'plugin' | 'system'
    label: str
    needs_listing: bool = False


TYPES: dict[str, EventType] = {t.name: t for t in (
    # RESO InternetTracking EventType values
    EventType("DetailedView", True, "client", "opened a listing's details", True),
    EventType("ExitDetailedView", True, "client", "left a listing's details", True),
    EventType("Favorited", True, "client", "liked a listing", True),
    EventType("Discard", True, "client", "dismissed a listing", True),
    EventType("Maybe", True, "client", "is considering a listing", True),
    EventType("Impression", True, "client", "saw a listing card", True),
    EventType("PhotoGallery", True, "client", "browsed a listing's photos", True),
    EventType("Search", True, "plugin", "searched listings"),
    EventType("Share", True, "client", "shared a listing", True),
    EventType("SubmissionOfLeadForm", True, "plugin", "submitted a form"),
    EventType("ClickedOnPhoneNumber", True, "client", "clicked a phone number"),
    EventType("ClickedOnEmailAddress", True, "client", "clicked an email address"),
    # The CRM's own
    EventType("LinkOpened", False, "client", "opened a shared link"),
    EventType("ShowingRequested", False, "client", "asked for a showing", True),
    EventType("ReturnVisit", False, "plugin", "came back to the site"),
    EventType("EmailOpened", False, "plugin", "opened an email"),
    EventType("EmailClicked", False, "plugin", "clicked a link in an email"),
    EventType("SessionCompleted", False, "system", "finished a visit"),
    EventType("ExtendedEngagement", False, "system", "spent a long visit on the listings"),
    EventType("Abandonment", False, "system", "left a visit almost at once"),
)}

# Reactions to a shared listing and the RESO ContactListingPreference they set.
PREFERENCE = {"Favorited": "Favorite", "Maybe": "Possibility", "Discard": "Discard"}
REACTIONS = frozenset(PREFERENCE) | {"ShowingRequested", "DetailedView"}
DEVICE_TYPES = ("Desktop", "Mobile", "Tablet", "Wearable", "Unknown")
