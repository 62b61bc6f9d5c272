"""A scriptable HTTP gateway on 127.0.0.1 for the backends' contract tests: a real server in a
thread (http.server), answering each POST with the next scripted answer and recording every
request (path, headers, raw body) it receives. Loopback only; stopped by the fixture."""

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


@dataclass
class Answer:
    status: int = 200
    body: bytes | str | dict = b""
    delay: float = 0.0  # seconds before answering (a timeout test)
    content_type: str = "application/json"

    def encoded(self) -> bytes:
        if isinstance(self.body, dict):
            return json.dumps(self.body).encode()
        return self.body.encode() if isinstance(self.body, str) else self.body


@dataclass
class Received:
    path: str
    headers: dict  # names in lower case
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body.decode())

    @property
    def form(self) -> dict:
        return {key: values[0] for key, values in parse_qs(self.body.decode()).items()}


@dataclass
class Gateway:
    server: ThreadingHTTPServer
    answers: list[Answer] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    default: Answer = field(default_factory=lambda: Answer(200, {"code": "100", "message_id": "default"}))

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/send"

    def answer(self, *answers: Answer) -> None:
        self.answers.extend(answers)


def start_gateway() -> Gateway:
    gateway: Gateway

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # http.server calls it by this name
            length = int(self.headers.get("Content-Length") or 0)
            headers = {key.lower(): value for key, value in self.headers.items()}
            gateway.received.append(Received(self.path, headers, self.rfile.read(length)))
            answer = gateway.answers.pop(0) if gateway.answers else gateway.default
            if answer.delay:
                time.sleep(answer.delay)
            body = answer.encoded()
            try:
                self.send_response(answer.status)
                self.send_header("Content-Type", answer.content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
                pass

        def log_message(self, format, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    gateway = Gateway(server)
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="test-gateway", daemon=True
    ).start()
    return gateway
