"""Is the port free? Standard library only: `make run` asks before any set-up work, with the system Python.

Run as a script (`python app/portcheck.py`) it reads LB_HOST and LB_PORT like the settings do.
"""

import errno
import os
import socket
import sys


def port_in_use(host: str, port: int) -> bool:
    """True when something already listens on host:port (bound the way uvicorn binds, with SO_REUSEADDR)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return True
            raise
    return False


def advice(port: int) -> str:
    return f"port {port} in use; choose another: LB_PORT={port + 1} make run  (or laborbridge serve --port {port + 1})"


def main() -> int:
    host, port = os.environ.get("LB_HOST", "127.0.0.1"), int(os.environ.get("LB_PORT", "8000"))
    if port_in_use(host, port):
        print(advice(port), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
