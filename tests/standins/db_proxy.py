"""A TCP proxy in front of PostgreSQL that can cut or stall the database on demand: the fault
tests (`tests/faults/test_outage.py`) and `bench/faults.py` use it to take the database away
from a running server without touching the server."""

import asyncio


class DbProxy:
    """A TCP proxy to PostgreSQL that can be cut (connections closed, new ones refused at once)
    or stalled (connections accepted, nothing forwarded either way) for a while."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream, self.mode, self.port = upstream, "ok", 0
        self._writers: set[asyncio.StreamWriter] = set()
        self._server: asyncio.Server | None = None
        self._flowing = asyncio.Event()  # cleared while stalled
        self._flowing.set()

    async def start(self) -> None:
        """Listen on a free loopback port (`port`)."""
        self._server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        self.port = int(self._server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        """Stop listening and drop every connection."""
        self._abort_all()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def cut(self) -> None:
        """Close every connection now, and every new one as it arrives."""
        self.mode = "cut"
        self._flowing.set()
        self._abort_all()

    def stall(self) -> None:
        """Forward nothing (data waits here) until `heal`."""
        self.mode = "stall"
        self._flowing.clear()

    def heal(self) -> None:
        """Back to forwarding."""
        self.mode = "ok"
        self._flowing.set()

    def _abort_all(self) -> None:
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.mode == "cut":
            writer.transport.abort()
            return
        await self._flowing.wait()
        if self.mode == "cut":
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            writer.transport.abort()
            return
        self._writers |= {writer, up_writer}
        await asyncio.gather(
            self._pipe(reader, up_writer, writer), self._pipe(up_reader, writer, up_writer)
        )

    async def _pipe(
        self, src: asyncio.StreamReader, dst: asyncio.StreamWriter, other: asyncio.StreamWriter
    ) -> None:
        try:
            while data := await src.read(65536):
                await self._flowing.wait()
                if self.mode == "cut" or dst.transport.is_closing():
                    break
                dst.write(data)
                await dst.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            for w in (dst, other):
                w.transport.abort()
                self._writers.discard(w)
