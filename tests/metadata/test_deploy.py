from __future__ import annotations

import configparser
import re
from typing import Any

import pytest
import yaml

from sfsync.config import unknown_settings
from tests.metadata.conftest import REPO

DEPLOY = REPO / "deploy"
SETTING = re.compile(r"\bSFSYNC_[A-Z0-9_]+\b")
ENV_COMMAND = "/opt/sfsync/.venv/bin/sfsync --env-file /etc/sfsync/sfsync.env"


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # systemd keys are case-sensitive
    parser.read_string((DEPLOY / name).read_text(encoding="utf-8"))
    return parser


def _documents() -> dict[tuple[str, str], dict[str, Any]]:
    docs = {}
    for path in sorted(DEPLOY.rglob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if doc is not None:
                docs[(doc["kind"], doc["metadata"]["name"])] = doc
    return docs


def test_every_deploy_yaml_parses_into_kubernetes_objects() -> None:
    """Each YAML document in deploy/ has apiVersion, kind and metadata.name."""
    paths = sorted(DEPLOY.rglob("*.yaml"))
    assert paths
    for path in paths:
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if doc is None:
                continue
            assert {"apiVersion", "kind", "metadata"} <= set(doc), path
            assert doc["metadata"]["name"], path


def test_deployment_runs_one_daemon_per_org() -> None:
    """The Deployment runs one replica with Recreate, the daemon command and resource requests."""
    deployment = _documents()[("Deployment", "sfsync")]
    spec = deployment["spec"]
    container = spec["template"]["spec"]["containers"][0]

    assert spec["replicas"] == 1
    assert spec["strategy"]["type"] == "Recreate"
    assert spec["selector"]["matchLabels"].items() <= spec["template"]["metadata"]["labels"].items()
    assert container["command"] + container["args"] == ["sfsync", "daemon"]
    assert {"cpu", "memory"} <= set(container["resources"]["requests"])
    assert spec["template"]["spec"]["enableServiceLinks"] is False


def test_probes_hit_healthz_and_readyz_on_the_configured_port() -> None:
    """Liveness checks /healthz and readiness /readyz on SFSYNC_HEALTH_PORT, on loopback
    where they bind."""
    container = _documents()[("Deployment", "sfsync")]["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e.get("value") for e in container["env"]}

    port = env["SFSYNC_HEALTH_PORT"]
    assert env["SFSYNC_HEALTH_HOST"] == "127.0.0.1"
    paths = {"livenessProbe": "healthz", "readinessProbe": "readyz"}
    for probe, path in paths.items():
        command = " ".join(container[probe]["exec"]["command"])
        assert f"http://127.0.0.1:{port}/{path}'" in command


def test_deployment_wires_secrets_key_file_and_state_volume() -> None:
    """Settings come from the example Secret, the key is a mounted Secret file, state on the PVC."""
    docs = _documents()
    pod = docs[("Deployment", "sfsync")]["spec"]["template"]["spec"]
    container = pod["containers"][0]
    env = {e["name"]: e.get("value") for e in container["env"]}
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}

    secret_name = container["envFrom"][0]["secretRef"]["name"]
    assert ("Secret", secret_name) in docs
    key_volume = volumes["jwt-key"]["secret"]
    assert ("Secret", key_volume["secretName"]) in docs
    key_path = f"{mounts['jwt-key']}/{key_volume['items'][0]['path']}"
    assert key_path == env["SFSYNC_SF_PRIVATE_KEY_FILE"]
    assert key_volume["items"][0]["key"] in docs[("Secret", key_volume["secretName"])]["stringData"]
    claim = volumes["state"]["persistentVolumeClaim"]["claimName"]
    assert ("PersistentVolumeClaim", claim) in docs
    assert env["SFSYNC_STATE_PATH"].startswith(mounts["state"] + "/")


def test_secret_example_holds_placeholders_only() -> None:
    """The example Secrets carry no real credential: secret values are REPLACE_ placeholders."""
    docs = _documents()
    env = docs[("Secret", "sfsync-env")]["stringData"]
    key = docs[("Secret", "sfsync-jwt")]["stringData"]

    for name in ("SFSYNC_SF_CLIENT_ID", "SFSYNC_SF_USERNAME"):
        assert env[name].startswith("REPLACE_WITH_")
    assert all(value.startswith("REPLACE_WITH_") for value in key.values())
    assert not any("BEGIN" in str(v) for v in [*env.values(), *key.values()])


def test_every_setting_named_in_deploy_and_docs_exists() -> None:
    """Every SFSYNC_* name in deploy/ and docs/production.md is a real setting."""
    texts = [p.read_text(encoding="utf-8") for p in sorted(DEPLOY.rglob("*")) if p.is_file()]
    texts.append((REPO / "docs" / "production.md").read_text(encoding="utf-8"))
    names = {name for text in texts for name in SETTING.findall(text)}

    assert names
    assert unknown_settings(dict.fromkeys(names, "deploy")) == []
    assert {"SFSYNC_HEALTH_PORT", "SFSYNC_STATE_PATH"} <= names


def test_daemon_unit_is_hardened_and_restarts_on_failure() -> None:
    """sfsync.service runs the daemon as its own user, restarts on failure and is sandboxed."""
    unit = _unit("sfsync.service")
    service = unit["Service"]

    assert f"{ENV_COMMAND} daemon" == service["ExecStart"]
    assert service["User"] == "sfsync"
    assert service["Restart"] == "on-failure"
    assert service["RestartPreventExitStatus"] == "2"
    assert service["NoNewPrivileges"] == "true"
    assert service["ProtectSystem"] == "strict"
    assert service["PrivateTmp"] == "true"
    assert "/var/lib/sfsync" in service["ReadWritePaths"].split()
    assert service["StateDirectory"] == "sfsync"
    assert unit["Install"]["WantedBy"] == "multi-user.target"


def test_nightly_timer_rescores_at_two_persistently() -> None:
    """The timer starts the nightly rescore service at 02:00 and catches up on missed runs."""
    timer = _unit("sfsync-nightly.timer")["Timer"]
    service = _unit("sfsync-nightly.service")["Service"]

    assert timer["OnCalendar"] == "*-*-* 02:00:00"
    assert timer["Persistent"] == "true"
    assert timer["Unit"] == "sfsync-nightly.service"
    assert service["Type"] == "oneshot"
    assert f"{ENV_COMMAND} sync --rescore" == service["ExecStart"]
    assert "/var/lib/sfsync" in service["ReadWritePaths"].split()


@pytest.mark.parametrize(
    ("schedule", "command"),
    [("*/15 * * * *", "sync"), ("0 2 * * *", "sync --rescore")],
)
def test_crontab_runs_incremental_and_nightly_under_flock(schedule: str, command: str) -> None:
    """crontab.example schedules each pass under one flock, as the sfsync user."""
    lines = [
        line.split()
        for line in (DEPLOY / "crontab.example").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#") and "=" not in line.split()[0]
    ]
    entries = {" ".join(parts[:5]): parts[5:] for parts in lines}

    entry = entries[schedule]
    assert entry[0] == "sfsync"
    assert entry[1] == "flock"
    text = " ".join(entry)
    assert f"{ENV_COMMAND} {command} >>" in text
    assert "/var/lib/sfsync/cron.lock" in entry
