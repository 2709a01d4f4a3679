"""The `meghna` command as an operator meets it: clear one-sentence failures, the demo, create-admin."""
import json
import os
import subprocess
import tempfile

from conftest import BIN, Meghna, api


def run(*args, **env):
    data = tempfile.mkdtemp(prefix="meghna-cli-")
    full = dict(os.environ, MEGHNA_DATA_DIR=data, LOG_LEVEL="error")
    full.update(env)
    return subprocess.run([BIN, *args], env=full, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


def test_bad_configuration_exits_nonzero_with_one_sentence():
    for env, args, expected in [
        ({"DATABASE_URL": "mysql://x"}, ["serve"], "DATABASE_URL must start with postgres:// or sqlite://"),
        ({"DATABASE_URL": "sqlite://relative.sqlite"}, ["migrate"], "absolute file path"),
        ({"LOG_FORMAT": "xml"}, ["migrate"], "LOG_FORMAT must be json or text"),
        ({"MEGHNA_MASTER_KEY": "too-short"}, ["migrate"], "MEGHNA_MASTER_KEY"),
        ({"PORT": "abc"}, ["serve"], "PORT must be a number"),
        ({}, ["serve", "--port", "70000"], "--port must be between 1 and 65535"),
        ({}, ["user", "create-admin", "--organization", "X"], "--email is required"),
        ({}, ["worker", "--concurrency", "0"], "--concurrency must be between 1 and 64"),
        ({}, ["worker", "--queues", " , "], "--queues must name at least one queue"),
        ({"DATABASE_URL": "postgres://nobody:x@127.0.0.1:1/none?sslmode=disable"}, ["migrate"], "Cannot reach the PostgreSQL server"),
    ]:
        result = run(*args, **env)
        assert result.returncode != 0, (args, env, result.stdout, result.stderr)
        assert expected in result.stderr, (args, env, result.stderr)
        assert "Traceback" not in result.stderr and "Fatal error" not in result.stderr


def test_create_admin_then_sign_in_over_the_api():
    data = tempfile.mkdtemp(prefix="meghna-cli-")
    env = {"MEGHNA_DATA_DIR": data}
    weak = run("user", "create-admin", "--email", "owner@padma.test", "--organization", "Padma Net", "--password", "password", **env)
    assert weak.returncode != 0 and "at least 12 characters" in weak.stderr
    ok = run("user", "create-admin", "--email", "owner@padma.test", "--organization", "Padma Net", "--name", "Owner",
             "--password", "hilsa fish season 24", **env)
    assert ok.returncode == 0, ok.stderr
    assert "Created super admin owner@padma.test in Padma Net" in ok.stdout
    again = run("user", "create-admin", "--email", "owner@padma.test", "--organization", "Padma Net", "--password", "hilsa fish season 24", **env)
    assert again.returncode != 0 and "already belongs to a user" in again.stderr
    # The operator of the installation, made the way the README's production section says.
    operator = run("user", "create-admin", "--env", "production", "--email", "noc@meghna-host.test", "--organization", "Meghna Host",
                   "--password", "hilsa fish season 24", "--platform-admin", **env)
    assert operator.returncode == 0, operator.stderr
    assert "Created platform administrator and super admin noc@meghna-host.test" in operator.stdout
    migrated = run("migrate", "--env", "production", **env)
    assert migrated.returncode == 0 and "Database is up to date" in migrated.stdout, migrated.stderr


def test_demo_prints_how_to_sign_in_and_the_password_works():
    meghna = Meghna("--demo", MEGHNA_DEMO_PASSWORD="river delta demo 2026")
    try:
        base = meghna.base
        assert "Sign in as admin@demo.test (platform administrator) with password: river delta demo 2026" in meghna.output()
        status, body = api(base, "POST", "/api/v1/auth/tokens",
                           body={"email": "admin@demo.test", "password": "river delta demo 2026", "name": "demo", "abilities": ["*"]})
        assert status == 201, body
        token = json.loads(body)["token"]
        status, body = api(base, "GET", "/api/v1/users", token=token)
        emails = {u["email"] for u in json.loads(body)["data"]}
        assert {"admin@demo.test", "branch@demo.test", "billing@demo.test", "network@demo.test", "support@demo.test"} <= emails
        status, body = api(base, "GET", "/api/v1/organizations", token=token)
        assert len(json.loads(body)["data"]) >= 2  # the demo's admin is the platform administrator
        assert json.loads(api(base, "GET", "/api/v1/me", token=token)[1])["user"]["platform_admin"] is True
    finally:
        meghna.stop()
