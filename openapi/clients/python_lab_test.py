"""The Python SDK (openapi/clients/python) against a real serve and the lab.

Registers the lab's first remote, manages a subvolume of the local primary, adds the remote
as a replication target, takes a snapshot, replicates it and waits until the subvolume's
replication health says OK: every call through the generated client, every answer a typed
model. Run by `ops/sdk test` (which starts serve); it needs:

  SDK_URL          serve's address, e.g. http://127.0.0.1:18795
  SDK_TOKEN        an admin API token
  SDK_PRIMARY      a directory on the lab primary with an `e2e-vol` subvolume and a
                   `.snapshots` directory (frontend/e2e/prepare-primary.sh makes one)
  LAB_*            the lab (eval "$(ops/lab env)")

Prints `sdk: N passed, M failed` and exits non-zero on a failure.
"""

import os
import subprocess
import sys
import time
import uuid

from dist_btrfs_client import AuthenticatedClient
from dist_btrfs_client.api.replication_health import get_subvolume_replication_health
from dist_btrfs_client.api.replications import get_replication, request_replication
from dist_btrfs_client.api.servers import list_servers, register_server
from dist_btrfs_client.api.snapshots import create_snapshot
from dist_btrfs_client.api.subvolumes import manage_subvolume, unmanage_subvolume
from dist_btrfs_client.api.targets import add_target
from dist_btrfs_client.models import (
    HealthState,
    ManageSubvolume,
    NewReplication,
    NewServer,
    NewTarget,
    Problem,
    ReplicationState,
    Role,
    Server,
    Snapshot,
    Subvolume,
    SubvolumeHealth,
    Replication,
    Target,
)

WAIT_SECS = 300


def typed(value, model, what):
    """The answer, which must be a `model` (a Problem or None fails the step)."""
    if isinstance(value, Problem):
        raise AssertionError(f"{what}: {value.status} {value.detail}")
    if not isinstance(value, model):
        raise AssertionError(f"{what}: expected {model.__name__}, got {value!r}")
    return value


def on_remote(env, argv):
    """Runs argv on the lab remote over plain ssh (setting up, not under test). The words
    are ours (a fixed path and a hex suffix), so joining them for the remote shell is safe."""
    subprocess.run(
        ["ssh", "-i", env["LAB_SSH_KEY"], "-p", env["LAB_REMOTE1_PORT"], "-o", "StrictHostKeyChecking=no",
         "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-o", "LogLevel=ERROR",
         f"{env['LAB_SSH_USER']}@{env['LAB_REMOTE1_ADDR']}", " ".join(argv)],
        check=True, timeout=60,
    )


def main() -> int:
    env = os.environ
    client = AuthenticatedClient(base_url=env["SDK_URL"] + "/api/v1", token=env["SDK_TOKEN"], timeout=120.0)
    suffix = uuid.uuid4().hex[:8]
    steps = []

    def step(name, fn):
        try:
            result = fn()
            steps.append((name, None))
            print(f"sdk: ok   {name}")
            return result
        except Exception as e:  # noqa: BLE001 - every failure is reported, then counted
            steps.append((name, e))
            print(f"sdk: FAIL {name}: {e}")
            raise

    try:
        primary = step(
            "the local primary is listed",
            lambda: next(
                s
                for s in getattr(list_servers.sync(client=client), "items", [])
                if isinstance(s, Server) and s.role == Role.PRIMARY
            ),
        )
        with open(env["LAB_SSH_KEY"]) as f:
            key = f.read()
        remote = step(
            "a lab remote is registered with its confirmed host key",
            lambda: typed(
                register_server.sync(
                    client=client,
                    body=NewServer(
                        name=f"sdk-remote-{suffix}",
                        address=env["LAB_REMOTE1_ADDR"],
                        port=int(env["LAB_REMOTE1_PORT"]),
                        username=env["LAB_SSH_USER"],
                        role=Role.REMOTE,
                        allowed_roots=[env["LAB_REMOTE_MOUNT"]],
                        private_key=key,
                        sudo=True,
                        host_key_fingerprint=env["LAB_REMOTE1_HOSTKEY_FPR"],
                    ),
                ),
                Server,
                "registerServer",
            ),
        )
        root = env["SDK_PRIMARY"]
        subvolume = step(
            "a subvolume of the primary is managed",
            lambda: typed(
                manage_subvolume.sync(
                    client=client,
                    body=ManageSubvolume(
                        server_id=primary.id,
                        path=f"{root}/e2e-vol",
                        snapshot_dir=f"{root}/.snapshots",
                        name=f"sdk-{suffix}",
                    ),
                ),
                Subvolume,
                "manageSubvolume",
            ),
        )
        target_dir = f"{env['LAB_REMOTE_TARGET_DIR']}/sdk-{suffix}"
        on_remote(env, ["mkdir", "-p", target_dir])
        step(
            "the remote becomes its replication target",
            lambda: typed(
                add_target.sync(
                    subvolume.id,
                    client=client,
                    body=NewTarget(server_id=remote.id, directory=target_dir),
                ),
                Target,
                "addTarget",
            ),
        )
        snapshot = step(
            "a snapshot is taken",
            lambda: typed(create_snapshot.sync(subvolume.id, client=client), Snapshot, "createSnapshot"),
        )
        queued = step(
            "its replication is queued",
            lambda: typed(
                request_replication.sync(client=client, body=NewReplication(snapshot_id=snapshot.id)),
                Replication,
                "requestReplication",
            ),
        )

        def replicated():
            deadline = time.monotonic() + WAIT_SECS
            while time.monotonic() < deadline:
                run = typed(get_replication.sync(queued.id, client=client), Replication, "getReplication")
                if run.state == ReplicationState.SUCCEEDED:
                    return run
                if run.state in (ReplicationState.FAILED, ReplicationState.PARTIALLY_FAILED):
                    errors = [t.error for t in run.targets]
                    raise AssertionError(f"replication {run.state.value}: {errors}")
                time.sleep(1)
            raise AssertionError(f"replication not finished after {WAIT_SECS} s")

        step("the replication succeeds", replicated)

        def healthy():
            deadline = time.monotonic() + WAIT_SECS
            health = None
            while time.monotonic() < deadline:
                health = typed(
                    get_subvolume_replication_health.sync(subvolume.id, client=client),
                    SubvolumeHealth,
                    "getSubvolumeReplicationHealth",
                )
                if health.items and all(t.state == HealthState.OK for t in health.items):
                    return health
                time.sleep(1)
            raise AssertionError(f"replication health not OK: {[t.state for t in (health.items if health else [])]}")

        step("the subvolume's replication health is OK", healthy)
        unmanage_subvolume.sync(subvolume.id, client=client)
    except Exception:  # noqa: BLE001 - reported by step()
        pass
    failed = sum(1 for _, e in steps if e is not None)
    print(f"sdk: {len(steps) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
