"""The floor: plain aiohttp answering 200 to every POST, doing nothing else.

It reads the body (as any webhook handler must) and answers "OK". Whatever latency or
throughput it shows is the cost of aiohttp, the loopback network and the load generator
itself on this machine: no webhook server can do better.

`PORT=N python bench/floor.py`
"""

import os

from aiohttp import web


async def ok(request: web.Request) -> web.Response:
    """200, after reading the body."""
    await request.read()
    return web.Response(text="OK\n")


async def healthz(request: web.Request) -> web.Response:
    """So the benchmark can wait for it the same way as for the others."""
    return web.Response(text="ok")


def main() -> None:
    """Serve on 127.0.0.1:$PORT until SIGTERM."""
    app = web.Application()
    app.router.add_get("/healthz", healthz)
    app.router.add_route("POST", "/{tail:.*}", ok)
    web.run_app(app, host="127.0.0.1", port=int(os.environ["PORT"]), print=None, access_log=None)


if __name__ == "__main__":
    main()
