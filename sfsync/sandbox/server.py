"""
The sandbox org's HTTPS server: routing, authentication, API-call accounting and fault
injection around the REST (`rest`), Bulk 2.0 (`bulk`) and OAuth (`auth`) resources, on
the threaded HTTPS plumbing of `httpd` (HTTP/1.1 keep-alive, one thread per connection).

`start_sandbox()` runs it in a background thread (tests, `sfsync demo`); `sfsync sandbox serve`
runs it until SIGTERM/SIGINT. Both write `connection.env` in the data directory.

Admin endpoints (outside /services/, never counted or faulted): see sandbox/admin.py. Also
outside /services/data: the identity URL `/id/{org}/{user}` (identity.py) and the SOAP
Metadata API `/services/Soap/m/{version}` (metadata_soap.py).
"""

from __future__ import annotations

import ipaddress
import os
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import structlog

from sfsync.errors import ConfigError
from sfsync.sandbox import admin, auth, describe, identity, rest, schema
from sfsync.sandbox.bulk import BulkJobs, IngestJob, QueryJob
from sfsync.sandbox.connected_app import ensure_connected_app
from sfsync.sandbox.faults import FaultSpec, load_faults
from sfsync.sandbox.httpd import HttpServer
from sfsync.sandbox.latency import BulkLatency, RestLatency
from sfsync.sandbox.metadata import MetadataDeploys
from sfsync.sandbox.metadata_soap import MetadataSoap
from sfsync.sandbox.org import DB_FILE, SandboxOrg
from sfsync.sandbox.protocol import (
    ApiError,
    Request,
    Response,
    error_body,
    json_response,
    not_found,
)
from sfsync.sandbox.rest import CallContext, QueryCursors
from sfsync.sandbox.tls import ensure_certificates, server_context

log = structlog.get_logger(__name__)

ENV_FILE = "connection.env"
STATE_FILE = "sfsync.sqlite3"
"""sfsync's state store for this org, named in connection.env."""
_VERSION_PATH = re.compile(r"^/services/data/v(\d+\.\d+)(/.*)?$")
_HTML_503 = (
    "<html><head><title>Service Unavailable</title></head><body><h1>Service Unavailable</h1>"
    "<p>The server is temporarily unable to service your request due to maintenance downtime"
    " or capacity problems. Please try again later.</p></body></html>"
)
_HTML_500 = (
    "<html><head><title>An internal server error has occurred</title></head><body>"
    "<p>An internal server error has occurred while processing your request.</p></body></html>"
)


def _fault_response(status: int, body_format: str) -> Response:
    if body_format == "json":
        if status == 503:
            body = error_body("SERVER_UNAVAILABLE", "Server temporarily unavailable. Please retry.")
        else:
            body = error_body(
                "UNKNOWN_EXCEPTION",
                "An unexpected error occurred. Please include"
                " this ErrorId if you contact support: 1234567890-12345 (-1234567890)",
            )
        response = json_response(status, body)
    else:
        html = _HTML_503 if status in (502, 503, 504) else _HTML_500
        response = Response(status, html.encode(), "text/html;charset=UTF-8")
    return response


class SandboxApp:
    """Turns one request into one response (or None: reset the connection)."""

    def __init__(self, org: SandboxOrg, instance_url: str) -> None:
        self.org = org
        self.instance_url = instance_url
        self.cursors = QueryCursors()
        self.bulk = BulkJobs(org)
        self.metadata = MetadataDeploys(org)
        self.metadata_soap = MetadataSoap(org, self.metadata)
        self._closing = threading.Event()
        # Sleeps out a request's modelled latency; a closing server cuts it short.
        self.pause = self._closing.wait

    def handle(self, request: Request) -> Response | None:
        """
        Route, authenticate, count and fault one request, in this org's schema; then hold
        the answer back until the org's REST latency model says a real org would answer
        (sandbox/latency.py: sleeping in this request's thread, the time already spent
        counted).
        """
        started = time.monotonic()
        with schema.objects_in_use(self.org.objects):
            response = self._handle(request)
        if response is not None and request.path.startswith("/services/"):
            modelled = self.org.rest_latency.seconds(
                request.method,
                request.path,
                records=response.records,
                body_bytes=request.body_size + response.length,
            )
            delay = modelled - (time.monotonic() - started)
            if delay > 0:
                self.pause(delay)
        return response

    def close(self) -> None:
        """Cut short requests sleeping out their latency; stop the Bulk jobs' workers."""
        self._closing.set()
        self.bulk.close()

    def _handle(self, request: Request) -> Response | None:
        path = request.path
        if path.startswith("/__sandbox/"):
            return admin.handle(request, self.org)
        if path.startswith("/id/") and request.method == "GET":
            response = identity.identity(request, self.org, self.instance_url, path)
            self.org.calls.record(request.method, path, response.status, 0, counted=False)
            return response
        if not path.startswith("/services/"):
            return not_found().to_response()
        api_call = _VERSION_PATH.match(path) is not None
        faults = self.org.faults
        if faults.take_reset(path, api_call=api_call):
            log.info("sfsync.sandbox.connection_reset_injected", path=path)
            self.org.calls.record(request.method, path, 0, 0, counted=False)
            return None
        fault = faults.take_http_error(path, api_call=api_call)
        if fault is not None:
            response = _fault_response(fault.status, fault.body)
        elif api_call:
            response = self._api(request)
        else:
            response = self._other(request)
        counted = response.counted
        if counted is None:
            counted = "Sforce-Limit-Info" in response.headers
        self.org.calls.record(
            request.method, path, response.status, response.records, counted=counted
        )
        return response

    def _other(self, request: Request) -> Response:
        path = request.path.rstrip("/")
        if path == "/services/oauth2/token":
            if request.method != "POST":
                return rest.method_not_allowed(request.method, "POST")
            return auth.token(request, self.org, self.instance_url)
        if path == "/services/oauth2/userinfo":
            return identity.userinfo(request, self.org, self.instance_url)
        if path.startswith("/services/Soap/m/"):
            return self.metadata_soap.handle(request)
        if path == "/services/data" and request.method == "GET":
            return json_response(200, rest.versions())
        return not_found().to_response()

    def _api(self, request: Request) -> Response:
        token = auth.bearer_token(request)
        if token is None or not self.org.token_is_valid(token):
            return _invalid_session()
        if self.org.faults.session_call():
            self.org.expire_sessions()
            return _invalid_session()
        if self.org.faults.spec.api_disabled:
            # What a user without "API Enabled" gets (the body Salesforce sends, e.g.
            # https://docs.sequin.io/integrations/salesforce/playbooks/enable-salesforce-api).
            response = json_response(
                403,
                error_body(
                    "API_DISABLED_FOR_ORG", "The REST API is not enabled for this Organization."
                ),
            )
        elif self.org.limit_reached():
            response = json_response(
                403, error_body("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
            )
        else:
            self.org.calls.count()
            response = self._route(request)
        limit = self.org.daily_api_limit
        used = min(self.org.api_usage, limit)
        response.headers["Sforce-Limit-Info"] = f"api-usage={used}/{limit}"
        return response

    def _route(self, request: Request) -> Response:
        match = _VERSION_PATH.match(request.path)
        assert match is not None
        version, rest_path = match.group(1), (match.group(2) or "/")
        try:
            if not rest.is_supported_version(version):
                raise not_found()
            ctx = CallContext(request, self.org, version)
            parts = [p for p in rest_path.split("/") if p]
            return self._dispatch(ctx, request.method, parts)
        except ApiError as exc:
            return exc.to_response()
        except Exception:
            log.exception("sfsync.sandbox.request_failed", method=request.method, path=request.path)
            return json_response(
                500,
                error_body(
                    "UNKNOWN_EXCEPTION",
                    "An unexpected error occurred. Please include this ErrorId if"
                    " you contact support: 1234567890-12345 (-1234567890)",
                ),
            )

    def _dispatch(self, ctx: CallContext, method: str, parts: list[str]) -> Response:  # noqa: PLR0911 - one routing table
        def allow(*methods: str) -> None:
            if method not in methods:
                raise _NotAllowedError(", ".join(methods))

        try:
            match parts:
                case []:
                    allow("GET")
                    return rest.resources(ctx)
                case ["limits"]:
                    allow("GET")
                    return rest.limits(ctx)
                case ["query" | "queryAll" as endpoint]:
                    allow("GET")
                    return rest.query(ctx, self.cursors, endpoint)
                case ["query" | "queryAll", locator]:
                    allow("GET")
                    return rest.query_more(ctx, self.cursors, locator)
                case ["sobjects"]:
                    allow("GET")
                    return json_response(200, describe.describe_global(ctx.version))
                case ["sobjects", name]:
                    allow("GET", "POST")
                    obj = rest.object_or_404(name)
                    return rest.sobject_info(ctx, obj) if method == "GET" else rest.create(ctx, obj)
                case ["sobjects", name, "describe"]:
                    allow("GET")
                    obj = rest.object_or_404(name)
                    overrides = self.org.describe_overrides.get(obj.name)
                    return json_response(
                        200, describe.describe_sobject(obj, ctx.version, overrides)
                    )
                case ["sobjects", name, record_id]:
                    allow("GET", "PATCH", "DELETE")
                    obj = rest.object_or_404(name)
                    if method == "GET":
                        return rest.get_record(ctx, obj, record_id)
                    if method == "PATCH":
                        return rest.update(ctx, obj, record_id)
                    return rest.delete(ctx, obj, record_id)
                case ["metadata", "deployRequest"]:
                    allow("POST")
                    return self.metadata.create(ctx)
                case ["metadata", "deployRequest", deploy_id]:
                    allow("GET")
                    return self.metadata.status(ctx, deploy_id)
                case ["composite", "sobjects"]:
                    allow("POST", "PATCH", "DELETE")
                    if method == "POST":
                        return rest.collection_create(ctx)
                    if method == "PATCH":
                        return rest.collection_update(ctx)
                    return rest.collection_delete(ctx)
                case ["jobs", "query" | "ingest" as kind]:
                    allow("GET", "POST")
                    job_kind = QueryJob if kind == "query" else IngestJob
                    if method == "GET":
                        return self.bulk.list_jobs(ctx, job_kind)
                    return (
                        self.bulk.create_query(ctx)
                        if kind == "query"
                        else self.bulk.create_ingest(ctx)
                    )
                case ["jobs", "query" | "ingest" as kind, job_id]:
                    allow("GET", "PATCH", "DELETE")
                    job_kind = QueryJob if kind == "query" else IngestJob
                    if method == "PATCH":
                        return self.bulk.abort_or_close(ctx, job_id, job_kind)
                    if method == "DELETE":
                        return self.bulk.delete(ctx, job_id, job_kind)
                    if kind == "query":
                        return self.bulk.query_info(ctx, job_id)
                    return self.bulk.ingest_info(ctx, job_id)
                case ["jobs", "query", job_id, "results"]:
                    allow("GET")
                    return self.bulk.query_results(ctx, job_id)
                case ["jobs", "ingest", job_id, "batches"]:
                    allow("PUT")
                    return self.bulk.upload(ctx, job_id)
                case ["jobs", "ingest", job_id, result_kind] if result_kind.lower() in (
                    "successfulresults",
                    "failedresults",
                    "unprocessedrecords",
                ):
                    allow("GET")
                    kind_name = {
                        "successfulresults": "successfulResults",
                        "failedresults": "failedResults",
                    }.get(result_kind.lower(), "unprocessedrecords")
                    return self.bulk.ingest_results(ctx, job_id, kind_name)
        except _NotAllowedError as exc:
            return rest.method_not_allowed(method, str(exc))
        raise not_found()


class _NotAllowedError(Exception):
    pass


def _invalid_session() -> Response:
    return admin.invalid_session()


# --- running it ------------------------------------------------------------------------------


def check_loopback(host: str) -> None:
    """
    Refuse anything but a loopback address: the sandbox has fixed credentials on disk.

    Raises:
        ConfigError: for a non-loopback host.
    """
    if host == "localhost":
        return
    try:
        if ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:
        pass
    msg = (
        f"--host {host}: the sandbox org only listens on loopback (127.0.0.1, ::1 or"
        " localhost); its credentials are in a local file, not fit for a network."
    )
    raise ConfigError(msg)


def _env_value(value: str) -> str:
    if re.fullmatch(r"[A-Za-z0-9_./:!@+=-]*", value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_env_file(path: Path, *, url: str, token: str, ca_file: Path, org: SandboxOrg) -> None:
    """Write connection.env (mode 0600) with the SFSYNC_* settings that reach this org."""
    lines = [
        "# sfsync sandbox org: generated by `sfsync sandbox serve`; use with --env-file.",
        "# The access token changes when a client re-authenticates at /services/oauth2/token.",
        "SFSYNC_SF_AUTH=session",
        f"SFSYNC_SF_INSTANCE_URL={_env_value(url)}",
        f"SFSYNC_SF_LOGIN_URL={_env_value(url)}",
        f"SFSYNC_SF_ACCESS_TOKEN={_env_value(token)}",
        f"SFSYNC_SF_CA_BUNDLE={_env_value(str(ca_file.resolve()))}",
        f"SFSYNC_SF_CLIENT_ID={_env_value(org.client_id)}",
        f"SFSYNC_SF_CLIENT_SECRET={_env_value(org.client_secret)}",
        "# The Connected App's JWT bearer login: set SFSYNC_SF_AUTH=jwt to use it.",
        f"SFSYNC_SF_USERNAME={_env_value(org.integration_username())}",
        *(
            [f"SFSYNC_SF_PRIVATE_KEY_FILE={_env_value(str(org.connected_app.key_file.resolve()))}"]
            if org.connected_app is not None
            else []
        ),
        "# sfsync's local state for this org lives beside it (the environment wins).",
        f"SFSYNC_STATE_PATH={_env_value(str((path.parent / STATE_FILE).resolve()))}",
    ]
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        os.fchmod(fh.fileno(), 0o600)
        fh.write("\n".join(lines) + "\n")
    os.replace(tmp, path)


@dataclass
class RunningSandbox:
    """A sandbox org served from a background thread; stop it (or leave the `with`) when done."""

    url: str
    env_file: Path
    ca_file: Path
    data_dir: Path
    org: SandboxOrg
    _server: HttpServer[SandboxApp] = field(repr=False)
    _thread: threading.Thread = field(repr=False)
    _stopped: bool = False

    @property
    def token(self) -> str:
        """The current access token (as in connection.env)."""
        return self.org.access_token

    @property
    def db_path(self) -> Path:
        """The org's SQLite file (seed it with a separate connection; WAL allows that)."""
        return self.org.db_path

    @property
    def connections_accepted(self) -> int:
        """TCP connections accepted so far (keep-alive reuses one per client)."""
        return self._server.connections_accepted

    @property
    def app(self) -> SandboxApp:
        """The request router (its cursors and Bulk jobs)."""
        return self._server.app

    def stop(self) -> None:
        """Finish in-flight requests, stop the server and close the database (idempotent)."""
        if self._stopped:
            return
        self._stopped = True
        self._server.app.close()
        self._server.stop()
        self._thread.join()
        self.org.close()
        log.info("sfsync.sandbox.stopped", url=self.url)

    def __enter__(self) -> RunningSandbox:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def start_sandbox(
    data_dir: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    faults: FaultSpec | Path | None = None,
    daily_api_limit: int | None = None,
    output_fields: bool | None = None,
    bulk_latency: BulkLatency | None = None,
    rest_latency: RestLatency | None = None,
) -> RunningSandbox:
    """
    Start a sandbox org on https://host:port (port 0: any free port) in a background thread.

    The data directory keeps the CA (ca.pem), server certificate, SQLite database
    (org.sqlite3) and connection.env across restarts. *output_fields* False starts a new org
    whose Lead lacks the sfsync output fields (deploy them with `sfsync fields --deploy`);
    None keeps whatever the data directory's org has. *bulk_latency* makes Bulk jobs and
    *rest_latency* REST round trips take realistic time (`BulkLatency.realistic()`,
    `RestLatency.realistic()`); a fault spec's own settings win over them.

    Raises:
        ConfigError: a non-loopback host, an invalid fault spec, or *output_fields*
            contradicting the existing org.
    """
    check_loopback(host)
    spec = load_faults(faults) if isinstance(faults, Path) else faults
    data_dir.mkdir(parents=True, exist_ok=True)
    tls = ensure_certificates(data_dir)
    app = ensure_connected_app(data_dir)
    org = SandboxOrg(data_dir / DB_FILE, faults=spec, output_fields=output_fields)
    org.connected_app = app
    if daily_api_limit is not None:
        org.daily_api_limit = daily_api_limit
    if bulk_latency is not None and (spec is None or spec.bulk_latency is None):
        org.bulk_latency = bulk_latency
    if rest_latency is not None and (spec is None or spec.rest_latency is None):
        org.rest_latency = rest_latency
    url_host = f"[{host}]" if ":" in host else host

    def make_app(port: int) -> SandboxApp:
        return SandboxApp(org, f"https://{url_host}:{port}")

    try:
        server = HttpServer((host, port), make_app, server_context(tls))
    except OSError as exc:
        org.close()
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    url = server.app.instance_url
    env_file = data_dir / ENV_FILE

    def rewrite_env(token: str) -> None:
        write_env_file(env_file, url=url, token=token, ca_file=tls.ca_file, org=org)

    rewrite_env(org.access_token)
    org.on_token_change = rewrite_env
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.2},
        name="sfsync-sandbox",
        daemon=True,
    )
    thread.start()
    log.info("sfsync.sandbox.started", url=url, env_file=str(env_file), data_dir=str(data_dir))
    return RunningSandbox(url, env_file, tls.ca_file, data_dir, org, server, thread)
