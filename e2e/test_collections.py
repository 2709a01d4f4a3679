"""The whole month of an ISP in one browser, on the demo ISP with its clock fixed at 1 March 2026:
a plan, a customer signed up for it, the invoice run, the invoice PDF, cash taken on the
collection screen, the invoice paid, the receipt PDF and a statement at zero. Then the server
starts again on the same database on 12 April: April's invoice is unpaid past its grace, the
dunning pass suspends the service and queues `network.apply_subscription_state`, and a payment
on the collection screen restores it at once."""
import random
import re
import shutil
import sqlite3
import subprocess
import tempfile
import time
import urllib.request

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

import conftest
from conftest import Meghna, shot
from test_billing import fill, submit, submit_confirmed, text

PASSWORD = "padma river collections 2026"
PLAN = {"code": "MON-30", "name": "Month Home 30", "price": "1200"}
PHONE = "01633" + "".join(random.choice("0123456789") for _ in range(6))
CUSTOMER = "Month Walker " + str(random.randint(100, 999))
state = {}


@pytest.fixture(scope="module")
def server():
    box = {"meghna": Meghna("--demo", MEGHNA_DEMO_PASSWORD=PASSWORD, MEGHNA_CLOCK="2026-03-01T03:00:00Z")}
    yield box
    box["meghna"].stop()


def sign_in(meghna, browser):
    browser.delete_all_cookies()
    browser.get(meghna.base + "/login")
    fill(browser, email="admin@demo.test", password=PASSWORD)
    submit(browser)
    assert "/login" not in browser.current_url


@pytest.fixture(scope="module")
def page(server, browser):
    sign_in(server["meghna"], browser)
    yield browser
    browser.delete_all_cookies()


def path(url):
    return "/" + url.split("/", 3)[3]


def status(db, subscription):
    (value,) = db.execute("SELECT status FROM subscriptions WHERE lower(id) = ?", (subscription,)).fetchone()
    return value


def fetch(page, url):
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in page.get_cookies())
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Cookie": cookie}), timeout=30) as r:
        return r.headers["Content-Type"], r.read()


def pdf_text(body):
    assert body.startswith(b"%PDF-")
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(body)
        f.flush()
        return subprocess.run(["pdftotext", "-layout", f.name, "-"], capture_output=True, text=True, check=True).stdout


def run_invoices(base, page):
    page.get(base + "/billing/runs")
    submit_confirmed(page, "#run-form button[type=submit]")
    deadline = time.time() + 90
    while page.find_element(By.CSS_SELECTOR, "#runs tbody tr").get_attribute("data-status") != "finished":
        assert time.time() < deadline, text(page)
        time.sleep(0.5)
        page.get(base + "/billing/runs")


def take_cash(base, page):
    """The collection screen: the phone, Enter, then Enter on the amount it offers."""
    page.get(base + "/collect")
    box = page.find_element(By.ID, "q")
    box.send_keys(PHONE)
    conftest.click_and_wait(page, "form.collect-search button[type=submit]")
    assert CUSTOMER in page.find_element(By.ID, "due").text, text(page)
    offered = page.find_element(By.ID, "amount").get_attribute("value")
    submit(page, "#collect-form button[type=submit]")
    assert "/payments/" in page.current_url and "recorded" in text(page), text(page)
    return offered


def test_march_plan_customer_invoice_and_cash_on_the_collection_screen(server, page):
    base = server["meghna"].base
    page.get(base + "/plans/new")
    fill(page, code=PLAN["code"], name=PLAN["name"], download_speed="30M", upload_speed="15M", price=PLAN["price"])
    submit(page, "#plan-form button[type=submit]")
    page.get(base + "/customers/new")
    fill(page, display_name=CUSTOMER, phone1=PHONE, address_line1="House 7, Road 3")
    submit(page, "#customer-form button[type=submit]")
    state["customer"] = path(page.current_url.split("#")[0])
    Select(page.find_element(By.NAME, "plan_id")).select_by_visible_text(f"{PLAN['name']} · BDT 1200.00")
    fill(page, billing_day="1")  # starts today: 1 March on the fixed clock
    submit(page, "#service-form button[type=submit]")
    state["subscription"] = path(page.current_url)
    run_invoices(base, page)

    page.get(base + state["customer"])
    assert page.find_elements(By.CSS_SELECTOR, "#invoices a[href^='/invoices/']"), text(page)
    conftest.click_and_wait(page, "#invoices a[href^='/invoices/']")
    number = page.find_element(By.TAG_NAME, "h1").text.split()[-1]
    state["invoice"] = path(page.current_url)
    kind, body = fetch(page, page.find_element(By.LINK_TEXT, "PDF").get_attribute("href"))
    assert kind.startswith("application/pdf") and number in pdf_text(body)
    shot(page, "collections-01-invoice")

    offered = take_cash(base, page)
    assert offered, "the screen offers what is due"
    receipt_number = page.find_element(By.TAG_NAME, "h1").text.split()[-1]
    assert receipt_number.startswith("RCT-2026-"), receipt_number
    assert number in page.find_element(By.ID, "allocations").text
    kind, body = fetch(page, page.find_element(By.LINK_TEXT, "Print receipt").get_attribute("href"))
    receipt = pdf_text(body)
    assert receipt_number in receipt and CUSTOMER in receipt and "RECEIPT" in receipt and "Nothing" not in receipt, receipt
    shot(page, "collections-02-receipt")

    page.get(base + state["invoice"])
    assert "paid" in page.find_element(By.CSS_SELECTOR, "dl.facts").text
    page.get(base + state["customer"].rstrip("/") + "/statement")
    assert page.find_element(By.ID, "closing").text == "BDT 0.00", text(page)
    shot(page, "collections-03-statement")


def test_april_unpaid_past_grace_is_suspended_and_a_payment_restores_it(server, browser):
    first = server["meghna"]
    page = browser

    def restart(at):
        server["meghna"].stop()
        server["meghna"] = Meghna("--demo", data=first.data, MEGHNA_DEMO_PASSWORD=PASSWORD, MEGHNA_CLOCK=at)
        sign_in(server["meghna"], page)
        return server["meghna"].base

    # The same database on 1 April: April's invoice is issued, due the 8th.
    base = restart("2026-04-01T01:00:00Z")
    run_invoices(base, page)
    # 12 April at 07:00 in Dhaka, before the daily pass's hour (09:00): past its 3 days of
    # grace, unpaid, and still active until the pass runs.
    base = restart("2026-04-12T01:00:00Z")
    page.get(base + "/dunning?on=2026-04-12")
    assert CUSTOMER in page.find_element(By.ID, "preview").text, "the preview names who will be suspended"
    page.get(base + "/dunning")
    submit_confirmed(page, "#run-form button[type=submit]")
    assert "Pass run:" in text(page), text(page)
    page.get(base + state["subscription"])
    assert "suspended" in text(page).lower()
    shot(page, "collections-04-suspended")
    db = sqlite3.connect(f"{first.data}/e2e.sqlite")
    rows = db.execute("SELECT payload FROM jobs WHERE kind = 'network.apply_subscription_state'").fetchall()
    sub = state["subscription"].rstrip("/").split("/")[-1].lower()
    assert any(sub in p.lower() and '"non_payment"' in p and '"suspended"' in p for (p,) in rows), rows

    assert status(db, sub) == "suspended"
    take_cash(base, page)
    assert status(db, sub) == "active", "the payment restored the service at once"
    page.get(base + state["subscription"])
    assert "Restored: paid in full admin@demo.test" in text(page), text(page)
    rows = db.execute("SELECT payload FROM jobs WHERE kind = 'network.apply_subscription_state'").fetchall()
    assert any(sub in p.lower() and '"payment"' in p and '"active"' in p for (p,) in rows), rows
    page.get(base + state["customer"].rstrip("/") + "/statement?from=2026-03-01")
    assert page.find_element(By.ID, "closing").text == "BDT 0.00", text(page)
    shot(page, "collections-05-restored")


def test_messages_in_the_organizations_own_words_are_previewed_with_their_sms_count(server, browser):
    """Settings → Messages: the demo's "due soon" SMS is in Bangla; the preview fills sample
    values and counts it as Unicode; a variable the message does not have is refused beside the
    text, which keeps what was typed; a fixed text saves and previews as one GSM-7 SMS."""
    page = browser
    base = server["meghna"].base
    page.get(base + "/messages")
    assert "Your text" in page.find_element(By.ID, "messages").text, text(page)
    page.get(base + "/messages/edit?event=due_soon&channel=sms")
    assert "প্রিয়" in page.find_element(By.ID, "body").get_attribute("value")
    assert "Unicode (UCS-2): 2 SMS" in page.find_element(By.ID, "segments").text, text(page)
    shot(page, "collections-06-message-bangla")
    typed = "{{organization_name}}: please pay {{amount_due}} by {{due_date}} ({{invoice_total}})"
    body = page.find_element(By.ID, "body")
    body.clear()
    body.send_keys(typed)
    submit(page, "#template-form button[value=save]")
    assert "Text uses {{invoice_total}}, which is not a variable of this message" in text(page), text(page)
    assert page.find_element(By.ID, "body").get_attribute("value") == typed
    body = page.find_element(By.ID, "body")
    body.clear()
    body.send_keys("{{organization_name}}: please pay {{currency}} {{amount_due}} by {{due_date}}.")
    submit(page, "#template-form button[value=preview]")
    assert "please pay BDT 1,500.00 by 8 Mar 2026." in page.find_element(By.ID, "preview").text, text(page)
    assert "GSM-7: 1 SMS" in page.find_element(By.ID, "segments").text
    submit(page, "#template-form button[value=save]")
    assert "Due soon (SMS) saved." in text(page), text(page)
    shot(page, "collections-07-messages")
