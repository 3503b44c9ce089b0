"""RESO InternetTracking DeviceType from a user agent, the same rule as the
plugin's SENW_CRM_Timeline::device_type()."""
from __future__ import annotations

import re

_TABLET = re.compile(r"iPad|Tablet", re.IGNORECASE)
_MOBILE = re.compile(r"Mobi|Android|iPhone", re.IGNORECASE)


def device_type(user_agent: str) -> str:
    if not user_agent:
        return "Unknown"
    if _TABLET.search(user_agent):
        return "Tablet"
    if _MOBILE.search(user_agent):
        return "Mobile"
    return "Desktop"
