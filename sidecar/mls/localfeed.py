"""The local RESO Web API feed: a small threaded OData server for development
and tests, run as `python -m sidecar.mls.localfeed --port N` or in a thread.

Serves generated listings (sidecar.mls.feeddata) with OAuth2 client
credentials, $metadata, $filter/$orderby/$top/$skip/$select/$count/$expand,
@odata.nextLink and `Prefer: odata.maxpagesize`. Admin endpoints (POST
/admin/...) change, delete and inject records and make the feed misbehave on
purpose (429 with Retry-After, 5xx, expired next links). Bind it to localhost
only: the admin endpoints have no authentication.
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import secrets
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlencode, urlsplit
from xml.sax.saxutils import escape

from . import dd, mapping
from .feeddata import (
    FeedData,
    QueryError,
    decode_token,
    encode_token,
    extreme_listing,
    listing_candidates,
    media_keys,
    parse_node,
    parse_order,
    public_record,
    scan,
    static_query,
)
from .feeds import LOCAL_CLIENT_ID, LOCAL_CLIENT_SECRET

KEY_FIELDS = {"Property": "ListingKey", "Media": "MediaKey", "Member": "MemberKey",
              "Office": "OfficeKey", "OpenHouse": "OpenHouseKey"}
EXTRA_PROPERTY_FIELDS = {"LivingAreaUnits": "Edm.String", "SENW_WaterfrontYN": "Edm.Boolean"}
# Media fields the CRM does not map (kept in the media row's extra)
EXTRA_MEDIA_FIELDS = ("ImageWidth", "ImageHeight")


class LocalFeed:
    """One feed: its data, its misbehaviour switches and its HTTP server."""

    def __init__(self, count: int = 300, seed: int = 7, host: str = "127.0.0.1", port: int = 0,
                 require_auth: bool = True, token_ttl: int = 3600, max_page_size: int = 1000,
                 default_page_size: int = 100, next_links: bool = True,
                 lookup_style: str = "mixed", page_delay: float = 0.0):
        self.server = ThreadingHTTPServer((host, port), _Handler)
        self.server.daemon_threads = True
        self.server.feed = self  # type: ignore[attr-defined]
        self.data = FeedData(count=count, seed=seed, public_url=self.url,
                             lookup_style=lookup_style)
        self.require_auth = require_auth
        self.token_ttl = token_ttl
        self.max_page_size = max_page_size
        self.default_page_size = default_page_size
        self.next_links = next_links
        # a slow server: seconds spent on each Property page
        self.page_delay = page_delay
        # the EntityEvent resource (RESO's change log) is offered
        self.entity_events = False
        # a slow $expand: seconds per listing whose Media are expanded
        self.expand_delay = 0.0
        # "token" ($skiptoken: a position) or "skip" ($skip: an offset, which
        # skips records that move while a client pages)
        self.next_link_style = "token"
        # False: a $filter comparing ListingKey (key-set paging) answers 400
        self.keyset_filters = True
        # a token stops working after this many requests (0: at its expiry only)
        self.token_max_requests = 0
        self.token_uses: dict[str, int] = {}
        self.tokens: dict[str, float] = {}
        self.faults: deque[dict[str, Any]] = deque()
        self.expire_next_links = 0
        self.lock = threading.Lock()
        # records: served per resource; listings_by_token: Property records
        # served per access token (which client got what)
        self.stats: dict[str, Any] = {"tokens_issued": 0, "requests": {}, "records": {},
                                      "listings_by_token": {}, "queries": []}
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> LocalFeed:
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True,
                                        name="localfeed")
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- misbehaviour switches ---------------------------------------------------

    def add_faults(self, *faults: dict[str, Any]) -> None:
        """Answer the next OData requests with these, e.g. {"status": 429,
        "retry_after": 1} or {"status": 503}."""
        with self.lock:
            self.faults.extend(faults)

    # what /admin/behaviour switches, with the type each takes
    BEHAVIOURS: ClassVar[dict[str, type]] = {
        "entity_events": bool, "page_delay": float, "expand_delay": float,
        "next_link_style": str, "keyset_filters": bool, "token_max_requests": int}

    def behaviour(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.BEHAVIOURS}

    def set_behaviour(self, values: dict[str, Any]) -> None:
        for name, value in values.items():
            kind = self.BEHAVIOURS[name]
            if kind is float and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            if not isinstance(value, kind):
                raise TypeError(f"{name} takes a {kind.__name__}")
        for name, value in values.items():
            setattr(self, name, self.BEHAVIOURS[name](value))

    def revoke_tokens(self) -> None:
        with self.lock:
            self.tokens.clear()

    def count(self, what: str, resource: str, n: int = 1) -> None:
        with self.lock:
            self.stats[what][resource] = self.stats[what].get(resource, 0) + n

    # -- OData -------------------------------------------------------------------

    def query(self, resource: str, params: dict[str, str], prefer: int | None
              ) -> dict[str, Any]:
        if resource not in KEY_FIELDS and resource != "EntityEvent":
            raise LookupError(resource)
        if resource == "Property" and self.page_delay:
            time.sleep(self.page_delay)
        if resource == "EntityEvent":
            if not self.entity_events:
                raise LookupError(resource)
            return self.data.event_page(params, max(1, min(int(params.get("$top") or 1000),
                                                           self.max_page_size)))
        if resource == "Property" and not self.keyset_filters and \
                "ListingKey gt" in params.get("$filter", ""):
            raise QueryError("$filter on ListingKey is not supported here")
        top = int(params["$top"]) if params.get("$top") else (prefer or self.default_page_size)
        top = max(1, min(top, self.max_page_size))
        with self.lock:
            self.stats["queries"].append({"resource": resource, **params})
            del self.stats["queries"][:-200]
        select = [f.strip() for f in params["$select"].split(",")] if params.get("$select") \
            else None
        with self.data.lock:
            if resource == "Property":
                body = self._listings(params, top, select)
            else:
                body = self._other(resource, params, top)
        records = body["value"]
        if select:
            body["value"] = [{f: r.get(f) for f in select} for r in records]
        self.count("records", resource, len(records))
        return body

    def _listings(self, params: dict[str, str], top: int, select: list[str] | None
                  ) -> dict[str, Any]:
        node = parse_node(params)
        order = parse_order("ListingKey", params.get("$orderby", ""))
        after = decode_token(params["$skiptoken"]) if params.get("$skiptoken") else None
        skip = int(params.get("$skip") or 0)
        page, more = scan(listing_candidates(self.data, node, order, after), node, skip, top)
        light = select is not None and set(select) <= {"ListingKey", "ModificationTimestamp"}
        records = [{f: lazy.get(f) for f in select} if light and select else
                   public_record(lazy.full()) for _, lazy in page]
        if "Media" in params.get("$expand", "") and not light:
            if self.expand_delay:
                time.sleep(self.expand_delay * len(records))
            for rec, (_, lazy) in zip(records, page, strict=True):
                rec["Media"] = self.data.media_of(lazy.full())
        body: dict[str, Any] = {"value": records}
        if params.get("$count") == "true":
            body["@odata.count"] = sum(
                1 for _, lazy in listing_candidates(self.data, node, order, None)
                if node is None or _matches(node, lazy))
        if more and page:
            body["next"] = list(page[-1][0])
        return body

    def _other(self, resource: str, params: dict[str, str], top: int) -> dict[str, Any]:
        key_field = KEY_FIELDS[resource]
        if resource == "Media":
            keys = media_keys(params)
            listing_keys = sorted(keys) if keys is not None else self.data.live_keys()
            pool = [m for k in listing_keys for m in self._media_for_key(k)]
        elif resource == "Member":
            pool = self.data.members()
        elif resource == "Office":
            pool = self.data.offices()
        else:
            pool = self.data.open_houses()
        records, nxt, count = static_query(pool, key_field, params, top)
        body: dict[str, Any] = {"value": records}
        if count is not None:
            body["@odata.count"] = count
        if nxt is not None:
            body["next"] = nxt
        return body

    def _media_for_key(self, key: str) -> list[dict[str, Any]]:
        rec = self.data.by_listing_key(key)
        return [] if rec is None else self.data.media_of(rec)

    def metadata(self) -> str:
        """$metadata as a certified server writes it: each field with its Data
        Dictionary type and facets (MaxLength, Precision, Scale)."""
        def prop(name: str, f: dd.DDField | None) -> str:
            if f is None:
                return f'<Property Name="{escape(name)}" Type="Edm.String"/>'
            if f.type in ("enum StandardStatus", "enum PropertyType"):
                edm = f"senw.enums.{f.type[5:]}"
            else:
                edm = f.edm
            facets = ""
            if f.max_length is not None and edm == "Edm.String":
                facets += f' MaxLength="{f.max_length}"'
            if f.precision is not None:
                facets += f' Precision="{f.precision}" Scale="{f.scale}"'
            return f'<Property Name="{escape(name)}" Type="{edm}"{facets}/>'

        types = []
        resources = dict(dd.RESOURCES)
        if self.entity_events:
            resources["EntityEvent"] = dd.ENTITY_EVENT
        for res, fields in resources.items():
            rmap = mapping.RESOURCES.get(res)
            names = list(rmap.fields) if rmap else list(fields)
            props = [prop(n, fields.get(n)) for n in names]
            if res == "Property":
                props += [f'<Property Name="{n}" Type="{t}"/>'
                          for n, t in EXTRA_PROPERTY_FIELDS.items()]
                props.append('<NavigationProperty Name="Media" Type="Collection(senw.Media)"/>')
            if res == "Media":
                props += [f'<Property Name="{n}" Type="Edm.Int64"/>' for n in EXTRA_MEDIA_FIELDS]
            key = KEY_FIELDS.get(res, "EntityEventSequence")
            types.append(f'<EntityType Name="{res}"><Key><PropertyRef Name="{key}"/></Key>'
                         + "".join(props) + "</EntityType>")
        enums = []
        for lookup in (mapping.PROPERTY.fields["StandardStatus"],
                       mapping.PROPERTY.fields["PropertyType"]):
            assert isinstance(lookup, mapping.Lookup)
            members = "".join(f'<Member Name="{mapping.member_name(v)}" Value="{i}">'
                              f'<Annotation Term="RESO.OData.Metadata.StandardName" '
                              f'String="{escape(v)}"/></Member>'
                              for i, v in enumerate(lookup.values))
            enums.append(f'<EnumType Name="{lookup.name}">{members}</EnumType>')
        sets = "".join(f'<EntitySet Name="{r}" EntityType="senw.{r}"/>' for r in resources)
        return ('<?xml version="1.0" encoding="utf-8"?>'
                '<edmx:Edmx xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx" Version="4.0">'
                '<edmx:DataServices>'
                '<Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" Namespace="senw">'
                + "".join(types) + '<EntityContainer Name="Default">' + sets
                + '</EntityContainer></Schema>'
                '<Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" Namespace="senw.enums">'
                + "".join(enums) + "</Schema></edmx:DataServices></edmx:Edmx>")


def _matches(node: Any, lazy: Any) -> bool:
    from .odata import evaluate

    return evaluate(node, lazy.get)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "SENWLocalRESO/1.0"

    @property
    def feed(self) -> LocalFeed:
        return self.server.feed  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:
        if os.environ.get("SENW_FEED_LOG"):
            super().log_message(format, *args)

    def _send(self, status: int, body: Any, ctype: str = "application/json",
              headers: dict[str, str] | None = None) -> None:
        raw = body if isinstance(body, bytes) else (
            body.encode() if isinstance(body, str) else json.dumps(body).encode())
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(raw)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(raw)

    def _error(self, status: int, code: str, message: str,
               headers: dict[str, str] | None = None) -> None:
        self._send(status, {"error": {"code": code, "message": message}}, headers=headers)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _json_body(self) -> dict[str, Any]:
        raw = self._body()
        return json.loads(raw) if raw else {}

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        path = parts.path.rstrip("/")
        if path in ("", "/health"):
            return self._send(200, {"status": "ok", "listings": len(self.feed.data.entries)})
        if path.startswith("/media/"):
            return self._photo(path)
        if path == "/admin/stats":
            return self._send(200, {k: v for k, v in self.feed.stats.items() if k != "queries"})
        if not path.startswith("/odata"):
            return self._error(404, "NotFound", "no such path")
        if not self._authorized():
            self.feed.count("requests", "401")
            return self._error(401, "invalid_token", "a valid bearer token is required",
                               {"WWW-Authenticate": 'Bearer error="invalid_token"'})
        resource = path[len("/odata/"):]
        self.feed.count("requests", resource or "/")
        with self.feed.lock:
            fault = self.feed.faults.popleft() if self.feed.faults else None
        if fault:
            headers = {"Retry-After": str(fault["retry_after"])} if "retry_after" in fault else {}
            return self._error(int(fault["status"]), "Injected", "failing on purpose", headers)
        if resource == "$metadata":
            return self._send(200, self.feed.metadata(), "application/xml")
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        if params.get("$skiptoken"):
            with self.feed.lock:
                expired = self.feed.expire_next_links > 0
                self.feed.expire_next_links -= int(expired)
            if expired:
                return self._error(410, "SkipTokenExpired", "this next link has expired")
        prefer = None
        for pref in (self.headers.get("Prefer") or "").split(","):
            name, _, value = pref.strip().partition("=")
            if name == "odata.maxpagesize" and value.isdigit():
                prefer = int(value)
        try:
            body = self.feed.query(resource, params, prefer)
        except LookupError:
            return self._error(404, "NotFound", f"no resource {resource!r}")
        except (QueryError, ValueError) as exc:
            return self._error(400, "BadRequest", str(exc))
        if resource == "Property":
            token = (self.headers.get("Authorization") or "")[7:]
            self.feed.count("listings_by_token", token, len(body["value"]))
        nxt = body.pop("next", None)
        out = {"@odata.context": f"{self.feed.url}/odata/$metadata#{resource}", **body}
        if nxt is not None and self.feed.next_links:
            keep = {k: v for k, v in params.items() if k not in ("$skip", "$skiptoken", "$count")}
            if self.feed.next_link_style == "skip" and resource != "EntityEvent":
                # by position: what moves meanwhile shifts the rest
                keep["$skip"] = str(int(params.get("$skip") or 0) + len(body["value"]))
                if params.get("$top"):
                    keep["$top"] = params["$top"]
            else:
                keep["$skiptoken"] = encode_token(nxt)
            out["@odata.nextLink"] = f"{self.feed.url}/odata/{resource}?{urlencode(keep)}"
        applied = {"Preference-Applied": f"odata.maxpagesize={prefer}"} if prefer else None
        self._send(200, out, headers=applied)

    def do_POST(self) -> None:
        path = urlsplit(self.path).path.rstrip("/")
        if path == "/oauth/token":
            return self._token()
        if not path.startswith("/admin/"):
            return self._error(404, "NotFound", "no such path")
        try:
            body = self._json_body()
        except ValueError:
            return self._error(400, "BadRequest", "body must be JSON")
        feed, data = self.feed, self.feed.data
        if path == "/admin/change":
            stamp = data.change(body["keys"], body.get("set", {}))
            return self._send(200, {"ModificationTimestamp": stamp})
        if path == "/admin/change-many":
            keys = data.live_keys()[:: max(1, len(data.live_keys()) // int(body["count"]))]
            keys = keys[: int(body["count"])]
            for n, key in enumerate(keys):
                price = data.listing(key).get("ListPrice") or 0
                data.change([key], {"ListPrice": price + 1000 + n % 7})
            return self._send(200, {"changed": len(keys)})
        if path == "/admin/delete":
            how = body.get("how", "vanish")
            if how == "vanish":
                data.vanish(body["keys"])
            elif how == "status":
                data.change(body["keys"], {"StandardStatus": "Delete"})
            else:
                data.change(body["keys"], {"InternetEntireListingDisplayYN": False})
            return self._send(200, {"ok": True})
        if path == "/admin/inject":
            return self._send(200, {"id": data.inject(body["record"], body.get("media"))})
        if path == "/admin/inject-extreme":
            key = str(body.get("key") or "XTREME0001")
            with data.lock:
                rec, media = extreme_listing(key, data._tick())
            data.inject(rec, media)
            return self._send(200, {"ListingKey": key})
        if path == "/admin/behaviour":
            try:
                feed.set_behaviour(body)
            except (KeyError, TypeError, ValueError) as exc:
                return self._error(400, "BadRequest", str(exc))
            return self._send(200, feed.behaviour())
        if path == "/admin/faults":
            feed.add_faults(*body.get("faults", []))
            with feed.lock:
                feed.expire_next_links += int(body.get("expire_next_links", 0))
            return self._send(200, {"ok": True})
        if path == "/admin/revoke-tokens":
            feed.revoke_tokens()
            return self._send(200, {"ok": True})
        return self._error(404, "NotFound", "no such admin action")

    def _token(self) -> None:
        form = dict(parse_qsl(self._body().decode()))
        client_id, client_secret = form.get("client_id", ""), form.get("client_secret", "")
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            try:
                client_id, _, client_secret = base64.b64decode(auth[6:]).decode().partition(":")
            except ValueError:
                pass
        if form.get("grant_type") != "client_credentials":
            return self._send(400, {"error": "unsupported_grant_type"})
        if not (secrets.compare_digest(client_id, LOCAL_CLIENT_ID)
                and secrets.compare_digest(client_secret, LOCAL_CLIENT_SECRET)):
            return self._send(401, {"error": "invalid_client"})
        token = secrets.token_hex(20)
        feed = self.feed
        with feed.lock:
            feed.tokens[token] = time.monotonic() + feed.token_ttl
            feed.stats["tokens_issued"] += 1
        self._send(200, {"access_token": token, "token_type": "Bearer",
                         "expires_in": feed.token_ttl})

    def _authorized(self) -> bool:
        if not self.feed.require_auth:
            return True
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            return False
        token = auth[7:]
        with self.feed.lock:
            expires = self.feed.tokens.get(token)
            uses = self.feed.token_uses[token] = self.feed.token_uses.get(token, 0) + 1
            if self.feed.token_max_requests and uses > self.feed.token_max_requests:
                self.feed.tokens.pop(token, None)
                expires = None
        return expires is not None and expires > time.monotonic()

    def _photo(self, path: str) -> None:
        parts = path.split("/")
        label = escape(parts[-1] if len(parts) > 3 else "")
        hue = sum(path.encode()) % 360
        svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="640" height="427" '
               f'viewBox="0 0 640 427"><rect width="640" height="427" '
               f'fill="hsl({hue},45%,62%)"/><path d="M170 300 L320 170 L470 300 Z" '
               f'fill="hsl({hue},35%,35%)"/><rect x="220" y="300" width="200" height="90" '
               f'fill="hsl({hue},30%,85%)"/><text x="20" y="40" font-size="28" '
               f'font-family="sans-serif" fill="#fff">Photo {label}</text></svg>')
        self._send(200, svg, "image/svg+xml", {"Cache-Control": "max-age=86400"})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sidecar.mls.localfeed")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8070)
    parser.add_argument("--listings", type=int,
                        default=int(os.environ.get("SENW_FEED_LISTINGS", "300")))
    parser.add_argument("--seed", type=int, default=int(os.environ.get("SENW_FEED_SEED", "7")))
    parser.add_argument("--max-page-size", type=int, default=1000)
    parser.add_argument("--no-auth", action="store_true", help="do not require OAuth2")
    args = parser.parse_args(argv)
    feed = LocalFeed(count=args.listings, seed=args.seed, host=args.host, port=args.port,
                     require_auth=not args.no_auth, max_page_size=args.max_page_size)
    print(f"local RESO feed on {feed.url}/odata ({args.listings} listings)", flush=True)
    try:
        feed.server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
