"""Contact normalization and the initial score: pure functions."""
from __future__ import annotations

from decimal import Decimal

import pytest

from sidecar.leads.normalize import InvalidContact, normalize_email, normalize_phone
from sidecar.leads.people import search_text
from sidecar.scoring.initial import HOT_AT, WARM_AT, LeadFacts, score_lead, temperature_for


@pytest.mark.parametrize(("raw", "region", "e164"), [
    ("503-555-0100", "US", "+15035550100"),
    ("(503) 555 0100", "US", "+15035550100"),
    ("503.555.0100", "US", "+15035550100"),
    ("  5035550100 ", "US", "+15035550100"),
    ("+1 503 555 0100", "US", "+15035550100"),
    ("1-503-555-0100", "US", "+15035550100"),
    ("+44 20 7946 0958", "US", "+442079460958"),
    ("020 7946 0958", "GB", "+442079460958"),
    ("(212) 555-0123 ", "US", "+12125550123"),
])
def test_phone_to_e164(raw, region, e164):
    assert normalize_phone(raw, region) == e164


@pytest.mark.parametrize("raw", ["", "   ", "12345", "555-0100", "phone me", "+1 503 555 01"])
def test_invalid_phone_rejected_with_field(raw):
    with pytest.raises(InvalidContact) as err:
        normalize_phone(raw, "US")
    assert err.value.field == "phone"


@pytest.mark.parametrize(("raw", "email"), [
    ("  Jane.Doe@Example.COM ", "jane.doe@example.com"),
    ("a+tag@sub.example.org", "a+tag@sub.example.org"),
])
def test_email_trimmed_and_lower_cased(raw, email):
    assert normalize_email(raw) == email


@pytest.mark.parametrize("raw", ["", "jane", "jane@", "@example.com", "jane@example",
                                 "ja ne@example.com", "a@b@example.com"])
def test_invalid_email_rejected_with_field(raw):
    with pytest.raises(InvalidContact) as err:
        normalize_email(raw)
    assert err.value.field == "email"


def test_search_text_has_name_emails_and_phone_digits():
    text = search_text("Jane", "Doe", ["jane@example.com"], ["+15035550100", "+442079460958"])
    assert text == "Jane Doe jane@example.com 15035550100 5035550100 442079460958"


# -- initial score ---------------------------------------------------------------

def test_bare_website_lead_is_cold():
    result = score_lead(LeadFacts(source="website"))
    assert (result.score, result.temperature) == (15, "cold")
    assert result.reasons == [("source website", 15)]


def test_typical_form_lead_with_phone_and_message_is_warm():
    result = score_lead(LeadFacts(source="website", has_phone=True, has_email=True,
                                  message="Interested in 3 bedroom homes near the park."))
    assert (result.score, result.temperature) == (45, "warm")


def test_listing_inquiry_priced_high_with_intent_is_hot():
    result = score_lead(LeadFacts(
        source="listing_inquiry", has_phone=True, has_email=True,
        message="We are pre-approved and would like to see it this week.",
        listing_key="L1", list_price=Decimal(1250000)))
    assert result.temperature == "hot"
    assert result.score == 25 + 15 + 5 + 10 + 10 + 10 + 10
    assert ("listing priced at 1,000,000 or more", 10) in result.reasons


def test_mid_price_band_and_unknown_price():
    mid = score_lead(LeadFacts(source="website", listing_key="L2", list_price=Decimal(600000)))
    unknown = score_lead(LeadFacts(source="website", listing_key="L2"))
    assert mid.score == unknown.score + 5


def test_repeat_inquiry_and_unknown_source():
    first = score_lead(LeadFacts(source="billboard"))
    repeat = score_lead(LeadFacts(source="billboard", prior_leads=2))
    assert first.score == 10 and repeat.score == 25


def test_score_is_capped_at_100():
    result = score_lead(LeadFacts(source="referral", has_phone=True, has_email=True,
                                  message="Cash buyer, ready to buy ASAP, call me today please",
                                  listing_key="L3", list_price=Decimal(2000000), prior_leads=5))
    assert result.score == 100


def test_temperature_thresholds():
    assert temperature_for(HOT_AT) == "hot"
    assert temperature_for(HOT_AT - 1) == "warm"
    assert temperature_for(WARM_AT) == "warm"
    assert temperature_for(WARM_AT - 1) == "cold"
