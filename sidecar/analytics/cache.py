"""Redis cache of the analytics results (dashboard, pipeline metrics, hot
leads, insights), invalidated by a generation counter: every key embeds the
current generation, and the events that change those results (an engagement
event processed, a stage change, a task created or changed) bump it, so a
stale entry is never read again and expires on its own (TTL).

Redis down: computed every time (the cache is an optimisation, never the
system of record)."""
from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from typing import Any

from redis import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

GEN_KEY = "senw:cache:gen"
TTL = 300
_clients: dict[str, Redis] = {}


def _redis(url: str) -> Redis:
    if url not in _clients:
        _clients[url] = Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
    return _clients[url]


def invalidate(redis_url: str, reason: str = "") -> None:
    try:
        _redis(redis_url).incr(GEN_KEY)
    except RedisError:
        log.warning("cache invalidation skipped (%s): Redis unavailable", reason)


def cached(redis_url: str, name: str, params: dict[str, Any], compute: Callable[[], Any],
           use_cache: bool = True) -> tuple[Any, bool]:
    """(result, hit)."""
    if not use_cache:
        return compute(), False
    r = _redis(redis_url)
    try:
        gen = int(r.get(GEN_KEY) or 0)
        digest = hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()[:32]
        key = f"senw:cache:{name}:{gen}:{digest}"
        raw = r.get(key)
        if raw is not None:
            return json.loads(raw), True
    except RedisError:
        return compute(), False
    value = compute()
    try:
        r.set(key, json.dumps(value, default=str), ex=TTL)
    except RedisError:
        pass
    return value, False
