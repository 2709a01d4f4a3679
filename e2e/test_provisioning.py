"""Provisioning in a browser, on the demo ISP and its simulated MikroTik: the demo router holds the
demo's subscriptions and shows the one entry edited by hand as drift; a subscription gets its
router account from its page (the password once, on a printable welcome letter) and the page says
when the router has it; a bulk suspend of 50 subscriptions is counted first, runs with a progress
bar and gives a report, and every one of them ends up disabled on the router."""
import csv
import io
import json
import re
import time

import librouteros
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from conftest import Meghna, api, shot
from test_billing import fill, submit, submit_confirmed, text

PASSWORD = "meghna provisioning 2026"
state = {}


@pytest.fixture(scope="module")
def demo():
    meghna = Meghna("--demo", MEGHNA_DEMO_PASSWORD=PASSWORD)
    for _ in range(60):
        found = re.search(r"RouterOS API at ([0-9.]+):([0-9]+) \(user (\w+)", meghna.output())
        if found:
            break
        time.sleep(0.5)
    state["sim"] = (found.group(1), int(found.group(2)), found.group(3))
    status, body = api(meghna.base, "POST", "/api/v1/auth/tokens",
                       body={"email": "admin@demo.test", "password": PASSWORD, "name": "e2e", "abilities": ["*"]})
    assert status == 201, body
    state["token"] = json.loads(body)["token"]
    yield meghna
    meghna.stop()


@pytest.fixture(scope="module")
def page(demo, browser):
    browser.delete_all_cookies()
    browser.get(demo.base + "/login")
    fill(browser, email="admin@demo.test", password=PASSWORD)
    submit(browser)
    assert "/login" not in browser.current_url
    yield browser
    browser.delete_all_cookies()


def call(demo, method, path, body=None):
    status, answer = api(demo.base, method, "/api/v1" + path, token=state["token"], body=body)
    return status, (json.loads(answer) if answer and answer.lstrip().startswith(("{", "[")) else answer)


def demo_router(demo):
    status, routers = call(demo, "GET", "/routers")
    assert status == 200, routers
    return next(r for r in routers["data"] if r["name"].startswith("Dhaka North core"))


def test_the_demo_router_holds_the_subscriptions_and_reports_the_hand_edit(demo, page):
    router = demo_router(demo)
    state["router"] = router["id"]
    # The reconcile after the first heartbeat holds the hand edit as drift.
    for _ in range(90):
        status, drift = call(demo, "GET", f"/routers/{router['id']}/drift")
        if status == 200 and drift["data"]:
            break
        time.sleep(1)
    assert {d["field"] for d in drift["data"]} == {"profile", "caller-id"}, drift
    page.get(demo.base + "/routers/" + router["id"])
    panel = page.find_element(By.ID, "provisioning").text
    assert "Changed by hand (2)" in panel and re.search(r"\d+ account\(s\): .*\d+ synced", panel), panel
    shot(page, "provisioning-01-drift")
    # The dry run shows it field by field; nothing is sent.
    page.get(demo.base + f"/routers/{router['id']}/reconcile")
    diff = text(page)
    assert "held for your choice" in diff and "caller-id" in diff, diff
    shot(page, "provisioning-02-dry-run")
    # Correct it: the router gets Meghna's values back.
    page.get(demo.base + "/routers/" + router["id"])
    for box in page.find_elements(By.CSS_SELECTOR, "#drift-form input[name='drift_ids[]']"):
        box.click()
    submit_confirmed(page, "#drift-form button[value=correct]")
    assert "chosen" in text(page), text(page)
    for _ in range(30):
        status, drift = call(demo, "GET", f"/routers/{router['id']}/drift")
        if not drift["data"]:
            break
        time.sleep(1)
    assert drift["data"] == [], drift


def test_a_subscription_gets_its_router_account_with_a_welcome_letter(demo, page):
    status, customers = call(demo, "GET", "/customers?limit=200")
    assert status == 200
    status, subs = call(demo, "GET", "/subscriptions?limit=200")
    served = {s["customer_id"] for s in subs["data"]}
    free = [c for c in customers["data"] if c["id"] not in served and c.get("status") == "active"]
    status, plans = call(demo, "GET", "/plans")
    home = next(p for p in plans["data"] if p["code"] == "HOME-20")
    state["plan"] = home["id"]
    assert len(free) >= 11, len(free)
    state["free"] = free
    status, sub = call(demo, "POST", "/subscriptions", {"customer_id": free[0]["id"], "plan_id": home["id"], "activate": True})
    assert status == 201, sub
    page.get(demo.base + "/subscriptions/" + sub["id"])
    Select(page.find_element(By.CSS_SELECTOR, "#router-account-form select[name=router_id]")).select_by_value(state["router"])
    fill(page, username="bad name!")
    submit(page, "#router-account-form button[type=submit]")
    assert "Username may hold only letters" in text(page), text(page)
    assert page.find_element(By.CSS_SELECTOR, "#router-account-form input[name=username]").get_attribute("value") == "bad name!"
    fill(page, username="e2e-welcome", static_ip="10.20.9.9")
    submit(page, "#router-account-form button[type=submit]")
    password = page.find_element(By.ID, "letter-password").text
    assert re.fullmatch(r"[a-z2-9]{10}", password), password
    assert page.find_element(By.ID, "letter-username").text == "e2e-welcome"
    assert page.find_elements(By.CSS_SELECTOR, "button[data-print]")
    shot(page, "provisioning-03-welcome-letter")
    # The subscription page says when the router has it, and never shows the password again.
    for _ in range(30):
        page.get(demo.base + "/subscriptions/" + sub["id"])
        if page.find_elements(By.CSS_SELECTOR, "#router-account .badge.synced"):
            break
        time.sleep(0.5)
    account = page.find_element(By.ID, "router-account").text
    assert "synced" in account and "e2e-welcome" in account, account
    assert password not in page.page_source
    status, one = call(demo, "GET", "/subscriptions/" + sub["id"])
    assert one["provisioning"]["state"] == "synced" and "password" not in one["provisioning"], one


def test_a_bulk_suspend_of_50_is_counted_runs_with_progress_and_reports(demo, page):
    # Enough active subscriptions on the demo router that exactly 50 are up for suspension.
    status, subs = call(demo, "GET", f"/subscriptions?limit=200&status=active")
    status, preview = call(demo, "POST", "/bulk-actions/preview", {"action": "suspend", "router_id": state["router"]})
    assert status == 200, preview
    missing = 50 - preview["count"]
    assert 0 <= missing <= len(state["free"]) - 1, preview
    for i, customer in enumerate(state["free"][1:1 + missing]):
        status, sub = call(demo, "POST", "/subscriptions", {"customer_id": customer["id"], "plan_id": state["plan"], "activate": True})
        assert status == 201, sub
        status, account = call(demo, "POST", f"/subscriptions/{sub['id']}/router-account", {"router_id": state["router"], "username": f"e2e-bulk-{i}"})
        assert status == 201, account
    page.get(demo.base + "/bulk-actions")
    Select(page.find_element(By.NAME, "action")).select_by_value("suspend")
    Select(page.find_element(By.NAME, "router_id")).select_by_value(state["router"])
    submit(page, "#bulk-count-button")
    count = page.find_element(By.ID, "bulk-count").text
    assert count.startswith("50 subscription(s) match"), count
    shot(page, "provisioning-04-bulk-count")
    submit_confirmed(page, "#bulk-confirm")
    assert "/bulk-actions/" in page.current_url, page.current_url
    action_id = page.current_url.rstrip("/").rsplit("/", 1)[1]
    assert page.find_elements(By.CSS_SELECTOR, "#bulk-progress progress")
    for _ in range(120):
        page.get(demo.base + "/bulk-actions/" + action_id)
        if page.find_elements(By.CSS_SELECTOR, "#bulk-state .badge.done"):
            break
        time.sleep(0.5)
    progress = page.find_element(By.CSS_SELECTOR, "#bulk-progress progress")
    assert progress.get_attribute("value") == "50" and progress.get_attribute("max") == "50"
    assert "50 of 50 done, 0 failed" in page.find_element(By.ID, "bulk-state").text
    shot(page, "provisioning-05-bulk-done")
    status, report = api(demo.base, "GET", f"/api/v1/bulk-actions/{action_id}/report", token=state["token"])
    rows = list(csv.DictReader(io.StringIO(report)))
    assert status == 200 and len(rows) == 50 and all(r["outcome"] == "done" for r in rows), report[:500]
    # Each of them reaches the router: disabled there, the page says so (synced as suspended).
    status, action = call(demo, "GET", f"/bulk-actions/{action_id}")
    pending = {item["subscription_id"] for item in action["items"]}
    for _ in range(60):
        for sid in list(pending):
            status, one = call(demo, "GET", "/subscriptions/" + sid)
            if one["status"] == "suspended" and one["provisioning"]["state"] == "synced":
                pending.discard(sid)
        if not pending:
            break
        time.sleep(1)
    assert not pending, f"{len(pending)} not on the router yet"
    status, dry = call(demo, "POST", f"/routers/{state['router']}/reconcile?dry_run=true")
    assert status == 200 and dry["added"] == 0 and dry["changed"] == 0, dry


def sign_in(demo, browser):
    browser.delete_all_cookies()
    browser.get(demo.base + "/login")
    fill(browser, email="admin@demo.test", password=PASSWORD)
    submit(browser)


def test_the_wizard_takes_a_lead_to_a_connected_subscription(demo, page):
    status, lead = call(demo, "POST", "/leads", {"name": "Wizard Rahman", "phones": ["01719000456"], "address": "House 12, Road 5, Mirpur"})
    assert status == 201, lead
    page.get(demo.base + "/leads/" + lead["id"])
    submit(page, "#onboard-lead button")
    assert "/onboarding/" in page.current_url
    draft = page.current_url.rstrip("/").rsplit("/", 1)[1]
    assert page.find_element(By.NAME, "display_name").get_attribute("value") == "Wizard Rahman"
    fill(page, phone="12345")
    submit(page, "#wizard-next")
    assert "Mobile must be a Bangladeshi mobile" in text(page), text(page)
    assert page.find_element(By.NAME, "phone").get_attribute("value") == "12345"
    fill(page, phone="01719000456")
    submit(page, "#wizard-next")
    # The browser is closed halfway: the draft waits under Onboarding, at the step it reached.
    sign_in(demo, page)
    page.get(demo.base + "/onboarding")
    page.find_element(By.LINK_TEXT, "Wizard Rahman").click()
    assert page.find_element(By.CSS_SELECTOR, "#wizard-steps li.current").text.endswith("Service address")
    assert page.find_element(By.NAME, "line1").get_attribute("value") == "House 12, Road 5, Mirpur"
    submit(page, "#wizard-next")
    Select(page.find_element(By.NAME, "plan_id")).select_by_value(state["plan"])
    submit(page, "#wizard-next")
    Select(page.find_element(By.NAME, "router_id")).select_by_value(state["router"])
    assert page.find_element(By.NAME, "username").get_attribute("value"), "a username is suggested"
    fill(page, username="e2e-wizard")
    submit(page, "#wizard-next")
    review = text(page)
    assert "First invoice" in review and "Wizard Rahman" in review and "e2e-wizard" in review, review
    assert page.find_element(By.CSS_SELECTOR, "#first-invoice").text.count("Total") == 1
    shot(page, "provisioning-06-wizard-review")
    submit(page, "#wizard-create")
    password = page.find_element(By.ID, "letter-password").text
    assert page.find_element(By.ID, "letter-username").text == "e2e-wizard"
    # The page shows the account reaching the router.
    for _ in range(40):
        if "synced" in page.find_element(By.ID, "router-account-live").text:
            break
        time.sleep(0.5)
    assert "synced" in page.find_element(By.ID, "router-account-live").text, page.find_element(By.ID, "router-account-live").text
    shot(page, "provisioning-07-wizard-connected")
    # A real RouterOS client finds the secret on the router, with the letter's password.
    host, port, user = state["sim"]
    api_ = librouteros.connect(host, user, PASSWORD, port=port, timeout=10)
    try:
        secrets = [s for s in api_.path("ppp", "secret") if s.get("name") == "e2e-wizard"]
    finally:
        api_.close()
    assert len(secrets) == 1 and secrets[0]["password"] == password and secrets[0]["disabled"] is False, secrets
    status, leads = call(demo, "GET", "/leads/" + lead["id"])
    assert leads["status"] == "converted", leads
    page.get(demo.base + "/onboarding")
    assert "Wizard Rahman" not in text(page)
