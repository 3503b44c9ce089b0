"""Local stand-in HTTP servers for the external services the CRM calls
(SendGrid, Twilio, a skip-trace provider, a list provider, the DNC registry). They answer like the documented APIs, check what the real
SDKs send, record every request for assertions, and can be told to fail."""
from .base import Recorded, StandIn
from .dncregistry import DncRegistryStandIn
from .listprovider import ListProviderStandIn
from .sendgrid import SendGridStandIn
from .skiptrace import SkipTraceStandIn
from .twilio import TwilioStandIn

__all__ = ["DncRegistryStandIn", "ListProviderStandIn", "Recorded", "SendGridStandIn", "SkipTraceStandIn", "StandIn", "TwilioStandIn"]
