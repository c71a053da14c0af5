"""What a user of the generated Python client (clients/python, `liftoff-client`) does, against a
real `liftoff up` with two real agents running real hook scripts: enroll, create an
application, upload a .tar.gz revision, create a group, deploy with an Idempotency-Key, wait,
read hosts and history, download the bundle; and the errors come back typed."""

import hashlib
import io
import tarfile
import uuid

from conftest import wait_for
from liftoff_client import AuthenticatedClient
from liftoff_client.api.applications import create_application, get_application
from liftoff_client.api.deployment_groups import create_group
from liftoff_client.api.deployments import create_deployment, get_deployment
from liftoff_client.api.enrollment import create_enrollment_token
from liftoff_client.api.history import revision_hosts
from liftoff_client.api.hosts import list_hosts
from liftoff_client.api.revisions import download_bundle, push_revision
from liftoff_client.models import (
    CreateApplication,
    CreateDeployment,
    CreateDeploymentGroup,
    CreateDeploymentGroupSelector,
    CreateEnrollmentToken,
    CreateEnrollmentTokenTags,
    Deployment,
    DeploymentStatus,
    ErrorBody,
    HostList,
    HostRevisionList,
    Revision,
)
from liftoff_client.types import File

APPSPEC = """version: 0.0
os: linux
hooks:
  AfterInstall:
    - location: scripts/installed.sh
      timeout: 30
  ValidateService:
    - location: scripts/validate.sh
      timeout: 30
"""


def bundle_tar_gz(version: str) -> bytes:
    """A bundle: appspec.yml and two hook scripts that leave a trace in the install root."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        def add(name: str, text: str, mode: int = 0o644) -> None:
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), mode
            tar.addfile(info, io.BytesIO(data))

        add("appspec.yml", APPSPEC)
        add("scripts/installed.sh",
            f'#!/bin/sh\nset -e\nmkdir -p "$LIFTOFF_INSTALL_ROOT"\n'
            f'echo "{version}" > "$LIFTOFF_INSTALL_ROOT/version"\n', 0o755)
        add("scripts/validate.sh",
            f'#!/bin/sh\ngrep -qx "{version}" "$LIFTOFF_INSTALL_ROOT/version"\n', 0o755)
    return out.getvalue()


def test_deploys_a_revision_to_two_agents_through_the_generated_client(control_plane):
    client = AuthenticatedClient(base_url=control_plane.url, token=control_plane.token, timeout=30.0)

    # Enroll two hosts with a token from the API.
    tags = CreateEnrollmentTokenTags.from_dict({"role": "web"})
    made = create_enrollment_token.sync_detailed(
        client=client, body=CreateEnrollmentToken(tags=tags, uses=2, ttl_secs=600))
    assert made.status_code == 201, made.content
    for zone in ["zone-a", "zone-b"]:
        control_plane.start_agent(made.parsed.token, zone, {"role": "web"})
    hosts = wait_for("two hosts to enroll", lambda: (
        lambda r: isinstance(r, HostList) and len(r.hosts) == 2 and r)(
            list_hosts.sync(client=client, tag=["role=web"])))
    host_ids = {h.host_id for h in hosts.hosts}

    # An application, and a .tar.gz revision uploaded through the generated method.
    app = create_application.sync(client=client, body=CreateApplication(name="shop"))
    assert app is not None and not isinstance(app, ErrorBody), app
    bundle = bundle_tar_gz("v1")
    pushed = push_revision.sync_detailed(
        "shop", client=client, body=File(payload=io.BytesIO(bundle), file_name="shop-v1.tar.gz"),
        version_label="v1", sha256=hashlib.sha256(bundle).hexdigest())
    assert pushed.status_code == 201, pushed.content
    revision = pushed.parsed
    assert isinstance(revision, Revision) and revision.format_ == "tar.gz"

    group = create_group.sync_detailed(
        "shop", client=client,
        body=CreateDeploymentGroup(
            name="web", selector=CreateDeploymentGroupSelector.from_dict({"role": ["web"]})))
    assert group.status_code == 201, group.content

    # Deploy with an Idempotency-Key: the same request again answers the same deployment.
    key = str(uuid.uuid4())
    request = CreateDeployment(application="shop", deployment_group="web",
                               revision=revision.revision_id)
    first = create_deployment.sync_detailed(client=client, body=request, idempotency_key=key)
    again = create_deployment.sync_detailed(client=client, body=request, idempotency_key=key)
    assert first.status_code == 201, first.content
    assert isinstance(again.parsed, Deployment), again.content
    assert again.parsed.deployment_id == first.parsed.deployment_id
    deployment_id = first.parsed.deployment_id

    def finished():
        d = get_deployment.sync(deployment_id, client=client)
        return isinstance(d, Deployment) and d.status in (
            DeploymentStatus.SUCCEEDED, DeploymentStatus.FAILED, DeploymentStatus.STOPPED) and d

    done = wait_for("the deployment to finish", finished, timeout=120)
    assert done.status == DeploymentStatus.SUCCEEDED, repr([h.to_dict() for h in done.hosts])
    assert {h.host_id for h in done.hosts} == host_ids

    # Hosts list the revision they run (the registry learns it through an outbox: a moment later).
    def hosts_run_it():
        r = list_hosts.sync(client=client, tag=["role=web"])
        return isinstance(r, HostList) and all(
            any(rev.revision_id == revision.revision_id for rev in (h.revisions or []))
            for h in r.hosts) and r

    wait_for("both hosts to list the revision", hosts_run_it, timeout=30)

    # History: which hosts run this revision now.
    def history_knows():
        r = revision_hosts.sync(revision.revision_id, client=client, application="shop")
        return isinstance(r, HostRevisionList) and {h.host_id for h in r.hosts} == host_ids and r

    wait_for("history to list both hosts", history_knows, timeout=30)

    # The bundle comes back byte for byte.
    downloaded = download_bundle.sync_detailed("shop", revision.revision_id, client=client)
    assert downloaded.status_code == 200
    assert hashlib.sha256(downloaded.content).hexdigest() == hashlib.sha256(bundle).hexdigest()


def test_errors_come_back_as_typed_error_bodies(control_plane):
    client = AuthenticatedClient(base_url=control_plane.url, token=control_plane.token, timeout=30.0)

    missing = get_application.sync_detailed("no-such-app", client=client)
    assert missing.status_code == 404
    assert isinstance(missing.parsed, ErrorBody) and missing.parsed.error.code == "not_found"

    assert create_application.sync(client=client, body=CreateApplication(name="shop")) is not None
    # A tar.gz without appspec.yml is well-formed but invalid.
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        info = tarfile.TarInfo("README")
        info.size = 2
        tar.addfile(info, io.BytesIO(b"hi"))
    refused = push_revision.sync_detailed(
        "shop", client=client, body=File(payload=io.BytesIO(out.getvalue())))
    assert refused.status_code == 422, refused.content
    assert isinstance(refused.parsed, ErrorBody)
    assert refused.parsed.error.code and refused.parsed.error.message
