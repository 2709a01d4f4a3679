"""The CRM pages in a real browser, on the demo ISP: onboarding a customer with an address and a
contact (with field errors first), finding them by phone in local and +880 form, a lead from the
board to a customer through conversion, a note and an edit on the timeline, and the customer page
at phone width. Tests run in file order and share one demo server and one database."""
import random
import re
import urllib.parse

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

import conftest
from conftest import Meghna, replaced, shot

PASSWORD = "tea garden sylhet 2026"
UUID = r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"


def random_mobile():
    """01555 and six random digits: far from the demo's 017… numbers."""
    return "01555" + "".join(random.choice("0123456789") for _ in range(6))


CUSTOMER = {"name": "Shapla Begum", "renamed": "Shapla Begum Chowdhury", "phone": random_mobile(),
            "line1": "House 12, Road 7, Block C", "lat": "23.810332", "lon": "90.412518",
            "contact": "Mizanur Rahman", "contact_phone": random_mobile()}
LEAD = {"name": "Rafiq Uddin Traders", "phone": random_mobile(), "address": "Shop 4, Kawran Bazar", "interest": "Business 50 Mbps"}
state = {}


@pytest.fixture(scope="module")
def demo():
    meghna = Meghna("--demo", MEGHNA_DEMO_PASSWORD=PASSWORD)
    yield meghna
    meghna.stop()


@pytest.fixture(scope="module")
def page(demo, browser):
    """The shared browser, signed in to this module's demo server; left signed out at normal width."""
    browser.delete_all_cookies()  # cookies are per host, not per port: do not carry another server's session
    browser.get(demo.base + "/login")
    fill(browser, email="admin@demo.test", password=PASSWORD)
    submit(browser)
    assert "/login" not in browser.current_url, heading(browser)
    yield browser
    browser.set_window_size(1280, 900)
    browser.delete_all_cookies()


# ---- small helpers -------------------------------------------------------------------------------

def fill(driver, **fields):
    for name, value in fields.items():
        box = driver.find_element(By.NAME, name)
        box.clear()
        box.send_keys(value)


def choose(driver, name, text):
    Select(driver.find_element(By.NAME, name)).select_by_visible_text(text)


def click_and_wait(driver, selector):
    """Clicks and waits until the browser has loaded the next page, which must be one of ours."""
    conftest.click_and_wait(driver, selector)
    assert_app_page(driver)


def submit(driver, selector="form.form button[type=submit]"):
    click_and_wait(driver, selector)


def heading(driver):
    return driver.find_element(By.TAG_NAME, "h1").text


def assert_app_page(driver):
    """Fails with the error page's own words (and its log reference) if the app answered with one."""
    problem = driver.execute_script(
        "var m = document.querySelector('body.auth-body main.auth'); return m && !document.querySelector('form') ? m.innerText : null")
    assert not problem, f"{driver.current_url} shows an error page ({driver.title}): {problem}"


def open_page(driver, url):
    driver.get(url)
    assert_app_page(driver)


def timeline(driver):
    return [li.text for li in driver.find_elements(By.CSS_SELECTOR, "ol.timeline > li")]


def assert_in_timeline(driver, text):
    entries = timeline(driver)
    assert any(text in e for e in entries), f"{text!r} not in the timeline of {driver.current_url}: {entries}"


def entity_id(driver, kind):
    match = re.search(rf"/{kind}/({UUID})$", driver.current_url.split("#")[0].split("?")[0])
    assert match, f"expected a /{kind}/<uuid> page, got {driver.current_url}"
    return match.group(1)


def dashed(phone):
    """01555123456 → 015-5512-3456, as people write it down."""
    return f"{phone[:3]}-{phone[3:7]}-{phone[7:]}"


def search_customers(driver, base, query):
    """The customer ids (from the row links) that /customers?q=… lists."""
    open_page(driver, base + "/customers?q=" + urllib.parse.quote(query))
    links = driver.find_elements(By.CSS_SELECTOR, "#customer-table tbody a[href^='/customers/']")
    return {a.get_attribute("href").rsplit("/", 1)[1] for a in links}


def present(driver, css):
    """Whether the page has such an element, without the implicit wait for one that should be absent."""
    return driver.execute_script("return document.querySelector(arguments[0]) !== null", css)


# For failure messages: page width, viewport width, and the elements that stick out to the right.
WIDEST = """
  var sticking = Array.from(document.querySelectorAll('body *'))
    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 8)
    .map(e => e.tagName.toLowerCase() + (e.name ? '[name=' + e.name + ']' : '') + '.' + e.className + ' right=' + Math.round(e.getBoundingClientRect().right));
  return [document.documentElement.scrollWidth, window.innerWidth, sticking];"""


def no_horizontal_overflow(driver):
    return driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1")


# ---- the flow ------------------------------------------------------------------------------------

def test_the_customer_form_keeps_what_was_typed_and_explains_errors(demo, page):
    open_page(page, demo.base + "/customers/new")
    fill(page, display_name=CUSTOMER["name"], phone1="0171", address_line1=CUSTOMER["line1"],
         address_latitude="95", address_longitude=CUSTOMER["lon"], contact_name=CUSTOMER["contact"],
         contact_phone=CUSTOMER["contact_phone"])
    choose(page, "kind", "Individual")
    submit(page, "#customer-form button[type=submit]")
    errors = " | ".join(e.text for e in page.find_elements(By.CSS_SELECTOR, "#customer-form p.field-error"))
    assert "A Bangladeshi mobile number must be 11 digits" in errors, errors
    assert "between -90 and 90" in errors, errors
    assert page.find_element(By.NAME, "display_name").get_attribute("value") == CUSTOMER["name"]
    assert page.find_element(By.NAME, "address_line1").get_attribute("value") == CUSTOMER["line1"]
    shot(page, "crm-01-customer-form-errors")


def test_creating_a_customer_with_an_address_and_a_contact(demo, page):
    fill(page, phone1=CUSTOMER["phone"], address_latitude=CUSTOMER["lat"], address_longitude=CUSTOMER["lon"])
    areas = Select(page.find_element(By.NAME, "address_area_id"))
    area = areas.options[-1].text if len(areas.options) > 1 else None  # the demo may or may not have areas
    if area:
        areas.select_by_visible_text(area)
    choose(page, "contact_role", "Technical")
    submit(page, "#customer-form button[type=submit]")
    state["customer"] = entity_id(page, "customers")
    match = re.fullmatch(r"(C-\d+) (.+)", heading(page))
    assert match and match.group(2) == CUSTOMER["name"], heading(page)
    state["customer_number"] = match.group(1)
    address = page.find_element(By.CSS_SELECTOR, ".card.address").text
    assert CUSTOMER["line1"] in address
    assert f"{CUSTOMER['lat']}, {CUSTOMER['lon']}" in address
    if area:
        assert area.strip() in address, (area, address)
    geo = page.find_element(By.LINK_TEXT, "Open in a map app").get_attribute("href")
    assert geo == f"geo:{CUSTOMER['lat']},{CUSTOMER['lon']}", geo
    contacts = page.find_element(By.CSS_SELECTOR, "#contacts + .panel table").text
    assert CUSTOMER["contact"] in contacts and "technical" in contacts.lower(), contacts
    assert_in_timeline(page, f"Created customer {state['customer_number']} {CUSTOMER['name']}")
    shot(page, "crm-02-customer-page")


def test_the_customer_is_found_by_phone_in_local_and_international_form(demo, page):
    assert state.get("customer")
    phone = CUSTOMER["phone"]
    for query in (dashed(phone), "+880 " + phone[1:], "+88" + phone):
        found = search_customers(page, demo.base, query)
        assert state["customer"] in found, f"searching {query!r} did not list the customer: {found}"
        assert CUSTOMER["name"] in page.find_element(By.ID, "customer-table").text
    shot(page, "crm-03-customer-search")
    other = phone[:-1] + str((int(phone[-1]) + 1) % 10)
    assert state["customer"] not in search_customers(page, demo.base, dashed(other))


def test_a_new_lead_shows_on_the_board(demo, page):
    open_page(page, demo.base + "/leads/new")
    fill(page, name=LEAD["name"], phone1=LEAD["phone"], address=LEAD["address"], interest=LEAD["interest"])
    choose(page, "source", "Referral")
    choose(page, "status", "New")
    submit(page, "#lead-form button[type=submit]")
    state["lead"] = entity_id(page, "leads")
    match = re.fullmatch(r"(L-\d+) (.+)", heading(page))
    assert match and match.group(2) == LEAD["name"], heading(page)
    state["lead_number"] = match.group(1)
    open_page(page, demo.base + "/leads")
    card = page.find_element(By.CSS_SELECTOR, f"#lead-board a[href='/leads/{state['lead']}']")
    column = card.find_element(By.XPATH, "ancestor::section[contains(@class, 'column')]")
    assert column.get_attribute("aria-label") == "New", column.text
    assert LEAD["name"] in card.text
    shot(page, "crm-04-lead-board")


def test_converting_the_lead_links_both_timelines(demo, page):
    assert state.get("lead")
    open_page(page, f"{demo.base}/leads/{state['lead']}")
    old = page.find_element(By.TAG_NAME, "html")
    page.find_element(By.CSS_SELECTOR, "#convert-form button[type=submit]").click()
    alert = WebDriverWait(page, 5).until(EC.alert_is_present())
    assert LEAD["name"] in alert.text
    alert.accept()
    WebDriverWait(page, 15).until(replaced(old))
    assert_app_page(page)
    state["converted"] = entity_id(page, "customers")
    assert heading(page).endswith(LEAD["name"]), heading(page)
    assert_in_timeline(page, f"Converted from lead {state['lead_number']}")
    assert LEAD["address"] in page.find_element(By.ID, "addresses").find_element(By.XPATH, "following-sibling::div").text
    customer_number = heading(page).split(" ")[0]
    open_page(page, f"{demo.base}/leads/{state['lead']}")
    assert_in_timeline(page, f"Converted into customer {customer_number}")
    assert not present(page, "#convert-form"), "a converted lead must not offer conversion again"
    assert page.find_element(By.CSS_SELECTOR, f"a[href='/customers/{state['converted']}']").text == f"Customer {customer_number}"


def test_a_note_and_an_edit_appear_on_the_timeline(demo, page):
    assert state.get("customer")
    open_page(page, f"{demo.base}/customers/{state['customer']}")
    note = "Called about fibre to the third floor; prefers evening visits."
    fill(page, body=note)
    submit(page, "#note-form button[value=note]")
    assert_in_timeline(page, note)
    click_and_wait(page, f"a[href='/customers/{state['customer']}/edit']")
    assert page.current_url.endswith(f"/customers/{state['customer']}/edit")
    fill(page, display_name=CUSTOMER["renamed"])
    submit(page, "#customer-form button[type=submit]")
    assert page.current_url.split("#")[0].endswith(f"/customers/{state['customer']}")
    assert heading(page) == f"{state['customer_number']} {CUSTOMER['renamed']}"
    changes = [(r.find_element(By.CSS_SELECTOR, "td.before").text, r.find_element(By.CSS_SELECTOR, "td.after").text)
               for r in page.find_elements(By.CSS_SELECTOR, "ol.timeline table.changes tr")]
    assert (CUSTOMER["name"], CUSTOMER["renamed"]) in changes, changes


def test_phone_width_customer_page_and_board(demo, page):
    assert state.get("customer")
    page.set_window_size(390, 844)
    open_page(page, f"{demo.base}/customers/{state['customer']}")
    WebDriverWait(page, 5).until(lambda d: d.execute_script("return window.innerWidth") <= 400)
    shot(page, "crm-05-customer-phone")
    assert no_horizontal_overflow(page), f"the customer page overflows at phone width: {page.execute_script(WIDEST)}"
    open_page(page, demo.base + "/leads")
    shot(page, "crm-06-lead-board-phone")
    scroll, visible = page.execute_script("var b = document.getElementById('lead-board'); return [b.scrollWidth, b.clientWidth]")
    assert scroll > visible, "at phone width the board's columns should scroll sideways inside the board"


@pytest.mark.parametrize("path", ["/leads", "/customers"])
def test_list_pages_do_not_widen_a_phone_screen(demo, page, path):
    page.set_window_size(390, 844)
    open_page(page, demo.base + path)
    assert no_horizontal_overflow(page), f"{path} overflows at phone width: {page.execute_script(WIDEST)}"


def test_the_server_logged_no_unhandled_errors(demo):
    problems = [line for line in demo.output().splitlines() if "unhandled error" in line or " error " in line.lower()]
    assert not problems, "\n".join(problems)
