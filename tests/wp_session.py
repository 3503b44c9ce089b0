"""A requests session logged into wp-admin with WordPress's own cookies (the
way a browser is), for tests of admin screens and their form handlers."""
from __future__ import annotations

import html
import re

import requests

from sidecar.devstack import Stack


def logged_in(wp: Stack, login: str) -> requests.Session:
    password = wp.admin_password if login == wp.admin_user else wp.demo_password
    s = requests.Session()
    s.get(wp.wp_url + "/wp-login.php", timeout=30)  # sets WordPress's test cookie
    r = s.post(wp.wp_url + "/wp-login.php", data={
        "log": login, "pwd": password, "wp-submit": "Log In", "testcookie": "1",
        "redirect_to": wp.wp_url + "/wp-admin/"}, allow_redirects=False, timeout=60)
    assert r.status_code == 302 and any(c.name.startswith("wordpress_logged_in") for c in s.cookies), (
        f"login as {login} failed: {r.status_code} {r.text[:300]}")
    return s


def hidden_fields(page_html: str, form_marker: str) -> dict[str, str]:
    """The hidden inputs of the first form whose opening tag contains form_marker."""
    m = re.search(r"<form[^>]*" + re.escape(form_marker) + r"[^>]*>(.*?)</form>", page_html, re.DOTALL)
    assert m, f"no form with {form_marker}"
    return {html.unescape(n): html.unescape(v) for n, v in re.findall(
        r'<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"', m.group(1))}


# PHP run by wp_eval before reading what the plugin registers inside wp-admin:
# is_admin() true (a dashboard screen), the administrator signed in, and the
# plugin's modules registered again under those conditions.
ADMIN_CONTEXT_PHP = r"""
require_once ABSPATH . 'wp-admin/includes/class-wp-screen.php';
require_once ABSPATH . 'wp-admin/includes/screen.php';
$GLOBALS['current_screen'] = WP_Screen::get( 'dashboard' );
wp_set_current_user( 1 );
foreach ( SENW_CRM_Plugin::MODULES as $m ) { if ( class_exists( $m ) ) { $m::register(); } }
"""
