"""Web and worker as separate processes on one database, as a larger ISP runs them."""
import json
import os
import subprocess
import time
import urllib.request

from conftest import BIN, Meghna, api


def ready(base):
    try:
        with urllib.request.urlopen(base + "/readyz", timeout=2) as r:
            return r.status == 200
    except urllib.error.HTTPError:
        return False


def test_a_separate_worker_delivers_what_the_web_process_queues():
    web = Meghna("--demo", "--no-worker", MEGHNA_DEMO_PASSWORD="two processes 2026 ok")
    worker = None
    try:
        assert not ready(web.base), "readiness must fail while no worker runs"
        status, body = api(web.base, "POST", "/api/v1/auth/tokens",
                           body={"email": "admin@demo.test", "password": "two processes 2026 ok", "name": "ops", "abilities": ["*"]})
        token = json.loads(body)["token"]
        status, body = api(web.base, "GET", "/api/v1/roles", token=token)
        support = next(r["id"] for r in json.loads(body)["data"] if r["key"] == "support")
        status, body = api(web.base, "POST", "/api/v1/users", token=token,
                           body={"email": "split@demo.test", "name": "Split Worker", "role_id": support})
        assert status == 201, body
        env = dict(os.environ, MEGHNA_DATA_DIR=web.data, DATABASE_URL=f"sqlite://{web.data}/e2e.sqlite")
        worker = subprocess.Popen([BIN, "worker", "--concurrency", "2"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while not ready(web.base):
            assert time.time() < deadline, "the worker's heartbeat never made the web process ready"
            time.sleep(0.5)
        deadline = time.time() + 30
        while True:
            status, body = api(web.base, "GET", "/metrics")
            if 'meghna_jobs{queue="notifications",state="completed"}' in body:
                break
            assert time.time() < deadline, "the worker did not run the delivery job"
            time.sleep(0.5)
        worker.terminate()
        assert worker.wait(timeout=20) == 0, "the worker must stop cleanly on SIGTERM"
        worker = None
    finally:
        if worker:
            worker.kill()
        web.stop()
