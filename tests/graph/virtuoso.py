"""A throwaway Virtuoso server for the backend tests: ``scripts/virtuoso.ini`` in a temporary
folder, both ports on loopback (free ones), started with ``virtuoso-t -f`` and stopped at the end.

A fresh database has the user ``dba`` with password ``dba``; updates go through ``/sparql-auth``
with digest authentication, so the anonymous ``/sparql`` stays read-only, as it would be in a
deployment. Where ``virtuoso-t`` is missing, ``start`` returns the reason and the tests skip,
except under ``CI=true``, where they fail: CI installs Virtuoso (``scripts/system-deps.sh``).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
INI = ROOT / "scripts" / "virtuoso.ini"
USER, PASSWORD = "dba", "dba"
START_TIMEOUT_S = 45.0


@dataclass
class Virtuoso:
    process: subprocess.Popen[bytes]
    folder: Path
    http_port: int

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/sparql"

    @property
    def spec(self) -> str:
        """The store setting that points policykg at this server."""
        return f"sparql+{self.endpoint}"

    def log(self) -> str:
        path = self.folder / "virtuoso.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""

    def wipe(self, prefix: str) -> None:
        """Drop every graph whose IRI starts with ``prefix`` (what a test wrote)."""
        r = httpx.post(self.endpoint, timeout=60, headers={"Accept": "application/sparql-results+json"}, data={
            "query": f'SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), "{prefix}")) }}'})
        r.raise_for_status()
        graphs = [b["g"]["value"] for b in r.json()["results"]["bindings"]]
        if graphs:
            update = " ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in graphs)
            httpx.post(f"http://127.0.0.1:{self.http_port}/sparql-auth", data={"update": update}, timeout=120,
                       auth=httpx.DigestAuth(USER, PASSWORD)).raise_for_status()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(folder: Path) -> Virtuoso | str:
    """A running server in ``folder``, or the reason why there cannot be one."""
    exe = shutil.which("virtuoso-t")
    if exe is None:
        return "virtuoso-t is not installed (Debian: apt-get install virtuoso-opensource, or scripts/system-deps.sh)"
    sql_port, http_port = _free_port(), _free_port()
    ini = INI.read_text()
    ini = re.sub(r"(?m)^(ServerPort\s*=\s*)127\.0\.0\.1:11111", rf"\g<1>127.0.0.1:{sql_port}", ini)
    ini = re.sub(r"(?m)^(ServerPort\s*=\s*)127\.0\.0\.1:18890", rf"\g<1>127.0.0.1:{http_port}", ini)
    ini = ini.replace("127.0.0.1:18890", f"127.0.0.1:{http_port}")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "virtuoso.ini").write_text(ini)
    out = open(folder / "stdout.log", "wb")  # noqa: SIM115 - the server writes to it until stop()
    proc = subprocess.Popen([exe, "-f", "-c", "virtuoso.ini"], cwd=folder, stdout=out, stderr=subprocess.STDOUT,
                            start_new_session=True)
    server = Virtuoso(proc, folder, http_port)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return f"virtuoso-t exited with {proc.returncode}: {server.log()[-500:]}"
        try:
            if httpx.get(server.endpoint, params={"query": "ASK {}"}, timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    server.stop()
    return f"virtuoso-t did not answer on port {http_port} within {START_TIMEOUT_S:g} s: {server.log()[-500:]}"
