"""Map tile server stand-in: GET /{z}/{x}/{y}.png answers a 256x256 PNG, as
slippy-map tile servers do (the URL template a site configures in CRM
Settings); anything else is 404. Records the tiles asked for."""
from __future__ import annotations

import re
import struct
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_TILE = re.compile(r"^/(\d+)/(\d+)/(\d+)\.png$")


def _png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + bytes(rgb) * width
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(row * height)) + chunk(b"IEND", b""))


class TileStandIn:
    def __init__(self) -> None:
        self.tiles: list[tuple[int, int, int]] = []
        self._lock = threading.Lock()
        png = _png(256, 256, (222, 232, 214))
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                m = _TILE.match(self.path.split("?", 1)[0])
                if not m:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                with stand_in._lock:
                    stand_in.tiles.append((int(m.group(1)), int(m.group(2)), int(m.group(3))))
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(png)))
                self.send_header("Access-Control-Allow-Origin", "*")
                self.end_headers()
                self.wfile.write(png)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.template = self.url + "/{z}/{x}/{y}.png"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True, name="tiles-standin")

    def start(self) -> TileStandIn:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
