"""Starts a real `meghna serve` on a fresh SQLite file and gives tests a headless Chromium."""
import glob
import json
import os
import select
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait
from selenium.webdriver.chrome.service import Service

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ARTIFACTS = os.path.join(ROOT, "e2e-artifacts")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


BIN = os.environ.get("MEGHNA_BIN", os.path.join(ROOT, ".build/debug/meghna"))


class Meghna:
    """A `meghna serve …` process on a free port with its own data folder; waits until it answers."""

    def __init__(self, *args, data=None, **env):
        # `data`: start again on an earlier server's folder (its database), e.g. at a later MEGHNA_CLOCK.
        self.data = data or tempfile.mkdtemp(prefix="meghna-e2e-")
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = os.path.join(self.data, f"server-{self.port}.log")
        full = dict(os.environ, MEGHNA_DATA_DIR=self.data, DATABASE_URL=f"sqlite://{self.data}/e2e.sqlite", PORT=str(self.port))
        full.pop("MEGHNA_MASTER_KEY", None)
        full.update(env)
        with open(self.log, "w") as out:
            self.proc = subprocess.Popen([BIN, "serve", *args], cwd=ROOT, env=full, stdout=out, stderr=subprocess.STDOUT)
        for _ in range(120):
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=1)
                return
            except Exception:
                if self.proc.poll() is not None:
                    raise RuntimeError(open(self.log).read())
                time.sleep(0.5)
        raise RuntimeError("meghna serve did not start")

    def output(self):
        return open(self.log).read()

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=20)


class SMTPPeer:
    """A real SMTP server for the app to send to: the Swift tests' aiosmtpd peer
    (Tests/NotificationsTests/Peers/smtp_server.py) on a free port of 127.0.0.1, plain TCP, no AUTH.
    Every message it accepts lands as one JSON file (envelope, raw text, parsed parts) in `folder`.
    Runs on this interpreter, so aiosmtpd must be installed next to selenium (see .ci/run)."""

    SCRIPT = os.path.join(ROOT, "Tests", "NotificationsTests", "Peers", "smtp_server.py")

    def __init__(self, *options):
        self.folder = tempfile.mkdtemp(prefix="meghna-e2e-smtp-")
        self.errors = os.path.join(self.folder, "stderr.txt")
        mail = os.path.join(self.folder, "mail")
        with open(self.errors, "w") as err:
            # stdin stays open: the script exits when it closes, so a killed test run leaves no server behind.
            self.proc = subprocess.Popen([sys.executable, "-u", self.SCRIPT, mail, *options],
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err)
        self.mail = mail
        ready, _, _ = select.select([self.proc.stdout], [], [], 30)
        line = self.proc.stdout.readline().decode().strip() if ready else ""
        if not line.isdigit():
            self.stop()
            raise RuntimeError(f"the SMTP peer did not start (exit {self.proc.returncode}): {open(self.errors).read()}")
        self.port = int(line)

    def messages(self):
        """Every message accepted so far, oldest first (the peer numbers its files)."""
        out = []
        for name in sorted(glob.glob(os.path.join(self.mail, "message-*.json"))):
            with open(name, encoding="utf-8") as f:
                out.append(json.load(f))
        return out

    def wait_for(self, recipient, timeout=30):
        """The first message to `recipient`; fails with what did arrive if none does in time."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            found = [m for m in self.messages() if recipient in m["rcpt_tos"]]
            if found:
                return found[0]
            time.sleep(0.3)
        raise AssertionError(f"no email to {recipient} reached the SMTP peer in {timeout} s; it received "
                             f"{[(m['rcpt_tos'], m['parsed']['subject']) for m in self.messages()]}")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.terminate()
            self.proc.wait(timeout=20)


@pytest.fixture(scope="session")
def server():
    meghna = Meghna(LOG_FORMAT="json")
    yield {"base": meghna.base, "data": meghna.data, "log": meghna.log}
    meghna.stop()


@pytest.fixture(scope="session")
def browser():
    os.makedirs(ARTIFACTS, exist_ok=True)
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,900"):
        opts.add_argument(a)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    driver.implicitly_wait(5)
    yield driver
    driver.quit()


def _gone(error):
    """Chromedriver reports a node of a page that has just been replaced either as stale or, while
    the new document is settling, as "does not belong to the document"; both mean it is gone."""
    return isinstance(error, StaleElementReferenceException) or "does not belong to the document" in str(error)


def replaced(old):
    """A wait condition: the page that held `old` has been replaced (EC.staleness_of, also taking
    Chromedriver's settling error as an answer rather than a failure)."""
    def check(_driver):
        try:
            old.is_enabled()
            return False
        except (StaleElementReferenceException, WebDriverException) as error:
            if _gone(error):
                return True
            raise
    return check


def click_and_wait(driver, selector, timeout=15):
    """Clicks and waits until the browser has loaded the next page completely. Chromedriver now and
    then reports the button as "not in the document" when the previous page was still settling; the
    click did not happen then, so it is tried once more."""
    for attempt in range(2):
        old = driver.find_element(By.TAG_NAME, "html")
        try:
            driver.find_element(By.CSS_SELECTOR, selector).click()
            break
        except (StaleElementReferenceException, WebDriverException) as error:
            if attempt == 1 or not _gone(error):
                raise
            time.sleep(0.5)
    WebDriverWait(driver, timeout).until(replaced(old))
    wait_until_loaded(driver, timeout)


def wait_until_loaded(driver, timeout=15):
    WebDriverWait(driver, timeout).until(lambda d: d.execute_script("return document.readyState") == "complete")


def shot(driver, name):
    driver.save_screenshot(os.path.join(ARTIFACTS, name + ".png"))


def api(base, method, path, token=None, body=None, raw=None):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
