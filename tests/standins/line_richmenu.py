"""A stateful stand-in for LINE's rich menu endpoints, on loopback, for `richmenu apply` tests.

Prism checks each request's shape but keeps nothing, so "apply twice leaves one menu" needs
this: two aiohttp servers (`api.line.me` and `api-data.line.me`, so a call sent to the wrong
host is a 404 there) sharing one account with menus, images, aliases and a default menu.

It refuses what LINE refuses as far as these tests need it: a second image for one menu, a
default or alias for a menu without an image, an alias that exists (create) or does not (update),
an unknown menu, and any request without the bearer token. `fail` scripts one failure.
"""

import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

Json = dict[str, Any]

TOKEN = "richmenu-test-token"
CONTENT = "/v2/bot/richmenu/{id}/content"


@dataclass(frozen=True)
class Call:
    """One request as it arrived: which host, the route it matched, and what was answered."""

    host: str  # "api" or "data"
    method: str
    path: str
    route: str  # the path template, e.g. /v2/bot/richmenu/{id}
    headers: dict[str, str]
    body: bytes
    status: int
    answer: Json | None


@dataclass
class RichMenuStandin:
    """The account's state and the two servers; `start()`, then `close()`."""

    token: str = TOKEN
    menus: dict[str, Json] = field(default_factory=dict)  # id -> RichMenuResponse
    images: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # id -> (type, bytes)
    aliases: dict[str, str] = field(default_factory=dict)  # alias id -> rich menu id
    default: str | None = None
    calls: list[Call] = field(default_factory=list)
    fail: dict[tuple[str, str], int] = field(default_factory=dict)  # (method, route) -> status
    _ids: "itertools.count[int]" = field(default_factory=lambda: itertools.count(1))
    _servers: list[TestServer] = field(default_factory=list)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self._servers[0].port}"

    @property
    def data_url(self) -> str:
        return f"http://127.0.0.1:{self._servers[1].port}"

    def add_menu(self, name: str, *, image: bool = True) -> str:
        """Put a menu on the account as if someone made it earlier; returns its id."""
        rich_menu_id = self._new_id()
        self.menus[rich_menu_id] = {
            "richMenuId": rich_menu_id,
            "size": {"width": 2500, "height": 843},
            "selected": False,
            "name": name,
            "chatBarText": "Tap",
            "areas": [
                {
                    "bounds": {"x": 0, "y": 0, "width": 2500, "height": 843},
                    "action": {"type": "uri", "uri": "https://example.com/campaign"},
                }
            ],
        }
        if image:
            self.images[rich_menu_id] = ("image/png", b"\x89PNG")
        return rich_menu_id

    def names(self) -> list[str]:
        return sorted(menu["name"] for menu in self.menus.values())

    def routes(self) -> list[tuple[str, str, str]]:
        """(host, method, route) of every call, in order."""
        return [(c.host, c.method, c.route) for c in self.calls]

    async def start(self) -> None:
        for host, routes in (("api", self._api_routes()), ("data", self._data_routes())):
            app = web.Application(client_max_size=4 * 1024 * 1024)
            for method, route, handler in routes:
                app.router.add_route(method, route, self._recorded(host, method, route, handler))
            server = TestServer(app, host="127.0.0.1", port=0)
            await server.start_server()
            self._servers.append(server)

    async def close(self) -> None:
        for server in self._servers:
            await server.close()

    def _new_id(self) -> str:
        return f"richmenu-{next(self._ids):032x}"

    def _recorded(self, host: str, method: str, route: str, handler: Any) -> Any:
        async def handle(request: web.Request) -> web.Response:
            body = await request.read()
            if request.headers.get("Authorization") != f"Bearer {self.token}":
                status, answer = 401, {"message": "Authentication failed"}
            elif (method, route) in self.fail:
                status = self.fail.pop((method, route))
                answer = {"message": "scripted failure"}
            else:
                status, answer = handler(request.match_info, request.headers, body)
            self.calls.append(
                Call(host, method, request.path, route, dict(request.headers), body, status, answer)
            )
            return web.json_response(answer if answer is not None else {}, status=status)

        return handle

    def _api_routes(self) -> list[tuple[str, str, Any]]:
        return [
            ("GET", "/v2/bot/richmenu/list", self._list),
            ("POST", "/v2/bot/richmenu/validate", self._validate),
            ("POST", "/v2/bot/richmenu", self._create),
            ("DELETE", "/v2/bot/richmenu/{id}", self._delete),
            ("POST", "/v2/bot/user/all/richmenu/{id}", self._set_default),
            ("GET", "/v2/bot/richmenu/alias/list", self._alias_list),
            ("POST", "/v2/bot/richmenu/alias", self._alias_create),
            ("POST", "/v2/bot/richmenu/alias/{alias}", self._alias_update),
        ]

    def _data_routes(self) -> list[tuple[str, str, Any]]:
        return [("POST", CONTENT, self._upload)]

    # Handlers: (path parameters, headers, raw body) -> (status, JSON answer)

    def _list(self, *_: Any) -> tuple[int, Json]:
        return 200, {"richmenus": list(self.menus.values())}

    def _validate(self, _params: Any, _headers: Any, body: bytes) -> tuple[int, Json]:
        menu = json.loads(body)
        if not {"size", "selected", "name", "chatBarText", "areas"} <= menu.keys():
            return 400, {"message": "The request body has 1 error(s)"}
        return 200, {}

    def _create(self, params: Any, headers: Any, body: bytes) -> tuple[int, Json]:
        status, answer = self._validate(params, headers, body)
        if status != 200:
            return status, answer
        rich_menu_id = self._new_id()
        self.menus[rich_menu_id] = {"richMenuId": rich_menu_id, **json.loads(body)}
        return 200, {"richMenuId": rich_menu_id}

    def _delete(self, params: Any, *_: Any) -> tuple[int, Json]:
        rich_menu_id = params["id"]
        if self.menus.pop(rich_menu_id, None) is None:
            return 404, {"message": "Not found"}
        self.images.pop(rich_menu_id, None)
        if self.default == rich_menu_id:
            self.default = None
        return 200, {}

    def _set_default(self, params: Any, *_: Any) -> tuple[int, Json]:
        rich_menu_id = params["id"]
        if rich_menu_id not in self.menus:
            return 404, {"message": "Not found"}
        if rich_menu_id not in self.images:
            return 400, {"message": "must upload richmenu image before applying it to user"}
        self.default = rich_menu_id
        return 200, {}

    def _alias_list(self, *_: Any) -> tuple[int, Json]:
        aliases = [{"richMenuAliasId": a, "richMenuId": m} for a, m in self.aliases.items()]
        return 200, {"aliases": aliases}

    def _alias_create(self, _params: Any, _headers: Any, body: bytes) -> tuple[int, Json]:
        request = json.loads(body)
        alias, rich_menu_id = request["richMenuAliasId"], request["richMenuId"]
        if alias in self.aliases:
            return 400, {"message": "conflict richmenu alias id"}
        return self._point(alias, rich_menu_id)

    def _alias_update(self, params: Any, _headers: Any, body: bytes) -> tuple[int, Json]:
        alias = params["alias"]
        if alias not in self.aliases:
            return 400, {"message": "richmenu alias not found"}
        return self._point(alias, json.loads(body)["richMenuId"])

    def _point(self, alias: str, rich_menu_id: str) -> tuple[int, Json]:
        if rich_menu_id not in self.images:
            return 400, {"message": "richmenu not found or its image is not uploaded"}
        self.aliases[alias] = rich_menu_id
        return 200, {}

    def _upload(self, params: Any, headers: Any, body: bytes) -> tuple[int, Json]:
        rich_menu_id = params["id"]
        content_type = headers.get("Content-Type", "")
        if rich_menu_id not in self.menus:
            return 404, {"message": "Not found"}
        if content_type not in ("image/png", "image/jpeg"):
            return 415, {"message": "Unsupported Media Type"}
        if rich_menu_id in self.images:
            return 400, {"message": "An image has already been uploaded to the richmenu"}
        self.images[rich_menu_id] = (content_type, body)
        return 200, {}
