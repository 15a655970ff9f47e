"""Interop: a third-party security-1 client (PyPI `esp-protocomm`) against `uniprov device`.

esp-protocomm ships only a BLE transport; its session and Wi-Fi helpers take any object with
`async send(endpoint, data) -> bytes`, so this file supplies an HTTP transport that behaves like
esp_prov's (one keep-alive connection, `Cookie` echo of the device's `Set-Cookie`).

Usage: python esp_protocomm_http.py /path/to/uniprov
Exit status 0 when every check passed.
"""

from __future__ import annotations

import asyncio
import http.client
import os
import socket
import subprocess
import sys
import tempfile
import time

from esp_protocomm import Security1, SecurityError, WifiState, establish_session, provision_wifi

POP = "interop-pop-4711"
SSID = "HomeNetwork"
PASSPHRASE = "password123"


class HttpTransport:
    """esp_prov-style HTTP transport: POST /<endpoint>, keep-alive, cookie echo."""

    def __init__(self, host: str, port: int) -> None:
        self.conn = http.client.HTTPConnection(host, port, timeout=30)
        self.cookie: str | None = None

    async def send(self, endpoint: str, data: bytes) -> bytes:
        return await asyncio.to_thread(self._send, endpoint, data)

    def _send(self, endpoint: str, data: bytes) -> bytes:
        headers = {"Content-type": "application/x-www-form-urlencoded", "Accept": "text/plain"}
        if self.cookie:
            headers["Cookie"] = self.cookie
        self.conn.request("POST", "/" + endpoint, data, headers)
        resp = self.conn.getresponse()
        body = resp.read()
        if resp.status != 200:
            raise RuntimeError(f"HTTP {resp.status} from /{endpoint}")
        cookie = resp.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";")[0]
        return body

    def close(self) -> None:
        self.conn.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port: int, proc: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"device exited early with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("device did not start listening")


def start_device(binary: str, port: int, state_dir: str) -> subprocess.Popen:
    cmd = [
        binary, "device",
        "--transport", "http",
        "--listen", f"127.0.0.1:{port}",
        "--sec-ver", "1",
        "--pop", POP,
        "--custom-endpoint", "custom-data",
        "--sim-connect-delay-ms", "300",
        "--state-dir", state_dir,
        "--events", "json",
    ]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)


async def wrong_pop_is_refused(port: int) -> None:
    transport = HttpTransport("127.0.0.1", port)
    try:
        await establish_session(transport, Security1(pop="not-the-pop"))
    except SecurityError:
        print("ok: a wrong PoP is refused (SecurityError)")
        return
    finally:
        transport.close()
    raise AssertionError("handshake with a wrong PoP succeeded")


async def provision(port: int) -> None:
    transport = HttpTransport("127.0.0.1", port)
    try:
        security = await establish_session(transport, Security1(pop=POP))
        print("ok: security 1 handshake")
        reply = await transport.send("custom-data", security.encrypt(b"interop says hello"))
        answer = security.decrypt(reply)
        assert answer == b"SUCCESS\x00", answer
        print("ok: custom endpoint answered SUCCESS")
        status = await provision_wifi(
            transport, security, ssid=SSID, passphrase=PASSPHRASE, timeout=30.0, poll_interval=0.2
        )
        assert status.state is WifiState.CONNECTED, status
        print("ok: set, apply, status until connected:", status.describe())
    finally:
        transport.close()


def main() -> int:
    binary = sys.argv[1]
    port = free_port()
    with tempfile.TemporaryDirectory() as state_dir:
        proc = start_device(binary, port, state_dir)
        try:
            wait_listening(port, proc)
            asyncio.run(wrong_pop_is_refused(port))
            asyncio.run(provision(port))
            out, _ = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        events = [line for line in out.splitlines() if line.strip()]
        assert any("cred_success" in e for e in events), events
        assert proc.returncode == 0, proc.returncode
        print(f"ok: device reported cred_success and exited 0 ({len(events)} events)")
        if os.listdir(state_dir) == []:
            raise AssertionError("device stored nothing after a successful provisioning")
    print("1 passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
