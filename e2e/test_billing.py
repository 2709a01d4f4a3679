"""Billing in a real browser, on the demo ISP: a new plan, a customer signed up for it from the
customer page, a plan-change preview, the invoice run's preview and "Run now", the invoice with
its PDF (read back with pdftotext), the invoice on the customer page and in the trial balance."""
import random
import re
import time
import shutil
import subprocess
import tempfile
import urllib.request

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

import conftest
from conftest import Meghna, replaced, shot

PASSWORD = "padma river billing 2026"
PLAN = {"code": "E2E-25", "name": "E2E Home 25 Mbps", "price": "1250"}
CUSTOMER = "Nasrin Akter " + str(random.randint(100, 999))
state = {}


@pytest.fixture(scope="module")
def demo():
    meghna = Meghna("--demo", MEGHNA_DEMO_PASSWORD=PASSWORD)
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
    browser.set_window_size(1280, 900)
    browser.delete_all_cookies()


def fill(driver, **fields):
    for name, value in fields.items():
        box = driver.find_element(By.NAME, name)
        box.clear()
        box.send_keys(value)


def submit(driver, selector="form.form button[type=submit]"):
    conftest.click_and_wait(driver, selector)
    problem = driver.execute_script(
        "var m = document.querySelector('body.auth-body main.auth'); return m && !document.querySelector('form') ? m.innerText : null")
    assert not problem, f"{driver.current_url} shows an error page: {problem}"


def submit_confirmed(driver, selector):
    old = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, selector).click()
    WebDriverWait(driver, 5).until(EC.alert_is_present()).accept()
    WebDriverWait(driver, 60).until(replaced(old))
    conftest.wait_until_loaded(driver)


def text(driver):
    return driver.find_element(By.TAG_NAME, "main").text


def test_a_plan_is_created_with_a_field_error_first(demo, page):
    page.get(demo.base + "/plans/new")
    fill(page, code=PLAN["code"], name=PLAN["name"], download_speed="25M", upload_speed="12M", price="1250.505")
    submit(page, "#plan-form button[type=submit]")
    assert "at most 2 decimals" in text(page)
    assert page.find_element(By.NAME, "name").get_attribute("value") == PLAN["name"], "the form keeps what was typed"
    fill(page, price=PLAN["price"])
    submit(page, "#plan-form button[type=submit]")
    assert "/plans" in page.current_url and PLAN["code"] in text(page)
    shot(page, "billing-01-plans")


def test_a_customer_is_signed_up_and_a_plan_change_is_previewed(demo, page):
    page.get(demo.base + "/customers/new")
    fill(page, display_name=CUSTOMER, phone1="01555" + "".join(random.choice("0123456789") for _ in range(6)), address_line1="Flat 4B, Road 11")
    submit(page, "#customer-form button[type=submit]")
    state["customer"] = page.current_url.split("#")[0]
    Select(page.find_element(By.NAME, "plan_id")).select_by_visible_text(f"{PLAN['name']} · BDT 1250.00")
    submit(page, "#service-form button[type=submit]")
    assert "/subscriptions/" in page.current_url
    state["subscription"] = page.current_url
    assert "Coming periods" in text(page)
    Select(page.find_element(By.ID, "change_plan")).select_by_visible_text("Fast 50 Mbps · BDT 1500.00")
    submit(page, "#plan-change-form button[value=true]")
    quote = page.find_element(By.ID, "proration-quote").text
    assert re.search(r"\d+ of \d+ days remain", quote), quote
    assert "net" in quote
    shot(page, "billing-02-proration-preview")


def test_an_add_on_is_previewed_then_added(demo, page):
    page.get(state["subscription"])
    Select(page.find_element(By.ID, "addon_id")).select_by_visible_text("Static IPv4 address · BDT 300.00 · Every period")
    submit(page, "#addon-form button[value=true]")
    quote = page.find_element(By.ID, "addon-quote").text
    assert re.search(r"\d+ of \d+ days remain", quote), quote
    submit(page, "#addon-form button[value=false]")
    assert "Add-on added." in text(page)
    assert "Static IPv4 address" in page.find_element(By.ID, "subscription-addons").text
    shot(page, "billing-02b-addon")


def test_the_run_preview_then_run_now_issues_the_invoice(demo, page):
    page.get(demo.base + "/billing/runs")
    conftest.click_and_wait(page, "#preview-run")
    assert "The next run, through" in text(page)
    match = re.search(r"(\d+) invoices, total", text(page))
    assert match and int(match.group(1)) >= 1, text(page)
    submit_confirmed(page, "#run-form button[type=submit]")
    assert "started: this page shows its progress" in text(page), text(page)
    # The worker carries the run out; the page refreshes itself until it has finished.
    deadline = time.time() + 60
    while page.find_element(By.CSS_SELECTOR, "#runs tbody tr").get_attribute("data-status") != "finished":
        assert time.time() < deadline, text(page)
        time.sleep(0.5)
        page.get(demo.base + "/billing/runs")
    cells = page.find_elements(By.CSS_SELECTOR, "#runs tbody tr:first-child td")
    assert int(cells[4].text) >= 1, [c.text for c in cells]
    shot(page, "billing-03-runs")


def test_the_invoice_shows_on_the_customer_page_with_its_pdf(demo, page):
    page.get(state["customer"])
    invoices = page.find_element(By.ID, "invoices")
    link = invoices.find_element(By.CSS_SELECTOR, "a[href^='/invoices/']")
    number = link.text
    assert number.startswith("INV-"), number
    conftest.click_and_wait(page, "#invoices a[href^='/invoices/']")
    assert number in page.find_element(By.TAG_NAME, "h1").text
    state["invoice"], state["number"] = page.current_url, number
    assert PLAN["name"] in text(page)
    pdf_url = page.find_element(By.LINK_TEXT, "PDF").get_attribute("href")
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in page.get_cookies())
    request = urllib.request.Request(pdf_url, headers={"Cookie": cookie})
    with urllib.request.urlopen(request, timeout=30) as r:
        assert r.headers["Content-Type"].startswith("application/pdf")
        body = r.read()
    assert body.startswith(b"%PDF-")
    if shutil.which("pdftotext"):
        with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
            f.write(body)
            f.flush()
            out = subprocess.run(["pdftotext", "-layout", f.name, "-"], capture_output=True, text=True, check=True).stdout
        assert number in out and CUSTOMER in out and "Taka" in out, out
    shot(page, "billing-04-invoice")


def test_the_invoice_is_voided_by_a_credit_note(demo, page):
    page.get(state["invoice"])
    fill(page, reason="Signed up by mistake")
    submit_confirmed(page, "#void-form button[type=submit]")
    body = text(page)
    assert "voided by credit note CN-" in body and "Signed up by mistake" in body, body
    assert page.find_elements(By.ID, "void-form") == [], "a void invoice cannot be voided again"
    shot(page, "billing-04b-void")


def test_the_trial_balance_holds_the_receivable(demo, page):
    page.get(demo.base + "/ledger/trial-balance")
    body = text(page)
    assert "Accounts receivable" in body and "Debits equal credits." in body, body
    shot(page, "billing-05-trial-balance")
