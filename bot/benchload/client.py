"""A small HTTP/1.1 client with one keep-alive connection, cheap enough to load a server.

The benchmark, the fake Bot API and the load share one process on a two-core machine; a general
client (httpx) costs several times the CPU per request and would measure itself.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any


class HttpError(Exception):
    """The connection failed or the answer could not be read."""


class Connection:
    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def post_json(
        self, path: str, payload: Any, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        body = json.dumps(payload, ensure_ascii=False).encode()
        return await self.request(
            "POST", path, body, {"Content-Type": "application/json", **(headers or {})}
        )

    async def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        """Send one request; a connection the server closed while idle is opened again once."""
        for attempt in (1, 2):
            fresh = self._writer is None
            try:
                if fresh:
                    await self._connect()
                return await self._exchange(method, path, body, headers or {})
            except (OSError, asyncio.IncompleteReadError, HttpError) as error:
                self.close()
                if fresh or attempt == 2 or not isinstance(error, _Idle):
                    raise HttpError(f"{method} {path}: {type(error).__name__}") from error
        raise AssertionError("unreachable")

    async def _connect(self) -> None:
        self._reader, self._writer = await asyncio.open_connection(self.host, self.port)

    async def _exchange(
        self, method: str, path: str, body: bytes, headers: dict[str, str]
    ) -> tuple[int, bytes]:
        assert self._reader is not None
        assert self._writer is not None
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        lines.append(f"Content-Length: {len(body)}")
        self._writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        status_line = await self._reader.readline()
        if not status_line:
            raise _Idle("closed before answering")
        parts = status_line.split()
        if len(parts) < 2 or not parts[1].isdigit():
            raise HttpError("no HTTP status line")
        status = int(parts[1])
        length: int | None = None
        chunked = close = False
        while True:
            line = await self._reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding" and "chunked" in value:
                chunked = True
            elif name == "connection" and value == "close":
                close = True
        if chunked:
            data = await self._chunks()
        elif length is not None:
            data = await self._reader.readexactly(length)
        else:
            data = await self._reader.read()
            close = True
        if close:
            self.close()
        return status, data

    async def _chunks(self) -> bytes:
        assert self._reader is not None
        data = bytearray()
        while True:
            size = int((await self._reader.readline()).split(b";")[0], 16)
            if size == 0:
                await self._reader.readline()
                return bytes(data)
            data += await self._reader.readexactly(size)
            await self._reader.readline()

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None


class _Idle(HttpError):
    """The server closed a kept-alive connection before it read the request: safe to resend."""
