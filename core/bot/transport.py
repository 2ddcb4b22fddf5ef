"""The bot's HTTP calls to the Bot API, made with aiohttp.

A thousand people talking at once make the bot send a few hundred messages a second, and on one core
the cost of each call decides how many it can answer. python-telegram-bot's own ``HTTPXRequest`` spent
about 1.1 ms of CPU on a call to a local Bot API server (httpx's client layer, anyio's cancel scopes
around every read and write, and a system call per pooled connection to ask whether it is still
open); aiohttp, whose HTTP parser is compiled, spends about 0.2 ms on the same call. That difference
is most of what one update costs the bot, so the bot's calls go through ``AiohttpRequest``, an
implementation of python-telegram-bot's ``BaseRequest`` interface (which exists for exactly this).

Calls that upload files keep going through ``HTTPXRequest``: python-telegram-bot builds their
multipart bodies for httpx, and the bot sends few of them. Both raise what python-telegram-bot
expects: ``TimedOut`` for a timeout, ``NetworkError`` for anything else on the wire.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, HTTPXRequest, RequestData


class AiohttpRequest(BaseRequest):
    """python-telegram-bot's request interface on an ``aiohttp.ClientSession`` with kept-alive connections."""

    def __init__(
        self,
        connection_pool_size: int = 8,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
    ) -> None:
        self._size = connection_pool_size
        self._read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._session: aiohttp.ClientSession | None = None
        # For uploads only (see the module's docstring); it opens no connection until it is used.
        self._files = HTTPXRequest(
            connection_pool_size=1,
            read_timeout=read_timeout,
            write_timeout=write_timeout,
            connect_timeout=connect_timeout,
            pool_timeout=pool_timeout,
        )

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            # The session belongs to the running event loop: it is made here, not in ``__init__``.
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._size, keepalive_timeout=60.0),
                headers={"User-Agent": self.USER_AGENT},
            )
        await self._files.initialize()

    async def shutdown(self) -> None:
        try:
            if self._session is not None and not self._session.closed:
                await self._session.close()
        finally:
            self._session = None
            await self._files.shutdown()

    def _timeout(self, read: Any, connect: Any, pool: Any) -> aiohttp.ClientTimeout:
        def given(value: Any, default: float | None) -> float | None:
            return default if isinstance(value, type(BaseRequest.DEFAULT_NONE)) else value

        read_s = given(read, self._read_timeout)
        connect_s = given(connect, self._connect_timeout)
        pool_s = given(pool, self._pool_timeout)
        # aiohttp's ``connect`` covers waiting for a pooled connection and opening one; its socket read
        # timeout covers the answer. Writing a small form is not timed apart from them (``write_timeout``
        # applies to uploads, sent by ``HTTPXRequest``).
        waiting = None if connect_s is None and pool_s is None else (connect_s or 0.0) + (pool_s or 0.0)
        return aiohttp.ClientTimeout(total=None, connect=waiting, sock_connect=connect_s, sock_read=read_s)

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if request_data is not None and request_data.contains_files:
            return await self._files.do_request(
                url, method, request_data, read_timeout, write_timeout, connect_timeout, pool_timeout
            )
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        # As ``HTTPXRequest`` sends them: form-encoded, every value a string (nested values as JSON).
        data = request_data.json_parameters if request_data is not None else None
        timeout = self._timeout(read_timeout, connect_timeout, pool_timeout)
        try:
            async with self._session.request(method, url, data=data, timeout=timeout) as response:
                return response.status, await response.read()
        except (TimeoutError, aiohttp.ServerTimeoutError) as err:
            raise TimedOut from err
        except aiohttp.ClientError as err:
            raise NetworkError(f"aiohttp.{err.__class__.__name__}: {err}") from err
