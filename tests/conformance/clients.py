"""
The real Salesforce clients the conformance suite runs: jsforce 3 and the sf CLI from npm, at
the versions package-lock.json pins, installed once into a cache folder keyed by that lock
(`npm ci`, ~1 minute on a clean machine; nothing after that) and run as subprocesses against
a sandbox org, with its CA trusted through NODE_EXTRA_CA_CERTS and TLS verification on.

Without node or npm the suite skips, unless REQUIRE_CONFORMANCE_TEST=1 (set by .ci/run), when
it fails instead: CI must not pass without the clients having judged the sandbox.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import pytest

HERE = Path(__file__).parent
LOCK = HERE / "package-lock.json"
REQUIRED = os.environ.get("REQUIRE_CONFORMANCE_TEST", "") == "1"
MIN_NODE = 20
NPM_TIMEOUT_SECONDS = 900
CLIENT_TIMEOUT_SECONDS = 180
# Quiet, offline-minded sf: no telemetry, update checks or release notes.
SF_QUIET = {
    "SF_DISABLE_TELEMETRY": "true",
    "SF_AUTOUPDATE_DISABLE": "true",
    # The name oclif's update hook reads (@oclif/plugin-update dist/hooks/init.js,
    # scopedEnvVarTrue('DISABLE_AUTOUPDATE')): without it every sf run with a new HOME spawns
    # a detached `sf update --autoupdate` that outlives the test.
    "SF_DISABLE_AUTOUPDATE": "true",
    "SF_HIDE_RELEASE_NOTES": "true",
    "SF_SKIP_NEW_VERSION_CHECK": "true",
    "SF_USE_PROGRESS_BAR": "false",
    "SF_USE_GENERIC_UNIX_KEYCHAIN": "true",
    "NO_COLOR": "1",
}


def unavailable(reason: str, *, required: bool | None = None) -> NoReturn:
    """Fail when the conformance suite is required (CI), else skip, saying why."""
    if REQUIRED if required is None else required:
        pytest.fail(f"{reason}, and REQUIRE_CONFORMANCE_TEST=1 requires the conformance suite")
    pytest.skip(reason)


def cache_root() -> Path:
    """Where installed clients are kept between runs (CONFORMANCE_NPM_CACHE overrides)."""
    configured = os.environ.get("CONFORMANCE_NPM_CACHE")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "sfsync-conformance"


@dataclass(frozen=True)
class CliRun:
    """One finished client run."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        """stdout parsed as one JSON document."""
        return json.loads(self.stdout)


@dataclass(frozen=True)
class NodeClients:
    """Installed clients: the node_modules folder and how to run them."""

    root: Path
    versions: Mapping[str, str]
    install_seconds: float

    @property
    def bin(self) -> Path:
        return self.root / "node_modules" / ".bin"

    def env(self, home: Path, ca_file: Path, **extra: str) -> dict[str, str]:
        """The environment a client runs in: its own HOME (sf's auth files), the org's CA."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SF_", "SFDX_"))}
        env.update(SF_QUIET)
        env.update(
            HOME=str(home),
            PATH=f"{self.bin}{os.pathsep}{env.get('PATH', '')}",
            NODE_EXTRA_CA_CERTS=str(ca_file),
            NODE_PATH=str(self.root / "node_modules"),
            **extra,
        )
        return env

    def run(self, args: list[str], env: Mapping[str, str], cwd: Path | None = None) -> CliRun:
        """Run one client command; its output is returned, never raised on."""
        proc = subprocess.run(
            args,
            capture_output=True,
            text=True,
            env=dict(env),
            cwd=cwd,
            timeout=CLIENT_TIMEOUT_SECONDS,
            check=False,
        )
        return CliRun(args, proc.returncode, proc.stdout, proc.stderr)

    def sf(self, *args: str, env: Mapping[str, str], cwd: Path | None = None) -> CliRun:
        """`sf ARGS --json`."""
        return self.run([str(self.bin / "sf"), *args, "--json"], env, cwd)

    def jsforce(self, workflow: str, env: Mapping[str, str]) -> CliRun:
        """`node jsforce_workflows.js WORKFLOW`."""
        return self.run(["node", str(HERE / "jsforce_workflows.js"), workflow], env)


def _node_major(node: str) -> int:
    out = subprocess.run([node, "--version"], capture_output=True, text=True, check=False)
    try:
        return int(out.stdout.strip().lstrip("v").split(".")[0])
    except ValueError:
        return 0


def install_clients(*, required: bool | None = None) -> NodeClients:
    """The pinned clients, installed into the cache on first use (skips or fails without node)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        unavailable(
            "node and npm are not installed (Debian: apt-get install nodejs npm)", required=required
        )
    if _node_major(node) < MIN_NODE:
        unavailable(f"node {MIN_NODE} or newer is needed for the pinned sf CLI", required=required)
    digest = hashlib.sha256(LOCK.read_bytes()).hexdigest()[:16]
    root = cache_root() / digest
    root.mkdir(parents=True, exist_ok=True)
    marker = root / ".installed"
    started = time.monotonic()
    with (root.parent / f"{digest}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one install at a time across test runs
        if not marker.is_file():
            for name in ("package.json", "package-lock.json"):
                shutil.copyfile(HERE / name, root / name)
            proc = subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                cwd=root,
                capture_output=True,
                text=True,
                timeout=NPM_TIMEOUT_SECONDS,
                check=False,
            )
            if proc.returncode != 0:
                failure = proc.stderr.strip()[-600:]
                unavailable(f"npm ci of the pinned clients failed: {failure}", required=required)
            marker.write_text(digest)
    versions = {
        name: json.loads((root / "node_modules" / name / "package.json").read_text())["version"]
        for name in ("jsforce", "@salesforce/cli", "@jsforce/jsforce-node")
    }
    return NodeClients(root, versions, time.monotonic() - started)
