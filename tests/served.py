"""A WSGI app served for real by waitress (what ``maarifa serve`` runs) on a free 127.0.0.1 port."""

from __future__ import annotations

import socket
import threading


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Served:
    """``Served(app).start()`` serves APP in a daemon thread; ``stop()`` ends it cleanly.

    Stopping closes waitress's sockets from inside its own loop (its trigger runs the function
    there): closing them from another thread under a ``select`` in progress makes the loop
    thread die with "Bad file descriptor", which pytest reports as an error of whichever test
    ends next."""

    def __init__(self, app, port: int | None = None, threads: int = 4):
        import waitress

        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = waitress.create_server(app, host="127.0.0.1", port=self.port, threads=threads)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> "Served":
        self.thread.start()
        return self

    def stop(self) -> None:
        if not self.thread.is_alive():
            return

        def close_all():
            for channel in list(self.server._map.values()):
                channel.close()

        self.server.trigger.pull_trigger(close_all)
        self.thread.join(5)
        # then let the requests being answered finish: their threads write to closed channels
        self.server.task_dispatcher.shutdown()
