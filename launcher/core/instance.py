"""One launcher per RVC folder: a file lock, plus a loopback line to ask the running one.

The first launcher holds `paths.lock_file` and listens on an ephemeral loopback port that it
writes, with a random token, to `paths.instance_file`. A second launcher fails to take the
lock, sends `open-dashboard` with the token to that port, and exits. The OS frees the lock
when a launcher dies, however it dies; a stale instance file is simply overwritten.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from launcher import winplatform
from launcher.rvc.paths import LauncherPaths
from launcher.util.jsonfile import write_json

log = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"
OPEN_DASHBOARD = "open-dashboard"
REPLY_OK = b"ok\n"
REPLY_DENIED = b"denied\n"
MAX_REQUEST_BYTES = 4096
ACCEPT_POLL_SECONDS = 0.2  # how soon the listener notices release()
CONNECTION_TIMEOUT = 2.0


@dataclass(frozen=True)
class InstanceInfo:
    pid: int
    port: int
    token: str


def read_instance_file(path: Path) -> InstanceInfo | None:
    """The running launcher's pid, port and token; None if missing, half-written or foreign."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        info = InstanceInfo(int(data["pid"]), int(data["port"]), str(data["token"]))
    except (OSError, ValueError, TypeError, KeyError):
        return None
    return info if 0 < info.port < 65536 else None


def write_instance_file(path: Path, info: InstanceInfo) -> None:
    write_json(path, asdict(info), indent=None)


def encode_request(token: str) -> bytes:
    return json.dumps({"command": OPEN_DASHBOARD, "token": token}).encode() + b"\n"


def is_valid_request(raw: bytes, token: str) -> bool:
    import hmac  # here, not at the top: this module is on the path to TensorBoard's spawn

    try:
        request = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return False
    return (isinstance(request, dict) and request.get("command") == OPEN_DASHBOARD
            and hmac.compare_digest(str(request.get("token", "")), token))


class FileLock:
    """The OS's exclusive lock on one file (flock, or msvcrt.locking on Windows), not waited
    for. The OS frees it when the process ends, however it ends."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    @property
    def is_locked(self) -> bool:
        return self._fd is not None

    def acquire(self) -> bool:
        if self._fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        if not winplatform.lock_exclusively(fd):
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        with contextlib.suppress(OSError):
            winplatform.unlock(fd)
        os.close(fd)


class SingleInstance:
    """The lock and the listener of the one launcher that runs for an RVC folder."""

    def __init__(self, paths: LauncherPaths) -> None:
        self.paths = paths
        self._lock = FileLock(paths.lock_file)
        self._token = os.urandom(16).hex()
        self._server: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    @property
    def port(self) -> int | None:
        return self._server.getsockname()[1] if self._server else None

    def acquire(self) -> bool:
        """True: we are the only launcher for this RVC folder (and now listen for others)."""
        self.paths.launcher_dir.mkdir(parents=True, exist_ok=True)
        if self._server is not None:
            return True
        if not self._lock.acquire():
            log.info("another launcher holds %s", self.paths.lock_file)
            return False
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            server.bind((LOOPBACK, 0))
            server.listen(8)  # requests wait here until serve() starts answering
            server.settimeout(ACCEPT_POLL_SECONDS)
            write_instance_file(self.paths.instance_file,
                                InstanceInfo(os.getpid(), server.getsockname()[1], self._token))
        except OSError:
            server.close()
            self._lock.release()
            raise
        self._server = server
        return True

    def serve(self, on_open_request: Callable[[], None]) -> None:
        """Answer other launchers' requests in the background, calling `on_open_request`."""
        if self._server is None:
            raise RuntimeError("acquire() the instance before serving")
        self._stop.clear()
        self._thread = threading.Thread(target=self._accept_loop, args=(on_open_request,),
                                        name="single-instance", daemon=True)
        self._thread.start()

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self._server is not None:
            self._server.close()
            self._server = None
            current = read_instance_file(self.paths.instance_file)
            if current is not None and current.token == self._token:
                with contextlib.suppress(OSError):
                    self.paths.instance_file.unlink()
        self._lock.release()

    def _accept_loop(self, on_open_request: Callable[[], None]) -> None:
        server = self._server
        assert server is not None
        while not self._stop.is_set():
            try:
                connection, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                if not self._stop.is_set():
                    log.exception("the single-instance listener stopped")
                return
            with connection:
                if self._answer(connection):
                    log.info("another launcher asked to open the dashboard")
                    try:
                        on_open_request()
                    except Exception:
                        log.exception("opening the dashboard for another launcher failed")

    def _answer(self, connection: socket.socket) -> bool:
        connection.settimeout(CONNECTION_TIMEOUT)
        try:
            raw = _read_line(connection)
            valid = is_valid_request(raw, self._token)
            connection.sendall(REPLY_OK if valid else REPLY_DENIED)
        except OSError as error:
            log.debug("single-instance request failed: %s", error)
            return False
        if not valid:
            log.warning("refused a malformed or unauthorised single-instance request")
        return valid


def _read_line(connection: socket.socket) -> bytes:
    data = b""
    while b"\n" not in data and len(data) < MAX_REQUEST_BYTES:
        chunk = connection.recv(1024)
        if not chunk:
            break
        data += chunk
    return data.split(b"\n", 1)[0]


def request_open_dashboard(paths: LauncherPaths, timeout: float = 3.0) -> bool:
    """Ask the running launcher to open its dashboard; True once it has said yes."""
    deadline = time.monotonic() + timeout
    while True:
        info = read_instance_file(paths.instance_file)  # may be mid-write by a starting one
        if info is not None and _send_request(info, deadline):
            return True
        if time.monotonic() >= deadline:
            log.info("no running launcher answered at %s", paths.instance_file)
            return False
        time.sleep(0.1)


def _send_request(info: InstanceInfo, deadline: float) -> bool:
    remaining = max(0.1, deadline - time.monotonic())
    try:
        with socket.create_connection((LOOPBACK, info.port), timeout=remaining) as connection:
            connection.sendall(encode_request(info.token))
            return _read_line(connection) + b"\n" == REPLY_OK
    except OSError:
        return False
