"""The simulated MikroTik router (`meghna routeros-sim`, Sources/RouterOSSim) against two real
RouterOS API clients from PyPI: librouteros 4.2.2 and RouterOS-api 0.21.0 (import `routeros_api`).
If they can log in both ways, print with .proplist and queries, add / set / remove and read a
!trap as their own exception, the simulator speaks the protocol as a router does.

The simulator runs as a subprocess: `$MEGHNA_BIN routeros-sim …` when MEGHNA_BIN is set, else
the scratch runner in $ROUTEROS_SIM_BIN (same flags), else .build/debug/meghna routeros-sim."""
import os
import select
import shutil
import ssl
import subprocess
import tempfile

import librouteros
import pytest
import routeros_api
from librouteros.exceptions import TrapError
from librouteros.login import plain, token
from librouteros.query import And, Key, Or
from routeros_api.exceptions import RouterOsApiCommunicationError

from conftest import ROOT, free_port

PASSWORD = "river-delta-7"


def simulator_command(*flags):
    if os.environ.get("MEGHNA_BIN"):
        return [os.environ["MEGHNA_BIN"], "routeros-sim", *flags]
    if os.environ.get("ROUTEROS_SIM_BIN"):
        return [os.environ["ROUTEROS_SIM_BIN"], *flags]
    return [os.path.join(ROOT, ".build/debug/meghna"), "routeros-sim", *flags]


class Simulator:
    """A simulator process on a free port of 127.0.0.1; ready once it printed its listening line."""

    def __init__(self, *flags):
        self.port = free_port()
        self.errors = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(simulator_command("--host", "127.0.0.1", "--port", str(self.port), *flags),
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self.errors)
        ready, _, _ = select.select([self.proc.stdout], [], [], 60)
        self.line = self.proc.stdout.readline().decode().strip() if ready else ""
        if "RouterOS simulator listening on" not in self.line:
            self.stop()
            self.errors.seek(0)
            raise RuntimeError(f"the simulator did not start: {self.line!r} {self.errors.read().decode()}")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=20)


@pytest.fixture(scope="module")
def router():
    """RouterOS 7.18 with plain login, four PPPoE secrets, two of them online."""
    sim = Simulator("--password", PASSWORD, "--secrets", "4", "--identity", "padma-core-1")
    yield sim
    sim.stop()


@pytest.fixture(scope="module")
def old_router():
    """RouterOS 6.42 with the MD5 challenge login only."""
    sim = Simulator("--password", PASSWORD, "--login", "challenge", "--version", "6.42.12")
    yield sim
    sim.stop()


def connect(sim, password=PASSWORD, method=plain):
    return librouteros.connect("127.0.0.1", "admin", password, port=sim.port, login_method=method, timeout=10)


def api_pool(sim, password=PASSWORD, plaintext=True):
    return routeros_api.RouterOsApiPool("127.0.0.1", username="admin", password=password, port=sim.port,
                                        plaintext_login=plaintext)


def test_the_listening_line_names_the_login_and_user_but_never_the_password(router, old_router):
    assert f"listening on 127.0.0.1:{router.port} (login: plain, user admin)" in router.line
    assert "(login: challenge, user admin)" in old_router.line
    assert PASSWORD not in router.line + old_router.line


# --- librouteros 4.2.2 ---------------------------------------------------------------------------

def test_librouteros_plain_login_and_a_wrong_password(router):
    api = connect(router)
    assert [row["name"] for row in api.path("system", "identity")] == ["padma-core-1"]
    api.close()
    with pytest.raises(TrapError) as refused:
        connect(router, password="wrong")
    assert refused.value.message == "invalid user name or password (6)"


def test_librouteros_md5_challenge_login(old_router):
    api = connect(old_router, method=token)
    resource = next(iter(api.path("system", "resource")))
    assert resource["version"] == "6.42.12" and resource["platform"] == "MikroTik"
    api.close()
    with pytest.raises(TrapError) as refused:
        connect(old_router, password="wrong", method=token)
    assert "invalid user name or password" in refused.value.message


def test_librouteros_print_with_proplist_and_queries(router):
    api = connect(router)
    secrets = api.path("ppp", "secret")
    name, profile, service = Key("name"), Key("profile"), Key("service")
    assert list(secrets.select(name, profile).where(name == "pppoe-user-2")) == [{"name": "pppoe-user-2", "profile": "10M"}]
    found = list(secrets.select(name).where(Or(name == "pppoe-user-1", name == "pppoe-user-4")))
    assert [row["name"] for row in found] == ["pppoe-user-1", "pppoe-user-4"]
    found = list(secrets.select(name).where(name.In("pppoe-user-1", "pppoe-user-2", "pppoe-user-3")))
    assert [row["name"] for row in found] == ["pppoe-user-1", "pppoe-user-2", "pppoe-user-3"]
    found = list(secrets.select(name).where(And(service == "pppoe", name != "pppoe-user-3")))
    assert [row["name"] for row in found] == ["pppoe-user-1", "pppoe-user-2", "pppoe-user-4"]
    assert list(secrets.select(name).where(name == "nobody")) == []  # !empty, which librouteros skips
    online = list(api.path("ppp", "active").select(Key(".id"), name, Key("address")))
    assert [row["name"] for row in online] == ["pppoe-user-1", "pppoe-user-2"]
    assert all(row[".id"].startswith("*") and row["address"].startswith("10.") for row in online)
    heartbeat = list(api.path("system", "resource").select(Key("uptime"), Key("cpu-load"), Key("board-name")))
    assert set(heartbeat[0]) == {"uptime", "cpu-load", "board-name"}
    api.close()


def test_librouteros_add_set_remove_and_a_duplicate_trap(router):
    api = connect(router)
    secrets = api.path("ppp", "secret")
    new_id = secrets.add(name="lib-user", password="p", profile="10M", service="pppoe")
    assert new_id.startswith("*")
    secrets.update(**{".id": new_id, "profile": "default", "disabled": True, "comment": "suspended"})
    row = list(secrets.select(Key("profile"), Key("disabled"), Key("comment")).where(Key(".id") == new_id))
    assert row == [{"profile": "default", "disabled": True, "comment": "suspended"}]
    with pytest.raises(TrapError) as duplicate:
        secrets.add(name="lib-user", password="q")
    assert duplicate.value.message == "failure: secret with the same name already exists"
    with pytest.raises(TrapError) as unknown:
        secrets.update(**{".id": "*FFFF", "profile": "x"})
    assert unknown.value.message == "no such item"
    secrets.remove(new_id)
    assert list(secrets.select(Key("name")).where(Key("name") == "lib-user")) == []
    # Kicking a customer: removing its /ppp/active row.
    active = api.path("ppp", "active")
    kicked = next(row for row in active if row["name"] == "pppoe-user-2")
    active.remove(kicked[".id"])
    assert [row["name"] for row in active] == ["pppoe-user-1"]
    api.close()


# --- RouterOS-api 0.21.0 -------------------------------------------------------------------------

def test_routeros_api_plain_login_and_a_wrong_password(router):
    pool = api_pool(router)
    api = pool.get_api()
    assert api.get_resource("/system/identity").get() == [{"name": "padma-core-1"}]
    pool.disconnect()
    with pytest.raises(RouterOsApiCommunicationError) as refused:
        api_pool(router, password="wrong").get_api()
    assert "invalid user name or password" in str(refused.value)


def test_routeros_api_md5_challenge_login(old_router):
    pool = api_pool(old_router, plaintext=False)
    api = pool.get_api()
    resource = api.get_resource("/system/resource").get()
    assert resource[0]["version"] == "6.42.12" and resource[0]["board-name"]
    pool.disconnect()
    with pytest.raises(RouterOsApiCommunicationError):
        api_pool(old_router, password="wrong", plaintext=False).get_api()


def test_routeros_api_print_add_set_remove_duplicate_and_empty(router):
    pool = api_pool(router)
    api = pool.get_api()
    users = api.get_resource("/ip/hotspot/user")
    # RouterOS 7.18 answers an empty print with !empty; 0.21.0 reads it as no rows.
    assert users.get() == []
    assert users.get(name="nobody") == []
    users.add(name="guest-1", password="g1", profile="default")
    users.add(name="guest-2", password="g2")
    with pytest.raises(RouterOsApiCommunicationError) as duplicate:
        users.add(name="guest-1", password="again")
    assert "failure: already have user with this name" in str(duplicate.value)
    found = users.get(name="guest-2")
    assert len(found) == 1 and found[0]["password"] == "g2" and found[0]["disabled"] == "false"
    users.set(id=found[0]["id"], comment="room 12", disabled="yes")
    again = users.call("print", {".proplist": "name,comment,disabled"}, {"name": "guest-2"})
    assert again == [{"name": "guest-2", "comment": "room 12", "disabled": "true"}]
    users.remove(id=found[0]["id"])
    assert [row["name"] for row in users.get()] == ["guest-1"]
    pool.disconnect()


def test_routeros_api_queries_and_address_lists(router):
    pool = api_pool(router)
    api = pool.get_api()
    lists = api.get_resource("/ip/firewall/address-list")
    for address in ("10.64.0.5", "10.64.0.6", "10.64.0.7"):
        lists.add(list="suspended", address=address, comment="unpaid")
    lists.add(list="vip", address="10.64.0.8")
    assert [row["address"] for row in lists.get(list="suspended")] == ["10.64.0.5", "10.64.0.6", "10.64.0.7"]
    from routeros_api.query import IsEqualQuery, OrQuery
    either = lists.call("print", {".proplist": "address"}, {},
                        additional_queries=[OrQuery(IsEqualQuery("address", "10.64.0.5"), IsEqualQuery("list", "vip"))])
    assert sorted(row["address"] for row in either) == ["10.64.0.5", "10.64.0.8"]
    with pytest.raises(RouterOsApiCommunicationError) as duplicate:
        lists.add(list="vip", address="10.64.0.8")
    assert "failure: already have such entry" in str(duplicate.value)
    pool.disconnect()


# --- TLS and the command line --------------------------------------------------------------------

@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl makes the test certificate")
def test_api_ssl_with_a_certificate_file():
    folder = tempfile.mkdtemp(prefix="routeros-sim-tls-")
    cert, key = os.path.join(folder, "c.pem"), os.path.join(folder, "k.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=routeros-sim",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    sim = Simulator("--password", PASSWORD, "--tls-cert", cert, "--tls-key", key)
    try:
        context = ssl.create_default_context(cafile=cert)
        context.check_hostname = False
        api = librouteros.connect("127.0.0.1", "admin", PASSWORD, port=sim.port, timeout=10,
                                  ssl_wrapper=lambda sock: context.wrap_socket(sock, server_hostname="routeros-sim"))
        assert [row["name"] for row in api.path("system", "identity")] == ["MikroTik"]
        api.close()
    finally:
        sim.stop()


def test_a_bad_flag_is_one_sentence_naming_it():
    result = subprocess.run(simulator_command("--login", "kerberos"), capture_output=True, text=True, timeout=60,
                            stdin=subprocess.DEVNULL)
    assert result.returncode != 0
    assert "--login must be plain, challenge or both" in result.stderr
    assert "Traceback" not in result.stderr and "Fatal error" not in result.stderr
