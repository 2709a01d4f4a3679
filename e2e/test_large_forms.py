"""Forms whose bodies are too big to reach the server in one piece, in a real browser on the demo
ISP: a 5,000-row customer CSV taken through the import pages (upload, column mapping, dry run,
the import job with its self-refreshing progress bar, the report) and a note of the full 4,000
characters on a customer's timeline.

Chromium sends bodies like these in several TCP segments, so the server reads them in chunks; the
CSRF check must accept such forms as it does small ones. Tests share one demo server."""
import csv
import os
import random
import re
import time
import unicodedata
import urllib.parse

import pytest
from selenium.common.exceptions import NoAlertPresentException, StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from conftest import Meghna, replaced, shot, wait_until_loaded

PASSWORD = "padma bridge monsoon 2026"
ROWS = 5000
FILE_NAME = "old-billing-customers.csv"
state = {}


@pytest.fixture(scope="module")
def demo():
    meghna = Meghna("--demo", MEGHNA_DEMO_PASSWORD=PASSWORD)
    yield meghna
    meghna.stop()


@pytest.fixture(scope="module")
def page(demo, browser):
    """The shared browser, signed in to this module's demo server as its super admin."""
    browser.delete_all_cookies()  # cookies are per host, not per port: do not carry another server's session
    open_page(browser, demo.base + "/login")
    fill(browser, email="admin@demo.test", password=PASSWORD)
    click_and_wait(browser, "form.form button[type=submit]")
    assert "/login" not in browser.current_url, browser.find_element(By.TAG_NAME, "h1").text
    yield browser
    browser.delete_all_cookies()


# ---- the file ------------------------------------------------------------------------------------

FIRST = ["Abdul", "Rahima", "Jamal", "Shirin", "Kamrul", "Nasrin", "Mizanur", "Farzana", "Habibur", "Taslima", "Mahbub", "Rokeya",
         "Shahidul", "Sharmin", "Anisur", "Nazma", "Rafiqul", "Sultana", "Mostafa", "Ayesha", "Zahid", "Laila", "Saiful", "Parvin",
         "Monir", "Salma", "Jahangir", "Rumana", "Delwar", "Shamima", "Iqbal", "Hasina", "Faruk", "Morjina", "Belal", "Khadija",
         "Liton", "Popy", "Sohel", "Moushumi"]
MIDDLE = ["Alam", "Karim", "Kabir", "Haque", "Bari", "Jalil", "Latif", "Majid", "Quddus", "Rashid", "Sattar", "Wahab", "Mannan",
          "Hannan", "Aziz"]
LAST = ["Chowdhury", "Talukder", "Sarkar", "Bhuiyan", "Mollah", "Sheikh", "Mridha", "Howlader", "Khandaker", "Patwary",
        "Majumder", "Akanda", "Munshi", "Biswas", "Sikder"]
PLACES = [("Mirpur 10", "Dhaka", "1216"), ("Uttara Sector 7", "Dhaka", "1230"), ("Dhanmondi 27", "Dhaka", "1209"),
          ("Mohammadpur", "Dhaka", "1207"), ("Agrabad", "Chattogram", "4100"), ("Nasirabad", "Chattogram", "4203"),
          ("Zindabazar", "Sylhet", "3100"), ("Shaheb Bazar", "Rajshahi", "6100"), ("Sonadanga", "Khulna", "9100"),
          ("Kandirpar", "Cumilla", "3500")]
REMARKS = ["Prefers a call after 6 pm", "Landlord's permission for the roof cable", "সন্ধ্যার পর ফোন করবেন", "Shop closed on Fridays",
           "Pays by bKash", "Second floor, gate code with the guard"]


def customer_rows(count):
    """Unique people with unique mobiles (01555… then 01666…, far from the demo's numbers), NIDs
    for most and a comma or a Bangla remark here and there, as an export from an old system has."""
    rng = random.Random(2026)
    names = [f"{f} {m} {l}" for f in FIRST for m in MIDDLE for l in LAST]  # 9,000 distinct three-word names
    rng.shuffle(names)
    start = rng.randrange(0, 400_000)
    rows = []
    for i in range(count):
        prefix, serial = ("01555", start + i) if i < count // 2 else ("01666", start + i - count // 2)
        place, city, postcode = PLACES[i % len(PLACES)]
        rows.append({
            "Customer ID": f"OLD-{100000 + i}",
            "Name": names[i],
            "Mobile": f"{prefix}{serial:06d}",
            "Alternate Phone": f"01999{start + i:06d}" if i % 25 == 0 else "",
            "Email": f"{names[i].split()[0].lower()}.{100000 + i}@example.com.bd" if i % 3 == 0 else "",
            "NID": f"1990{i:09d}" if i % 4 else "",
            "Address": f"House {i % 90 + 1}, Road {i % 17 + 1}, {place}",
            "City": city,
            "Postcode": postcode,
            "Branch": "CTG" if city == "Chattogram" else "DHN",
            "Connection Date": f"{2018 + i % 7}-{i % 12 + 1:02d}-{i % 28 + 1:02d}",
            "Tags": "home;fibre" if i % 5 else "business|pppoe",
            "Remarks": REMARKS[i % len(REMARKS)] if i % 7 == 0 else "",
        })
    return rows


# The columns above and the import field each should be guessed as (CustomerImports.fields).
GUESSED = {"external_ref": "Customer ID", "display_name": "Name", "phone": "Mobile", "phone2": "Alternate Phone", "email": "Email",
           "national_id": "NID", "address_line1": "Address", "city": "City", "postcode": "Postcode", "branch": "Branch",
           "joined_on": "Connection Date", "tags": "Tags", "notes": "Remarks"}


def write_csv(rows, folder):
    path = os.path.join(folder, FILE_NAME)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


# ---- small helpers -------------------------------------------------------------------------------

def fill(driver, **fields):
    for name, value in fields.items():
        box = driver.find_element(By.NAME, name)
        box.clear()
        box.send_keys(value)


def click_and_wait(driver, selector, confirm=None):
    """Clicks and waits until the browser has loaded the next page. With `confirm`, accepts a
    confirmation dialog if one opens (checking that it says `confirm`) and returns its text."""
    old = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, selector).click()
    asked = None
    if confirm is not None:
        # Either a dialog opens or the next page loads; no fixed wait, as a self-refreshing next
        # page could reload (and drop its flash) meanwhile.
        alert = WebDriverWait(driver, 60).until(lambda d: open_alert(d) or (is_stale(old) and "loaded"))
        if alert != "loaded":
            asked = alert.text
            assert confirm in asked, asked
            alert.accept()
    WebDriverWait(driver, 60).until(replaced(old))
    wait_until_loaded(driver, 60)
    assert_app_page(driver)
    return asked


def open_alert(driver):
    try:
        return driver.switch_to.alert
    except NoAlertPresentException:
        return None


def is_stale(element):
    try:
        element.is_enabled()
        return False
    except StaleElementReferenceException:
        return True


def assert_app_page(driver):
    """Fails with the error page's own words (and its log reference) if the app answered with one."""
    problem = driver.execute_script(
        "var m = document.querySelector('body.auth-body main.auth'); return m && !document.querySelector('form') ? m.innerText : null")
    assert not problem, f"{driver.current_url} shows an error page ({driver.title}): {problem}"


def open_page(driver, url):
    driver.get(url)
    assert_app_page(driver)


def present(driver, css):
    """Whether the page has such an element, without the implicit wait for one that should be absent."""
    return driver.execute_script("return document.querySelector(arguments[0]) !== null", css)


def flash(driver):
    return " ".join(e.text for e in driver.find_elements(By.CSS_SELECTOR, ".flash"))


def numbers(text):
    """The integers in a sentence, with thousands separators allowed: '5,000 rows · 0 skipped' → [5000, 0]."""
    return [int(n.replace(",", "")) for n in re.findall(r"\d[\d,]*", text)]


def import_status(driver):
    """The import's status from the page, or None while the self-refreshing page is between loads."""
    try:
        return driver.execute_script("var p = document.getElementById('import-status'); return p ? p.dataset.status : null")
    except WebDriverException:
        return None


def search_customers(driver, base, query):
    """Types `query` into the customer list's search box; returns the listed rows' texts by customer id."""
    open_page(driver, base + "/customers")
    box = driver.find_element(By.CSS_SELECTOR, "form[role=search] input[name=q]")
    box.clear()
    box.send_keys(query)
    click_and_wait(driver, "form[role=search] button[type=submit]")
    assert urllib.parse.parse_qs(urllib.parse.urlparse(driver.current_url).query).get("q") == [query], driver.current_url
    found = {}
    for row in driver.find_elements(By.CSS_SELECTOR, "#customer-table tbody tr"):
        link = row.find_element(By.CSS_SELECTOR, "a[href^='/customers/']")
        found[link.get_attribute("href").rsplit("/", 1)[1]] = row.text
    return found


# ---- the flow ------------------------------------------------------------------------------------

def test_a_5000_row_csv_is_uploaded_checked_and_imported(demo, page, tmp_path):
    rows = customer_rows(ROWS)
    path = write_csv(rows, tmp_path)
    assert os.path.getsize(path) > 500_000  # far more than one TCP segment or one NIO read

    open_page(page, demo.base + "/customers/import")
    page.find_element(By.CSS_SELECTOR, "#upload-form input[type=file][name=file]").send_keys(path)
    click_and_wait(page, "#upload-form button[type=submit]")
    assert f"{ROWS} rows read" in flash(page).replace(",", ""), flash(page)
    assert re.search(r"/customers/import/[0-9A-Fa-f-]{36}$", page.current_url), page.current_url
    status = page.find_element(By.ID, "import-status")
    assert FILE_NAME in status.text and status.get_attribute("data-status") == "uploaded", status.text

    # The columns are guessed from the header; nothing needs choosing by hand.
    guessed = {field: Select(page.find_element(By.NAME, "map_" + field)).first_selected_option.text for field in GUESSED}
    assert guessed == GUESSED
    shot(page, "large-01-import-mapping")

    click_and_wait(page, "#mapping-form button[value=dry-run]")
    dry = page.find_element(By.ID, "dry-run").text
    assert numbers(dry) == [ROWS, 0, 0], f"the dry run should find {ROWS} good rows, none skipped, none with errors: {dry}"
    assert page.find_element(By.ID, "import-status").get_attribute("data-status") == "uploaded", "a dry run writes nothing"
    start = page.find_element(By.CSS_SELECTOR, "#mapping-form button[value=start]")
    assert numbers(start.text) == [ROWS], start.text
    shot(page, "large-02-import-dry-run")

    # The button carries data-confirm; accept the question if the page asks it.
    asked = click_and_wait(page, "#mapping-form button[value=start]", confirm=f"Import {ROWS} customers")
    assert asked, "importing thousands of customers must ask first (button[data-confirm])"
    assert "Import started" in flash(page), flash(page)
    first = import_status(page)
    assert first in ("queued", "running", "completed"), first
    if first != "completed":
        # While the job runs the page shows a progress bar and reloads itself every two seconds;
        # a marker on this window tells whether a reload happened without the test asking for one.
        assert page.find_element(By.CSS_SELECTOR, "#import-status progress").get_attribute("max") == "100"
        assert present(page, "meta[http-equiv=refresh]"), "a running import's page should refresh itself"
        page.execute_script("window.e2eFirstLoad = true")
        shot(page, "large-03-import-progress")
    seen = []
    deadline = time.time() + 300
    while (status := import_status(page)) not in ("completed", "failed"):
        if status and (not seen or seen[-1] != status):
            seen.append(status)
        assert time.time() < deadline, f"the import did not finish in 5 minutes; statuses seen: {seen}"
        time.sleep(0.5)
    assert_app_page(page)
    if first != "completed":
        assert page.execute_script("return window.e2eFirstLoad") is None, "the page did not reload itself while the import ran"
    assert status == "completed", f"the import ended {status}; statuses seen: {seen}"
    result = page.find_element(By.CSS_SELECTOR, "#import-status .import-result").text
    assert numbers(result) == [ROWS, 0, 0], f"expected Imported {ROWS} · skipped 0 · errors 0, the page says: {result}"
    assert not present(page, "#problems"), "no row should be reported as a problem"
    assert not present(page, "#import-status progress"), "a finished import shows no progress bar"
    shot(page, "large-04-import-report")

    open_page(page, demo.base + "/customers/import")
    recent = page.find_element(By.CSS_SELECTOR, "table.data tbody tr").text
    assert FILE_NAME in recent and "completed" in recent, recent
    state["imported"] = rows


def test_an_imported_customer_is_found_by_name_and_mobile(demo, page):
    rows = state.get("imported")
    assert rows, "the import did not finish"
    line = 3777  # somewhere in the second half: the 01666… numbers, imported by a late chunk
    row = rows[line - 2]
    by_name = search_customers(page, demo.base, row["Name"])
    matches = [cid for cid, text in by_name.items() if row["Name"] in text]
    assert len(matches) == 1, f"searching {row['Name']!r} should list that one customer: {by_name}"
    shot(page, "large-05-imported-customer-search")
    by_mobile = search_customers(page, demo.base, row["Mobile"])
    assert list(by_mobile) == matches, f"searching {row['Mobile']} should list only {row['Name']}: {by_mobile}"

    click_and_wait(page, f"#customer-table a[href='/customers/{matches[0]}']")
    heading = page.find_element(By.TAG_NAME, "h1").text
    assert re.fullmatch(r"C-\d+ " + re.escape(row["Name"]), heading), heading
    entries = [li.text for li in page.find_elements(By.CSS_SELECTOR, "ol.timeline > li")]
    assert any(f"from {FILE_NAME}, line {line}" in e for e in entries), entries
    assert row["Address"] in page.find_element(By.CSS_SELECTOR, ".card.address").text


def long_note(length=4000):
    """A technician's visit log of exactly `length` characters (the form's and the server's limit),
    one paragraph, with a Bangla sentence, ending in a marker so a cut-off end would show."""
    sentences = [
        "Visited the customer at House 14, Road 3, Mirpur 10 about slow evenings since the storm.",
        "ONU optical power read -27.4 dBm at the flat and -19.8 dBm at the splitter on the roof.",
        "Found the drop cable pinched under the window frame on the third floor; re-routed it along the wall.",
        "Customer asked for a static IP for the CCTV recorder in the shop downstairs; told him about the business plan.",
        "গ্রাহক সন্ধ্যার পর বাসায় থাকেন, আগে ফোন করে আসবেন।",
        "Router is a TP-Link Archer C6; moved it off the fridge and set the 5 GHz channel to 149.",
        "Speed test after the fix: 48 Mbps down, 47 Mbps up on cable; 31 Mbps on Wi-Fi in the bedroom.",
        "Landlord (Mr. Haque, 01555 012345) wants a day's notice before anyone goes on the roof again.",
        "Bill for March paid by bKash; the receipt number is on the paper form kept at the Mirpur office.",
    ]
    end = " [end of visit log, ref NOTE-%06d]" % random.randrange(10**6)
    body = ""
    i = 0
    while len(body) < length - len(end):
        body += ("" if not body else " ") + sentences[i % len(sentences)]
        i += 1
    body = body[:length - len(end)].rstrip()
    body += "." * (length - len(end) - len(body))  # the cut may have left a space at the end
    note = body + end
    assert len(note) == length
    return note


def test_a_4000_character_note_is_saved_whole(demo, page):
    open_page(page, demo.base + "/customers")
    click_and_wait(page, "#customer-table tbody tr a[href^='/customers/']")
    customer = page.current_url
    note = long_note()
    box = page.find_element(By.ID, "note_body")
    box.clear()
    box.send_keys(note)
    typed = box.get_attribute("value")
    assert len(typed) == len(note) and unicodedata.normalize("NFC", typed) == unicodedata.normalize("NFC", note), \
        f"the textarea holds {len(typed)} characters, not the note as typed"
    click_and_wait(page, "#note-form button[value=note]")
    assert page.current_url.split("#")[0] == customer.split("#")[0], page.current_url
    assert "Note added" in flash(page), flash(page)
    bodies = [unicodedata.normalize("NFC", e.text) for e in page.find_elements(By.CSS_SELECTOR, "ol.timeline > li.note .entry-body")]
    assert unicodedata.normalize("NFC", note) in bodies, \
        f"the timeline's notes do not hold the whole note; their lengths are {[len(b) for b in bodies]}"
    shot(page, "large-06-long-note")


def test_the_server_logged_no_unhandled_errors(demo):
    problems = [line for line in demo.output().splitlines() if "unhandled error" in line or " error " in line.lower()]
    assert not problems, "\n".join(problems)
