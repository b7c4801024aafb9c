"""The aiohttp application: routes, typed app keys, and one cleanup context for resources.

`create_app(settings)` is all a test or `serve` needs. Resources (store, LINE client, knowledge,
worker, pruning task) are opened in one cleanup context and closed in reverse order, so a
failed start never "closes" what was never opened, and SIGTERM (aiohttp's graceful exit) stops
accepting requests, lets running events finish, and closes clients.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import timedelta, tzinfo
from functools import partial
from typing import TypedDict

import aiohttp
from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from linebot.v3.messaging import AsyncApiClient, AsyncMessagingApi, Configuration
from linebot.v3.webhook import SignatureValidator
from slack_sdk.web.async_client import AsyncWebClient

from bot import __version__, clinic, i18n
from bot.channels import slack
from bot.channels.line_send import LineSender
from bot.channels.line_webhook import INBOUND, MAX_BODY, LineInbound, line_webhook
from bot.channels.slack_desk import SlackDesk
from bot.core import handoff, hours
from bot.core.knowledge import Knowledge, build_knowledge
from bot.faq import model as faq
from bot.logs import PatientTag
from bot.nlu.semantic import Encoder
from bot.pipeline.handle import Services, failed_for_good, handle, retrying
from bot.pipeline.scheduler import watch_deadlines
from bot.pipeline.worker import Worker
from bot.reload import Loaded, Sources, fingerprint, watch
from bot.settings import Settings
from bot.store import Clock, Store, log_failed_round, open_store, utc_now

logger = logging.getLogger(__name__)

PRUNE_EVERY = timedelta(hours=1)


@dataclass
class Runtime:
    """What the running app holds; `knowledge` and `policy` (the hours in it) are replaced,
    each as one value, when an admin's edit is reloaded (`bot.reload`)."""

    knowledge: Knowledge
    policy: handoff.Policy = field(default_factory=handoff.Policy)
    version: str = ""  # fingerprint of the files the running version was read from
    store: Store | None = None
    worker: Worker | None = None
    tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def swap(self, loaded: Loaded) -> None:
        self.knowledge, self.policy = loaded.knowledge, loaded.policy

    def zone(self) -> tzinfo:
        """The clinic's time zone as configured now (hours.toml, reloaded with the policy)."""
        return hours.clinic_zone(self.policy.hours)


SETTINGS = web.AppKey("settings", Settings)
# Clock is a Callable alias, not a class, so it is given as the type argument (aiohttp reads
# it from __orig_class__) rather than as AppKey's second argument, which must be a class.
CLOCK = web.AppKey[Clock]("clock")
RUNTIME = web.AppKey("runtime", Runtime)


def load_knowledge(settings: Settings, encoder: Encoder | None = None) -> Knowledge:
    """The FAQ, catalogs and clinic facts the server answers from (raises FaqError or
    ClinicError on a broken file). The folders come from settings (FAQ_DIR, LOCALES_DIR,
    CONFIG_DIR, VAR_DIR). `encoder` is the running sentence encoder to reuse (None: load it)."""
    return build_knowledge(
        faq.load_or_raise(settings.faq_dir),
        i18n.load(settings.locales_dir),
        reading_cache=settings.var_dir / "cache" / "readings.json",
        clinic=clinic.load_if_present(settings.config_dir / "clinic.toml"),
        encoder=encoder,
    )


def load_policy(settings: Settings) -> handoff.Policy:
    """The hand-off settings with the clinic's hours (raises HoursError on a broken file)."""
    return handoff.Policy(
        hours=hours.load(settings.hours_file) if settings.hours_file else None,
        wait_minutes=settings.handoff_wait_minutes,
        idle=timedelta(hours=settings.handoff_idle_hours),
    )


def load_all(settings: Settings, encoder: Encoder | None = None) -> Loaded:
    """Everything admins edit, read and checked together (what a reload swaps in)."""
    return Loaded(load_knowledge(settings, encoder), load_policy(settings))


def reloader(settings: Settings, runtime: Runtime) -> Callable[[], Loaded]:
    """What a reload runs: `load_all` with the running sentence encoder (~120 MB, ~0.7 s to
    load), so an FAQ edit re-embeds only its changed texts and never holds a second copy."""

    def load() -> Loaded:
        semantic = runtime.knowledge.semantic
        return load_all(settings, semantic.encoder if semantic is not None else None)

    return load


def reload_sources(settings: Settings) -> Sources:
    """The files `load_all` reads, which the reloader watches."""
    files = [settings.config_dir / "clinic.toml"]
    if settings.hours_file:
        files.append(settings.hours_file)
    return Sources(settings.faq_dir, settings.locales_dir, tuple(files))


def create_app(
    settings: Settings, *, clock: Clock = utc_now, knowledge: Knowledge | None = None
) -> web.Application:
    """The whole server as one aiohttp application; a broken FAQ, clinic or hours file raises
    here (FaqError, ClinicError, HoursError), before anything listens or opens."""
    app = web.Application(
        client_max_size=MAX_BODY, middlewares=[_body_within(settings.http_body_timeout)]
    )
    app[SETTINGS] = settings
    app[CLOCK] = clock
    version = fingerprint(reload_sources(settings).paths())  # before reading: see bot.reload
    app[RUNTIME] = Runtime(
        knowledge or load_knowledge(settings), load_policy(settings), version=version
    )
    app.router.add_post("/line/webhook", line_webhook)
    app.router.add_get("/healthz", healthz)
    if settings.slack is not None:
        app.router.add_post("/slack/events", slack.slack_events)
    app.cleanup_ctx.append(_resources)
    return app


# After an early answer (400, 408, 413) a client still sending gets this long to finish, so
# that it can read the answer; a slow one is not kept for aiohttp's default 10 s.
LINGER_S = 2.0


class RunnerOptions(TypedDict):
    """What `web.AppRunner` (or `web.run_app`) is given, from `runner_options`."""

    keepalive_timeout: float
    handler_cancellation: bool
    lingering_time: float


def runner_options(settings: Settings) -> RunnerOptions:
    """How the server treats connections, for `serve` and the tests alike.

    aiohttp's keep-alive timer runs from the moment a connection opens and again after each
    response, and closes the connection if no complete request head has arrived by then: so
    HTTP_KEEPALIVE_TIMEOUT bounds idle connections and slow heads alike (aiohttp's own default,
    3,630 s, kept them for an hour). Behind a reverse proxy it must exceed the proxy's idle
    timeout for its upstream connections, or the proxy may reuse one the app is closing (a 502).
    A handler is cancelled when its client goes away: nothing is left waiting for nobody, and
    a half-stored webhook rolls back, to be redelivered.
    """
    return RunnerOptions(
        keepalive_timeout=float(settings.http_keepalive_timeout),
        handler_cancellation=True,
        lingering_time=LINGER_S,
    )


def _body_within(seconds: float) -> Middleware:
    """Read each request's whole body within `seconds` of its head, else 408 and close.

    Without it a client sending its body a byte at a time holds a handler (and a connection)
    for as long as it likes: aiohttp times out idle connections, not slow reads. The body is
    kept by aiohttp, so handlers' own `request.read()` return it at once.
    """

    @web.middleware
    async def body_within(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.body_exists:
            try:
                async with asyncio.timeout(seconds):
                    await request.read()  # 413 over client_max_size, as before
            except TimeoutError:
                logger.warning("request body not received within %s s: closed", seconds)
                response = web.json_response({"error": "request body too slow"}, status=408)
                response.force_close()
                return response
        return await handler(request)

    return body_within


async def _resources(app: web.Application) -> AsyncIterator[None]:
    settings, clock, runtime = app[SETTINGS], app[CLOCK], app[RUNTIME]
    store = await open_store(settings.database_url, clock=clock)
    client = _line_client(settings)
    try:
        api = AsyncMessagingApi(client)
        web_client, desk = _slack_client(settings, store, runtime)
        services = Services(
            store=store,
            knowledge=lambda: runtime.knowledge,
            sender=LineSender(api, timeout=settings.line_timeout_seconds),
            profile=partial(_profile, api),
            clock=clock,
            tag=PatientTag(settings.line_channel_secret.reveal().encode()),
            desk=desk,
            policy=lambda: runtime.policy,
            mask_pii=settings.mask_pii,
            staff_labels=dict(settings.staff_labels),
            retention_days=settings.retention_days,
            delivery_deadline=timedelta(minutes=settings.delivery_deadline_minutes),
        )
        worker = Worker(
            store,
            partial(handle, services=services),
            clock=clock,
            concurrency=settings.worker_concurrency,
            max_attempts=settings.worker_max_attempts,
            lease=timedelta(seconds=settings.worker_lease_seconds),
            on_failed=partial(failed_for_good, services=services),
            on_retry=partial(retrying, services=services),
        )
        runtime.store, runtime.worker = store, worker
        validator = SignatureValidator(settings.line_channel_secret.reveal())
        app[INBOUND] = LineInbound(validator, store, worker.wake, clock)
        if settings.slack is not None and web_client is not None:
            inbound = slack.SlackInbound(
                store,
                worker.wake,
                lambda: runtime.knowledge,
                clock,
                settings.slack.staff_channel,
                runtime.zone,
            )
            app[slack.BOLT] = slack.build(
                web_client, settings.slack.signing_secret.reveal(), inbound
            )
        await worker.start()
        background = [
            asyncio.create_task(_prune_forever(store, clock, settings.retention_days)),
            asyncio.create_task(watch_deadlines(store, lambda: runtime.policy, clock, worker.wake)),
        ]
        if settings.reload_seconds > 0:
            alert = partial(_tell_staff, web_client, settings) if web_client else None
            background.append(
                asyncio.create_task(
                    watch(
                        reload_sources(settings),
                        reloader(settings, runtime),
                        runtime.swap,
                        loaded_from=runtime.version,
                        every=settings.reload_seconds,
                        alert=alert,
                    )
                )
            )
        runtime.tasks.update(background)
        yield
        for task in background:
            task.cancel()
        for task in background:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await worker.stop()
    finally:
        await client.close()
        await store.close()


def _line_client(settings: Settings) -> AsyncApiClient:
    """The LINE SDK client, with the proxy made explicit.

    line-bot-sdk builds its aiohttp session with trust_env=True, so aiohttp looks up proxy
    variables and ~/.netrc in a thread for every request: 28% of the server's CPU under load
    (bench/profile_ours.py). We read the proxy once, in Settings, and pass it explicitly.
    """
    configuration = Configuration(
        access_token=settings.line_access_token.reveal(), host=settings.line_api_base
    )
    if settings.https_proxy:
        configuration.proxy = settings.https_proxy
    client = AsyncApiClient(configuration)
    session = client.rest_client.pool_manager
    client.rest_client.pool_manager = aiohttp.ClientSession(
        connector=session.connector, connector_owner=True, trust_env=False
    )
    session.detach()  # the connector now belongs to the new session
    return client


async def _profile(api: AsyncMessagingApi, user_id: str) -> tuple[str | None, str | None]:
    profile = await api.get_profile(user_id, _request_timeout=5)
    return profile.display_name, profile.language


def _slack_client(
    settings: Settings, store: Store, runtime: Runtime
) -> tuple[AsyncWebClient | None, SlackDesk | None]:
    """The Slack Web API client and the desk that posts cards, when Slack is configured."""
    if settings.slack is None:
        return None, None
    client = AsyncWebClient(
        token=settings.slack.bot_token.reveal(),
        base_url=settings.slack.api_base,
        timeout=settings.slack.timeout_seconds,
    )
    staff_text = runtime.knowledge.catalogs[settings.staff_lang].gettext
    desk = SlackDesk(
        client,
        settings.slack.staff_channel,
        store,
        staff_text,
        runtime.zone,
    )
    return client, desk


async def _tell_staff(client: AsyncWebClient, settings: Settings, text: str) -> None:
    """A message to the staff channel (for things staff must act on: a refused FAQ edit)."""
    assert settings.slack is not None
    await client.chat_postMessage(channel=settings.slack.staff_channel, text=text)


async def _prune_forever(store: Store, clock: Clock, retention_days: int) -> None:
    """Erase patient text past the retention, once now and then every hour."""
    while True:
        try:
            erased = await store.prune(clock(), timedelta(days=retention_days))
            if erased:
                logger.info("pruned %d rows past the %d-day retention", erased, retention_days)
        except Exception as exc:
            log_failed_round(logger, "pruning", exc)
        await asyncio.sleep(PRUNE_EVERY.total_seconds())


async def healthz(request: web.Request) -> web.Response:
    """Store reachable, FAQ loaded, version: what a load balancer and an operator check."""
    runtime = request.app[RUNTIME]
    store_ok = runtime.store is not None and await runtime.store.ping()
    body = {
        "status": "ok" if store_ok else "degraded",
        "store": store_ok,
        "faq_topics": len(runtime.knowledge.faq.topics),
        "version": __version__,
    }
    return web.json_response(body, status=200 if store_ok else 503)
