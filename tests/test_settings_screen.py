"""CRM > Settings: CRM admins change the brokerage's facts through the Settings
API; other roles are refused."""
from __future__ import annotations

from conftest import login


def test_crm_admin_saves_brokerage_settings(page, wordpress) -> None:
    login(page, wordpress, "crmadmin")
    page.goto("/wp-admin/admin.php?page=senw-crm-settings")
    page.fill("#senw_crm_brokerage_name", "Harbor & Pine Realty")
    page.fill("#senw_crm_brokerage_address", "12 Main St\nPortland, OR 97201")
    page.fill("#senw_crm_commission_rate", "2.5")
    page.click("#submit")
    page.wait_for_load_state("load")
    assert page.input_value("#senw_crm_brokerage_name") == "Harbor & Pine Realty"
    assert page.input_value("#senw_crm_commission_rate") == "2.5"
    out = wordpress.wp_eval(
        "echo SENW_CRM_Settings::brokerage_name() . '|' . SENW_CRM_Settings::commission_rate();")
    assert out.strip().endswith("Harbor & Pine Realty|0.025")


def test_bad_commission_rate_is_refused_with_a_message(page, wordpress) -> None:
    login(page, wordpress, "crmadmin")
    page.goto("/wp-admin/admin.php?page=senw-crm-settings")
    before = page.input_value("#senw_crm_commission_rate")
    page.fill("#senw_crm_commission_rate", "250")
    page.click("#submit")
    page.wait_for_load_state("load")
    assert "between 0 and 100" in page.inner_text("#wpbody-content")
    assert page.input_value("#senw_crm_commission_rate") == before


def test_agent_cannot_open_or_post_settings(page, wordpress) -> None:
    login(page, wordpress, "agent1")
    resp = page.goto("/wp-admin/admin.php?page=senw-crm-settings")
    assert resp is not None and resp.status == 403
