"""
The sandbox org's HTTP plumbing: `http.server.ThreadingHTTPServer` over TLS with HTTP/1.1
keep-alive (one thread per connection), request bodies read (a Bulk ingest upload spooled to
disk), responses written in one piece (file-backed Bulk results streamed from disk), and a
stop that lets in-flight requests finish. What a request means is the app's business
(sandbox/server.py).
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import struct
import tempfile
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Generic, Protocol, TypeVar

import structlog

from sfsync.sandbox.protocol import Request, Response

log = structlog.get_logger(__name__)

IDLE_TIMEOUT_SECONDS = 30.0
_READ_CHUNK = 1 << 20


class App(Protocol):
    """Turns one request into one response (or None: reset the connection)."""

    def handle(self, request: Request) -> Response | None: ...


A = TypeVar("A", bound=App)


class Handler(BaseHTTPRequestHandler):
    """One connection: requests read, handed to the server's app, answered."""

    protocol_version = "HTTP/1.1"
    server_version = "sfdcedge"
    sys_version = ""
    server: HttpServer[Any]

    def setup(self) -> None:
        super().setup()
        self.busy = False
        self.connection.settimeout(IDLE_TIMEOUT_SECONDS)
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self, add=True)

    def finish(self) -> None:
        self.server.track(self, add=False)
        with contextlib.suppress(OSError):
            super().finish()

    def handle(self) -> None:
        try:
            if isinstance(self.connection, ssl.SSLSocket):
                self.connection.do_handshake()
            super().handle()
        except (ssl.SSLError, OSError):
            self.close_connection = True

    def parse_request(self) -> bool:
        self.busy = True
        return super().parse_request()

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _body_chunks(self) -> Iterator[bytes]:
        if (self.headers.get("Transfer-Encoding") or "").lower() == "chunked":
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return
                yield self.rfile.read(size)
                self.rfile.readline()
        left = int(self.headers.get("Content-Length") or 0)
        while left > 0:
            chunk = self.rfile.read(min(left, _READ_CHUNK))
            if not chunk:
                return
            left -= len(chunk)
            yield chunk

    def _serve(self) -> None:
        body_file = None
        try:
            path, _, query = self.path.partition("?")
            request = Request(self.command, path, query, self.headers)
            if self.command == "PUT" and path.rstrip("/").endswith("/batches"):
                # A Bulk ingest upload (up to 150 MB) goes to disk, not memory.
                body_file = request.body_file = tempfile.TemporaryFile()  # noqa: SIM115
                for chunk in self._body_chunks():
                    body_file.write(chunk)
            else:
                request.body = b"".join(self._body_chunks())
            response = self.server.app.handle(request)
            if response is None:
                self._reset()
                return
            self._send(response)
        finally:
            if body_file is not None:
                body_file.close()
            self.busy = False
            if self.server.stopping:
                self.close_connection = True

    def _reset(self) -> None:
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass

    def _send(self, response: Response) -> None:
        phrase = self.responses.get(response.status, ("",))[0]
        lines = [
            f"HTTP/1.1 {response.status} {phrase}",
            f"Date: {self.date_time_string()}",
            f"Server: {self.server_version}",
        ]
        if response.content_type is not None:
            lines.append(f"Content-Type: {response.content_type}")
        lines += [f"{name}: {value}" for name, value in response.headers.items()]
        lines.append(f"Content-Length: {response.length}")
        if self.server.stopping:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        # One write for headers and body: two small writes meet Nagle + delayed ACK (40 ms).
        self.wfile.write(head + (response.body if self.command != "HEAD" else b""))
        if self.command != "HEAD":
            response.write_files(self.wfile)
        self.wfile.flush()

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = _serve


class HttpServer(ThreadingHTTPServer, Generic[A]):
    """The listening socket (TLS), its connections and the app they serve."""

    daemon_threads = False
    block_on_close = True
    allow_reuse_address = True

    def __init__(
        self, address: tuple[str, int], app_factory: Callable[[int], A], context: ssl.SSLContext
    ) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        super().__init__(address, Handler)
        self.socket = context.wrap_socket(
            self.socket, server_side=True, do_handshake_on_connect=False
        )
        self.stopping = False
        self._handlers: set[Handler] = set()
        self._handlers_lock = threading.Lock()
        self.connections_accepted = 0
        self.app: A = app_factory(self.server_address[1])

    def track(self, handler: Handler, *, add: bool) -> None:
        """Count a connection in (add) or out."""
        with self._handlers_lock:
            if add:
                self._handlers.add(handler)
                self.connections_accepted += 1
            else:
                self._handlers.discard(handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.warning("sfsync.sandbox.connection_failed", exc_info=True)

    def stop(self) -> None:
        """Stop accepting, let in-flight requests finish, close idle keep-alive connections."""
        self.stopping = True
        self.shutdown()
        with self._handlers_lock:
            idle = [h for h in self._handlers if not h.busy]
        for handler in idle:
            with contextlib.suppress(OSError):
                handler.connection.shutdown(socket.SHUT_RDWR)
        self.server_close()
