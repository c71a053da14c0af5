"""Seeds a fresh `liftoff up` with one of every object, so the ids schemathesis sends resolve,
and writes the schemathesis configuration naming them.

usage: seed.py URL ADMIN_TOKEN OUT_DIR   (writes OUT_DIR/schemathesis.toml)

Operations that would lock the fuzzer out (disabling a team, revoking a token) act on a team
and token made for that purpose, never on the admin's.
"""

import hashlib
import io
import sys
import tarfile
import time
import uuid

import httpx

url, token, out_dir = sys.argv[1], sys.argv[2], sys.argv[3]
api = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30)


def ok(response: httpx.Response) -> dict:
    if response.status_code >= 300:
        sys.exit(f"seeding: {response.request.method} {response.request.url} -> {response.status_code} {response.text}")
    return response.json() if response.content else {}


def bundle() -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        for name, text in [("appspec.yml", "version: 0.0\nos: linux\nhooks:\n  ValidateService:\n"
                                           "    - location: check.sh\n      timeout: 10\n"),
                           ("check.sh", "#!/bin/sh\ntrue\n")]:
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o755
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


enroll = ok(api.post("/v1/enrollment-tokens", json={"tags": {"role": "web"}, "uses": 5, "ttl_secs": 3600}))
host = ok(httpx.post(f"{url}/v1/hosts/enroll", json={
    "enrollment_token": enroll["token"], "hostname": "seed-host", "zone": "zone-a", "tags": {"role": "web"}}))
ok(api.post("/v1/applications", json={"name": "shop", "description": "seeded"}))
data = bundle()
revision = ok(api.post("/v1/applications/shop/revisions", content=data,
                       params={"sha256": hashlib.sha256(data).hexdigest(), "version_label": "v1"},
                       headers={"Content-Type": "application/gzip"}))
ok(api.post("/v1/deployment-configs", json={
    "name": "careful", "minimum_healthy": {"type": "FLEET_PERCENT", "value": 50}}))
ok(api.post("/v1/applications/shop/deployment-groups", json={
    "name": "web", "selector": {"role": ["web"]}, "deployment_config": "careful"}))
deployment = ok(api.post("/v1/deployments", json={
    "application": "shop", "deployment_group": "web", "revision": revision["revision_id"]},
    headers={"Idempotency-Key": str(uuid.uuid4())}))
ok(api.post("/v1/teams", json={"name": "fuzzed"}))
team_token = ok(api.post("/v1/teams/fuzzed/tokens", json={"subject": "fuzz", "role": "viewer"}))

# Let the outboxes deliver, so history knows the revision and the deployment.
deadline = time.monotonic() + 20
while time.monotonic() < deadline:
    r = api.get(f"/v1/history/revisions/{revision['revision_id']}/hosts", params={"application": "shop"})
    if r.status_code == 200:
        break
    time.sleep(0.5)

ids = {
    "app": "shop",
    "group": "web",
    "name": "careful",
    "team": "fuzzed",
    "jti": team_token.get("jti") or team_token.get("token_id"),
    "host": host["host_id"],
    "revision": revision["revision_id"],
    "deployment": deployment["deployment_id"],
}
with open(f"{out_dir}/schemathesis.toml", "w") as f:
    f.write("# written by scripts/contract.d/seed.py: the seeded objects' ids\n[parameters]\n")
    for name, value in ids.items():
        f.write(f'"path.{name}" = "{value}"\n')
    # `id` names a different object on each resource.
    for path_regex, value in [
        ("^/v1/applications/\\\\{app\\\\}/revisions/", revision["revision_id"]),
        ("^/v1/(deployments|rollouts)/", deployment["deployment_id"]),
        ("^/v1/hosts/", host["host_id"]),
        ("^/v1/enrollment-tokens/", enroll["token_id"]),
    ]:
        f.write(f'\n[[operations]]\ninclude-path-regex = "{path_regex}"\nparameters = {{ "path.id" = "{value}" }}\n')
print("seeded:", ids)
