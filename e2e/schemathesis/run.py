"""Hostile input from the committed OpenAPI document, against a running Gatehouse.

`cargo xtask hostile` (and `cargo xtask test`) serves a seeded Gatehouse with the fake
Stripe and runs this. Three people sign up through the API: two tenants, alice and bob,
and carol, who is made staff. Schemathesis then feeds every operation of
`openapi/gatehouse.json` generated and mutated input:

1. as each tenant, every operation outside the admin API: nothing may answer 5xx, and
   neither tenant may read an object the other owns (object-level authorization, with
   the ids each tenant's own requests and lists reveal);
2. as carol, every admin operation: nothing may answer 5xx.

Run from its own working directory (reports land in `report/`). Exits non-zero when
Schemathesis finds a failure. Settings come from the environment: GATEHOUSE_HOSTILE_URL,
GATEHOUSE_BIN and DATABASE_URL (for `gatehouse users staff`), GATEHOUSE_HOSTILE_EXAMPLES
(cases per operation and phase), GATEHOUSE_HOSTILE_SEED.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import requests

BASE = os.environ["GATEHOUSE_HOSTILE_URL"].rstrip("/")
API = f"{BASE}/api/v1"
SPEC = Path(__file__).resolve().parents[2] / "openapi" / "gatehouse.json"
EXAMPLES = os.environ.get("GATEHOUSE_HOSTILE_EXAMPLES", "25")
SEED = os.environ.get("GATEHOUSE_HOSTILE_SEED", "20261130")
PASSWORD = "violet harbour 31 lantern"
ST = str(Path(sys.executable).with_name("st"))


def sign_up(name: str) -> str:
    """Registers `name` and signs in: the access token."""
    answer = requests.post(
        f"{API}/auth/register",
        json={
            "email": f"{name}@example.org",
            "username": name,
            "password": PASSWORD,
            "first_name": name.title(),
            "last_name": "Tester",
        },
        timeout=30,
    )
    answer.raise_for_status()
    answer = requests.post(
        f"{API}/auth/login", json={"login": name, "password": PASSWORD}, timeout=30
    )
    answer.raise_for_status()
    return answer.json()["access_token"]


def own_things(token: str, name: str) -> None:
    """Gives the tenant objects of its own to be asked about: a team, a key, a ticket."""
    headers = {"Authorization": f"Bearer {token}"}
    me = requests.get(f"{API}/me", headers=headers, timeout=30).json()
    account = me["account_id"]
    for path, body in [
        ("/accounts", {"name": f"{name.title()} Team"}),
        (f"/accounts/{account}/api-keys", {"name": f"{name} CI", "scopes": ["full"]}),
        (
            "/tickets",
            {"subject": f"{name} needs help", "body": "It does not work.", "priority": "normal"},
        ),
    ]:
        answer = requests.post(f"{API}{path}", json=body, headers=headers, timeout=30)
        if not answer.ok:
            sys.exit(f"setting up {name}: POST {path} answered {answer.status_code} {answer.text}")


def schemathesis(*args: str) -> int:
    command = [
        ST,
        "run",
        str(SPEC),
        "--url",
        BASE,
        "--max-examples",
        EXAMPLES,
        "--seed",
        SEED,
        # One worker: CPython 3.11's parser is not thread-safe under Hypothesis
        # ("AST constructor recursion depth mismatch" with two).
        "--workers",
        "1",
        "--no-color",
        "--report",
        "junit",
        "--report-dir",
        "report",
        *args,
    ]
    shown = ["Authorization: Bearer …" if arg.startswith("Authorization:") else arg for arg in command]
    print("+", " ".join(shown), flush=True)
    return subprocess.call(command)


def main() -> int:
    tokens = {name: sign_up(name) for name in ("alice", "bob")}
    for name, token in tokens.items():
        own_things(token, name)
    staff = sign_up("carol")
    subprocess.run(
        [os.environ["GATEHOUSE_BIN"], "users", "staff", "carol", "--role", "admin"],
        check=True,
    )

    Path("wfc.json").write_text(
        json.dumps(
            {
                "auth": [
                    {
                        "name": name,
                        "fixedHeaders": [{"name": "Authorization", "value": f"Bearer {token}"}],
                    }
                    for name, token in tokens.items()
                ]
            }
        )
    )
    Path("schemathesis.toml").write_text('[auth.wfc]\npath = "wfc.json"\npeers = ["alice", "bob"]\n')
    tenants = schemathesis(
        "--checks",
        "not_a_server_error,object_level_authorization",
        # The admin API is the staff pass's; Stripe's webhook needs Stripe's signature;
        # signing out would end the tenant's session for the rest of the run.
        "--exclude-path-regex",
        "^/api/v1/(admin/|webhooks/|auth/logout)",
        "--report-junit-path",
        "tenants.xml",
    )
    Path("schemathesis.toml").unlink()
    admin = schemathesis(
        "--checks",
        "not_a_server_error",
        "--include-path-regex",
        "^/api/v1/admin/",
        "--header",
        f"Authorization: Bearer {staff}",
        "--report-junit-path",
        "admin.xml",
    )
    return 1 if tenants or admin else 0


if __name__ == "__main__":
    sys.exit(main())
