"""Page flows of the platform in a real browser: first-run setup, sign-in, TOTP enrolment and
sign-in with a code, an invitation emailed through a real SMTP server (the Outbox shows it without
its link) and accepted from the email, and a 403 for a role without permission. Tests run in file
order and share one server and one database."""
import json
import re
import subprocess
import time
import urllib.parse
import urllib.request

import pyotp
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from conftest import SMTPPeer, api, click_and_wait, replaced, shot

ADMIN = {"org": "Jamuna Net", "name": "Farhana Kabir", "email": "farhana@jamuna.test", "password": "monsoon river ferry 2026"}
STAFF = {"name": "Rubel Mia", "email": "rubel@jamuna.test", "password": "green chilli market 88"}
state = {}


def fill(driver, **fields):
    for name, value in fields.items():
        box = driver.find_element(By.NAME, name)
        box.clear()
        box.send_keys(value)


def submit(driver, selector="form.form button[type=submit]"):
    click_and_wait(driver, selector)


def sign_out(driver):
    click_and_wait(driver, "form.inline[action='/logout'] button")


def test_first_run_setup_creates_the_organization(server, browser):
    browser.get(server["base"] + "/")
    assert browser.current_url.endswith("/setup")
    fill(browser, organization_name=ADMIN["org"], name=ADMIN["name"], email=ADMIN["email"], password="qwerty123456")
    submit(browser)
    assert "common" in browser.find_element(By.CSS_SELECTOR, ".field-error").text
    assert browser.find_element(By.NAME, "organization_name").get_attribute("value") == ADMIN["org"]
    fill(browser, password=ADMIN["password"])
    submit(browser)
    assert browser.find_element(By.TAG_NAME, "h1").text == ADMIN["org"]
    shot(browser, "01-dashboard")


def test_sign_out_and_sign_in(server, browser):
    sign_out(browser)
    assert "/login" in browser.current_url
    fill(browser, email=ADMIN["email"], password="wrong password entirely")
    submit(browser)
    assert "not correct" in browser.page_source
    fill(browser, email=ADMIN["email"], password=ADMIN["password"])
    submit(browser)
    assert browser.find_element(By.TAG_NAME, "h1").text == ADMIN["org"]


def test_totp_enrolment_and_sign_in_with_a_code(server, browser):
    browser.get(server["base"] + "/account/two-factor")
    submit(browser, "form[action='/account/two-factor/start'] button")
    assert browser.find_element(By.CSS_SELECTOR, ".qr svg")
    shot(browser, "02-two-factor-qr")
    secret = browser.find_element(By.ID, "totp-secret").text.strip()
    uri = browser.find_element(By.ID, "otpauth-uri").text.strip()
    parsed = pyotp.parse_uri(uri)
    assert parsed.secret == secret and parsed.name == ADMIN["email"]
    totp = pyotp.TOTP(secret)
    fill(browser, code=totp.now())
    submit(browser)
    codes = [c.text for c in browser.find_elements(By.CSS_SELECTOR, "#recovery-codes code")]
    assert len(codes) == 10
    shot(browser, "03-recovery-codes")
    sign_out(browser)
    fill(browser, email=ADMIN["email"], password=ADMIN["password"])
    submit(browser)
    assert "/login/two-factor" in browser.current_url
    fill(browser, code="000000")
    submit(browser)
    assert "not correct" in browser.page_source
    # The enrolment code's time step cannot be replayed: wait for the next one.
    time.sleep(30 - time.time() % 30 + 1)
    fill(browser, code=totp.now())
    submit(browser)
    assert browser.find_element(By.TAG_NAME, "h1").text == ADMIN["org"]


@pytest.fixture(scope="module")
def smtp():
    peer = SMTPPeer()
    yield peer
    peer.stop()


def outbox_row(driver, base, recipient):
    """The Outbox's newest row for `recipient` (the list is newest first), or None."""
    driver.get(base + "/outbox?q=" + urllib.parse.quote(recipient))
    rows = [r for r in driver.find_elements(By.CSS_SELECTOR, "table.data tbody tr") if recipient in r.text]
    return rows[0] if rows else None


def configure_smtp(driver, base, port):
    """Points the organization's email at the SMTP peer through the Settings page."""
    driver.get(base + "/settings#email")
    for field, value in {"host": "127.0.0.1", "port": str(port), "from_address": "noreply@jamuna.test", "from_name": ADMIN["org"]}.items():
        box = driver.find_element(By.ID, "email-" + field)  # ids, not names: other sections have fields such as "port" too
        box.clear()
        box.send_keys(value)
    Select(driver.find_element(By.ID, "email-security")).select_by_value("none")  # the peer speaks plain SMTP, no TLS
    submit(driver, "form[action='/settings/email'] button[type=submit]")
    assert "Email (SMTP) settings saved" in driver.find_element(By.CSS_SELECTOR, ".flash").text


def test_an_invitation_is_accepted_through_the_outbox(server, browser, smtp):
    # With SMTP configured the link reaches the invitee by email only; the Outbox page must not
    # carry it, or anyone with outbox.read could accept the invitation as the new staff member.
    configure_smtp(browser, server["base"], smtp.port)
    browser.get(server["base"] + "/users/invite")
    fill(browser, email=STAFF["email"], name=STAFF["name"])
    Select(browser.find_element(By.NAME, "role_id")).select_by_visible_text("Support")
    submit(browser)
    assert "Invitation sent" in browser.page_source
    assert STAFF["email"] in browser.page_source

    mail = smtp.wait_for(STAFF["email"])
    text = mail["parsed"]["text"]
    assert mail["mail_from"] == "noreply@jamuna.test"
    match = re.search(r"(http://\S+/invitations/(\S+))", text)
    assert match, f"no invitation link in the email: {text}"
    link, token = match.groups()

    deadline = time.time() + 20
    row = outbox_row(browser, server["base"], STAFF["email"])
    while not (row and "sent" in row.text):  # the peer has the email; the delivery job records it a moment later
        assert time.time() < deadline, f"the invitation is not marked sent in the Outbox: {row.text if row else 'no row'}"
        time.sleep(0.5)
        row = outbox_row(browser, server["base"], STAFF["email"])
    shot(browser, "04-outbox")
    old = browser.find_element(By.TAG_NAME, "html")
    row.find_element(By.TAG_NAME, "a").click()
    WebDriverWait(browser, 15).until(replaced(old))
    body = browser.find_element(By.CSS_SELECTOR, "pre.message-body").text
    shot(browser, "04-outbox-message")
    assert STAFF["name"] in body, f"the Outbox should still show the message, only without its link: {body}"
    assert link not in body, f"the Outbox shows the invitation link: {body}"
    assert token not in browser.page_source, "the invitation token is on the Outbox page"

    sign_out(browser)
    browser.get(link)
    assert STAFF["email"] in browser.page_source
    fill(browser, password="rubel mia 2026 ok", password_confirmation="rubel mia 2026 ok")
    submit(browser)
    assert "name" in browser.find_element(By.CSS_SELECTOR, ".field-error").text
    fill(browser, password=STAFF["password"], password_confirmation=STAFF["password"])
    submit(browser)
    assert browser.find_element(By.TAG_NAME, "h1").text == ADMIN["org"]
    # The request log names the route, never the one-time token of the link.
    assert token not in open(server["log"]).read(), "the invitation token is in the server log"
    state["staff_signed_in"] = True


def test_a_role_without_permission_gets_403(server, browser):
    assert state.get("staff_signed_in")
    nav = browser.find_element(By.CSS_SELECTOR, "nav.nav").text
    assert "Settings" not in nav and "Users" not in nav
    browser.get(server["base"] + "/settings")
    assert "You cannot open this page" in browser.page_source
    assert "settings.read" in browser.page_source
    shot(browser, "05-forbidden")
    status, _ = api(server["base"], "GET", "/settings")
    assert status in (200, 403)  # unauthenticated urllib is redirected to the sign-in page


def test_api_refuses_oversized_bodies_and_logs_json(server):
    status, body = api(server["base"], "POST", "/api/v1/auth/tokens",
                       body={"email": STAFF["email"], "password": STAFF["password"], "name": "e2e", "abilities": ["branches.read"]})
    assert status == 201, body
    token = json.loads(body)["token"]
    status, body = api(server["base"], "POST", "/api/v1/branches", token=token, raw=b'{"name": "' + b"x" * 2_000_000 + b'"}')
    assert status == 413, body
    status, body = api(server["base"], "POST", "/api/v1/branches", token=token, body={"name": "Sylhet"})
    assert status == 403 and json.loads(body)["detail"].startswith("You need the branches.manage")
    with open(server["log"]) as log:
        lines = [json.loads(line) for line in log if line.startswith("{")]
    requests = [l for l in lines if l.get("message") == "request"]
    assert requests and all("request_id" in l for l in requests)
    assert any(l.get("user_id") for l in requests)
    text = open(server["log"]).read()
    assert ADMIN["password"] not in text and STAFF["password"] not in text


def test_metrics_pass_promtool(server):
    body = urllib.request.urlopen(server["base"] + "/metrics").read()
    assert b"meghna_http_requests_total" in body and b"meghna_jobs{" in body
    result = subprocess.run(["promtool", "check", "metrics"], input=body, capture_output=True)
    assert result.returncode == 0, (result.stdout + result.stderr).decode()
