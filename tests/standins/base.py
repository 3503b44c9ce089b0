"""A threaded HTTP server on a free local port that records requests and can be
told to answer the next N requests with an error."""
from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote_plus


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    status: int                      # what the stand-in answered

    def json(self) -> object:
        return json.loads(self.body)

    def form(self) -> dict[str, list[str]]:
        return parse_qs(self.body.decode(), keep_blank_values=True)

    def mentions(self, text: str | re.Pattern[str]) -> bool:
        """The body contains `text` or matches the pattern (JSON as sent, forms decoded)."""
        raw = self.body.decode(errors="replace")
        if isinstance(text, re.Pattern):
            return bool(text.search(raw) or text.search(unquote_plus(raw)))
        return text in raw or text in unquote_plus(raw)


@dataclass
class _Fault:
    status: int
    remaining: int
    headers: dict[str, str] = field(default_factory=dict)
    body: dict[str, object] = field(default_factory=dict)
    match: str | re.Pattern[str] | None = None


class StandIn:
    """Subclasses implement handle(method, path, headers, body) -> (status, headers, body)."""

    name = "stand-in"

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._faults: list[_Fault] = []
        self._lock = threading.Lock()
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k: v for k, v in self.headers.items()}
                status, out_headers, out = stand_in._answer(self.command, self.path, headers,
                                                             body)
                raw = isinstance(out, bytes)      # a file (Content-Type from the headers)
                payload = out if isinstance(out, bytes) else (
                    json.dumps(out).encode() if out is not None else b"")
                self.send_response(status)
                for k, v in out_headers.items():
                    self.send_header(k, v)
                if payload and not raw:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = _serve

            def log_message(self, format: str, *args: object) -> None:
                pass  # requests carry personal data; keep them out of test output

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = int(self.server.server_address[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True,
                                        name=self.name)

    def start(self) -> StandIn:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- control ---------------------------------------------------------------

    def fail_next(self, times: int, status: int = 500, headers: dict[str, str] | None = None,
                  body: dict[str, object] | None = None,
                  match: str | re.Pattern[str] | None = None) -> None:
        """Answer the next `times` well-formed requests with `status`; with
        `match`, only requests whose body mentions it (other processes of the
        test run may be sending at the same time)."""
        with self._lock:
            self._faults.append(_Fault(status, times, dict(headers or {}), dict(body or {}),
                                       match))

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self._faults.clear()

    def matching(self, path_part: str, mention: str | re.Pattern[str] | None = None
                 ) -> list[Recorded]:
        """Recorded requests to a path containing `path_part` (and mentioning `mention`)."""
        with self._lock:
            return [r for r in self.requests if path_part in r.path
                    and (mention is None or r.mentions(mention))]

    # -- serving ---------------------------------------------------------------

    def _answer(self, method: str, path: str, headers: dict[str, str], body: bytes
                ) -> tuple[int, dict[str, str], object]:
        status, out_headers, out = self.handle(method, path, headers, body)
        record = Recorded(method, path, headers, body, status)
        if status < 400:
            fault = self._take_fault(record)
            if fault is not None:
                status, out_headers = fault.status, fault.headers
                out = fault.body or self.error_body(fault.status)
                record.status = status
        with self._lock:
            self.requests.append(record)
        return status, out_headers, out

    def _take_fault(self, record: Recorded) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.match is None or record.mentions(fault.match):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes
               ) -> tuple[int, dict[str, str], object]:
        raise NotImplementedError

    def error_body(self, status: int) -> object:
        return {"error": status}
