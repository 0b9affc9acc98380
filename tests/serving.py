"""Start the real processes: gunicorn (gunicorn.conf.py) and a job consumer
(`flask xueshi worker`), on the test database, as scripts/serve.sh does."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str, timeout: float = 10.0, headers: dict | None = None):
    """(status, headers, body) without raising on 4xx/5xx."""
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as exc:
        body = exc.read()
        exc.close()
        return exc.code, exc.headers, body


class Inbox:
    """What a local SMTP server (aiosmtpd) received: (recipients, message text)."""

    def __init__(self):
        self.mails = []

    async def handle_DATA(self, server, session, envelope):
        self.mails.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
        return "250 OK"

    def to(self, address: str) -> list[str]:
        return [content for rcpt, content in self.mails if address in rcpt]


@contextmanager
def smtp_server():
    """A real SMTP server on a free port: yields (inbox, smtp:// URL)."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield inbox, f"smtp://127.0.0.1:{controller.port}"
    finally:
        controller.stop()


def wait_for(predicate, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


@dataclass
class Served:
    base: str
    env: dict
    folder: Path
    processes: dict = field(default_factory=dict)
    handles: list = field(default_factory=list)

    def out(self, name: str):
        handle = open(self.folder / name, "ab")
        self.handles.append(handle)
        return handle

    def start_consumer(self, workers: int = 2) -> subprocess.Popen:
        proc = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "app", "xueshi", "worker",
             "--workers", str(workers)],
            cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=self.out("consumer.log"))
        self.processes["consumer"] = proc
        return proc

    def stop(self, name: str, sig=signal.SIGTERM) -> None:
        proc = self.processes.pop(name, None)
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(sig)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def wait_ready(self, timeout: float = 60.0) -> dict:
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            try:
                status, _h, body = get(self.base + "/readyz", timeout=5)
                last = json.loads(body)
                if status == 200:
                    return last
            except (OSError, ValueError):
                pass
            time.sleep(0.3)
        raise AssertionError(f"not ready after {timeout}s: {last}")

    def log(self, name: str) -> str:
        path = self.folder / f"{name}.log"
        return path.read_text() if path.exists() else ""


def same_keys(app) -> dict:
    """Environment that gives the served processes the test app's keys: the audit
    chain's HMAC key, the digest key of personal data, the demo signer and the
    credential key (else the served processes would make their own)."""
    from pathlib import Path

    cfg, folder = app.config, Path(app.instance_path)
    env = {"XUESHI_DIGEST_KEY": cfg["XUESHI_DIGEST_KEY"],
           "XUESHI_SIGNER_P12": str(folder / "demo-signer.p12"),
           "XUESHI_SIGNER_PASSPHRASE": (folder / "demo-signer.passphrase").read_text().strip(),
           "XUESHI_CREDENTIAL_KEY": str(folder / "demo-credential-key.json")}
    if cfg.get("XUESHI_AUDIT_KEY"):
        env["XUESHI_AUDIT_KEY"] = cfg["XUESHI_AUDIT_KEY"]
    else:
        env["XUESHI_AUDIT_KEY_FILE"] = cfg["XUESHI_AUDIT_KEY_FILE"]
    return env


def serve(database_url: str, folder: Path, *, workers: int = 2, consumer: bool = True,
          extra_env: dict | None = None) -> Served:
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("XUESHI_")}
    env.update({
        "XUESHI_DATABASE_URL": database_url,
        "XUESHI_INSTANCE_DIR": str(folder),
        "XUESHI_UPLOAD_DIR": str(folder / "uploads"),
        "XUESHI_PORT": str(port),
        "XUESHI_WORKERS": str(workers),
        "XUESHI_THREADS": "2",
        "XUESHI_HEARTBEAT_MAX_AGE": "30",
    })
    env.update(extra_env or {})
    served = Served(base=f"http://127.0.0.1:{port}", env=env, folder=folder)
    served.processes["web"] = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"], cwd=ROOT, env=env,
        stdout=served.out("access.log"), stderr=served.out("web.log"))
    if consumer:
        served.start_consumer()
    return served


def stop_all(served: Served) -> None:
    for name in list(served.processes):
        # gunicorn's quick shutdown; the consumer's SIGTERM stops it at once
        served.stop(name, signal.SIGQUIT if name == "web" else signal.SIGTERM)
    for handle in served.handles:
        handle.close()
