"""Static files under names that change with their content, compressed once, cached for a year.

``asset_url("field.js")`` gives ``/assets/<hash>/field.js``, where ``<hash>`` is the first characters of
the file's SHA-256. A browser keeps such a file for a year without asking again (``immutable``): when
the file changes, its URL changes, so a page never mixes an old script with a new stylesheet. Each file
is read and gzip-compressed once, when the app starts; a browser that accepts gzip gets the compressed
bytes. A URL naming an old hash (a page cached before a deployment) is sent on to the current one.

The service worker of the field pages lists these URLs and takes its version from them
(``tremplin.core.web.routes.field``): a new deployment with a changed file installs a new worker.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

STATIC = Path(__file__).with_name("static")
PREFIX = "/assets"
#: A year: the longest lifetime caches honour.
IMMUTABLE = "public, max-age=31536000, immutable"
#: Worth compressing (images are compressed already).
COMPRESSIBLE = (".css", ".js", ".json", ".svg", ".html", ".txt", ".webmanifest")

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Asset:
    name: str
    digest: str
    body: bytes
    gzipped: bytes | None
    media_type: str

    @property
    def url(self) -> str:
        return f"{PREFIX}/{self.digest}/{self.name}"


def _load(path: Path, name: str) -> Asset:
    body = path.read_bytes()
    digest = hashlib.sha256(body).hexdigest()[:12]
    media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if name.endswith(".webmanifest"):
        media_type = "application/manifest+json"
    if media_type.startswith("text/") or media_type.endswith(("javascript", "json")):
        media_type += "; charset=utf-8"
    gzipped = gzip.compress(body, compresslevel=9, mtime=0) if name.endswith(COMPRESSIBLE) else None
    if gzipped is not None and len(gzipped) >= len(body):
        gzipped = None
    return Asset(name, digest, body, gzipped, media_type)


@lru_cache(maxsize=1)
def catalogue() -> dict[str, Asset]:
    """Every file of the core's static folder, by its name in that folder."""
    return {
        path.relative_to(STATIC).as_posix(): _load(path, path.relative_to(STATIC).as_posix())
        for path in sorted(STATIC.rglob("*"))
        if path.is_file()
    }


def asset_url(name: str) -> str:
    """The fingerprinted URL of a file of ``core/web/static`` (``KeyError`` for a file that is not there)."""
    return catalogue()[name].url


def fingerprint(names: list[str]) -> str:
    """One hash for a set of assets: it changes when any of them does."""
    joined = "|".join(f"{name}={catalogue()[name].digest}" for name in sorted(names))
    return hashlib.sha256(joined.encode()).hexdigest()[:12]


def accepts_gzip(request: Request) -> bool:
    return "gzip" in request.headers.get("accept-encoding", "").lower()


@router.get(PREFIX + "/{digest}/{name:path}")
def serve(digest: str, name: str, request: Request) -> Response:
    asset = catalogue().get(name)
    if asset is None:
        return Response(status_code=404)
    if digest != asset.digest:
        # A page from before a deployment: the file it names has changed since. Send it on, uncached.
        return RedirectResponse(asset.url, status_code=307, headers={"cache-control": "no-store"})
    headers = {"cache-control": IMMUTABLE, "vary": "accept-encoding", "etag": f'"{asset.digest}"'}
    if request.headers.get("if-none-match") == f'"{asset.digest}"':
        return Response(status_code=304, headers=headers)
    if asset.gzipped is not None and accepts_gzip(request):
        headers["content-encoding"] = "gzip"
        return Response(asset.gzipped, media_type=asset.media_type, headers=headers)
    return Response(asset.body, media_type=asset.media_type, headers=headers)
