"""Real network faults on loopback, for the failing-parts tests: a server that accepts
connections and never answers (a broker that hangs), and a TCP proxy in front of a real server
that can be stopped and started again (a database that goes away and comes back).

Nothing is patched: the product's own drivers talk to these sockets as they would to a server.
"""

from __future__ import annotations

import contextlib
import socket
import threading

from tests.smtp_sink import free_port


class SilentServer:
    """Accepts every connection, reads what it is sent, and never answers a byte."""

    def __init__(self) -> None:
        self.port = free_port()
        self.connections = 0
        self._listener: socket.socket | None = None
        self._accepted: list[socket.socket] = []
        self._lock = threading.Lock()

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> SilentServer:
        listener = socket.create_server(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, daemon=True, name="silent-server").start()
        return self

    def _accept(self) -> None:
        assert self._listener is not None
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return  # stopped
            with self._lock:
                self.connections += 1
                self._accepted.append(connection)
            threading.Thread(target=_swallow, args=(connection,), daemon=True).start()

    def stop(self) -> None:
        if self._listener is not None:
            _close(self._listener)  # shutdown() first: it wakes the thread blocked in accept()
            self._listener = None
        with self._lock:
            for connection in self._accepted:
                _close(connection)
            self._accepted.clear()


def _swallow(connection: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while connection.recv(65536):
            pass


class TcpProxy:
    """127.0.0.1:<port> → a real server. stop() closes the port and cuts every connection, as
    a server that stops does; start() opens the same port again."""

    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        self.port = free_port()
        self.target = (target_host, target_port)
        self._listener: socket.socket | None = None
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> TcpProxy:
        assert self._listener is None
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return self

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # stopped
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                _close(client)
                continue
            upstream.settimeout(None)
            with self._lock:
                self._open += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pump, args=(source, sink), daemon=True).start()

    def stop(self) -> None:
        if self._listener is not None:
            _close(self._listener)  # shutdown() first: it wakes the thread blocked in accept()
            self._listener = None
        with self._lock:
            for connection in self._open:
                _close(connection)
            self._open.clear()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            sink.sendall(data)
    _close(source)
    _close(sink)


def _close(connection: socket.socket) -> None:
    with contextlib.suppress(OSError):
        connection.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        connection.close()
