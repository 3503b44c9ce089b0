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
    # The server's check, not the browser's max="100", is under test.
    page.evaluate("document.querySelector('#senw_crm_commission_rate').form.noValidate = true")
    with page.expect_navigation():
        page.click("#submit")
    assert "between 0 and 100" in page.inner_text("#wpbody-content")
    assert page.input_value("#senw_crm_commission_rate") == before


def test_agent_cannot_open_or_post_settings(page, wordpress) -> None:
    login(page, wordpress, "agent1")
    resp = page.goto("/wp-admin/admin.php?page=senw-crm-settings")
    assert resp is not None and resp.status == 403


def test_crm_admin_sets_consent_limits_statuses_region_and_proxies(page, wordpress) -> None:
    login(page, wordpress, "crmadmin")
    page.goto("/wp-admin/admin.php?page=senw-crm-settings")
    # The empty consent field shows the default, which names the brokerage.
    assert "agents may contact" in (page.get_attribute("#senw_crm_consent_text", "placeholder") or "")
    page.fill("#senw_crm_consent_text", "I agree that Harbor & Pine may contact me.")
    page.fill("#senw_crm_capture_rate_window", "120")
    page.uncheck("#senw_crm_public_statuses input[value='Closed']")
    page.check("#senw_crm_public_statuses input[value='Hold']")
    page.fill("#senw_crm_default_region", "ca")
    page.fill("#senw_crm_trusted_proxies", "10.0.0.0/8\n2001:db8::/32")
    with page.expect_navigation():
        page.click("#submit")
    out = wordpress.wp_eval(
        "echo wp_json_encode( array( SENW_CRM_Lead_Form::consent_text(),"
        " (int) get_option( 'senw_crm_capture_rate_window' ), SENW_CRM_Settings::public_statuses(),"
        " SENW_CRM_Settings::default_region(), SENW_CRM_Settings::trusted_proxies() ) );")
    import json
    consent, window, statuses, region, proxies = json.loads(out.strip().splitlines()[-1])
    assert consent == "I agree that Harbor & Pine may contact me."
    assert window == 120
    assert "Closed" not in statuses and "Hold" in statuses and "Active" in statuses
    assert region == "CA"
    assert proxies == ["10.0.0.0/8", "2001:db8::/32"]

    # A bad proxy entry or region is refused with a message and changes nothing.
    page.fill("#senw_crm_trusted_proxies", "10.0.0.0/8\nnot-an-ip")
    page.fill("#senw_crm_default_region", "C1")
    with page.expect_navigation():
        page.click("#submit")
    body = page.inner_text("#wpbody-content")
    assert "not-an-ip" in body and "two-letter" in body
    assert page.input_value("#senw_crm_trusted_proxies") == "10.0.0.0/8\n2001:db8::/32"
    assert page.input_value("#senw_crm_default_region") == "CA"
    # Put the defaults back for the rest of the run.
    wordpress.wp_eval("delete_option( 'senw_crm_consent_text' ); delete_option( 'senw_crm_public_statuses' );"
                      " delete_option( 'senw_crm_default_region' ); delete_option( 'senw_crm_trusted_proxies' );"
                      " update_option( 'senw_crm_capture_rate_window', 60 );")
