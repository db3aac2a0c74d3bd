"""`pip install .` into a fresh virtual environment gives a working `lotse run`.

The wheel is built offline from this checkout; the new environment borrows the test
environment's dependencies (a .pth line), so nothing is downloaded.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import httpx
import pytest

from bot.config import PROJECT_ROOT

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(*command: str | Path, cwd: Path | None = None) -> None:
    subprocess.run([str(c) for c in command], check=True, capture_output=True, cwd=cwd, timeout=300)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel of this checkout installed, and no access to the checkout."""
    base = tmp_path_factory.mktemp("packaging")
    wheels = base / "wheels"
    _run(sys.executable, "-m", "pip", "wheel", PROJECT_ROOT, "--no-deps", "--no-build-isolation",
         "--no-index", "-w", wheels)  # fmt: skip
    venv = base / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    (Path(site) / "borrowed-dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )
    wheel = next(wheels.glob("lotse-*.whl"))
    _run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index",
         wheel)  # fmt: skip
    return venv


def test_the_installed_package_serves_the_chat(installed: Path, tmp_path: Path) -> None:
    port = _free_port()
    env = {"PATH": f"{installed / 'bin'}:/usr/bin:/bin", "HOME": str(tmp_path)}
    log = tmp_path / "server.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [installed / "bin" / "lotse", "run", "--port", str(port)],
            cwd=tmp_path, env=env, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, log.read_text(encoding="utf-8", errors="replace")
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the installed server did not answer /healthz"
            time.sleep(0.3)
        reply = httpx.post(
            f"{base}/api/chat",
            json={"session": None, "language": "tr", "text": "kursu kim ödüyor"},
            timeout=30,
        ).json()
        assert any("Bildungsgutschein" in m["text"] for m in reply["messages"])
        assert (tmp_path / "var" / "lotse.sqlite3").exists()  # the data lives where it runs
        assert not any(p.is_relative_to(PROJECT_ROOT) for p in (tmp_path / "var").iterdir())
        imported = subprocess.run(
            [installed / "bin" / "python", "-c", "import bot; print(bot.__file__)"],
            check=True, capture_output=True, text=True, env=env, cwd=tmp_path,
        ).stdout  # fmt: skip
        assert not Path(imported.strip()).is_relative_to(PROJECT_ROOT)
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.kill(server.pid, signal.SIGKILL)
            server.wait()
