"""The Touch'N'Go Instagram reach: saved instaloader structures in, OnlineMetric rows out.

The structures are written the way instaloader writes them: ``instaloader.save_structure_to_file`` on
``Profile`` and ``Post`` objects built from GraphQL-shaped nodes, and one file written by hand in the
same ``{"node": ..., "instaloader": {"node_type": ...}}`` format, LZMA-compressed as instaloader
compresses its metadata. The flow then loads them with ``load_structure_from_file`` and reads them
through instaloader's own properties; nothing goes online.
"""

from __future__ import annotations

import json
import lzma
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tremplin.core.app import App
from tremplin.core.models import OnlineMetric

BRUSSELS = ZoneInfo("Europe/Brussels")
USERNAME = "touchngo.bxl"


def profile_node(username: str = USERNAME, followers: int | None = 1520, posts: int = 214) -> dict:
    """A profile node as ``Profile.from_username`` builds it from the profile page (normalised)."""
    node = {
        "id": "4815162342",
        "pk": "4815162342",
        "username": username,
        "full_name": "Touch'N'Go Cité des métiers",
        "biography": "Jeunes 18-24 : orientation, formation, emploi.",
        "is_private": False,
        "is_verified": False,
        "media_count": posts,
        "following_count": 87,
        "edge_follow": {"count": 87},
        # Dropped by Profile._asdict() when saved: the count then comes from media_count.
        "edge_owner_to_timeline_media": {"count": posts},
        "edge_felix_video_timeline": {"count": 0},
        "profile_pic_url": "https://example.invalid/pic.jpg",
    }
    if followers is not None:
        node["follower_count"] = followers
        node["edge_followed_by"] = {"count": followers}
    return node


def post_node(shortcode: str, taken_at: datetime, likes: int, comments: int, username: str = USERNAME) -> dict:
    return {
        "__typename": "GraphImage",
        "id": str(abs(hash(shortcode)) % 10**18),
        "shortcode": shortcode,
        "taken_at_timestamp": int(taken_at.timestamp()),
        "is_video": False,
        "display_url": f"https://example.invalid/{shortcode}.jpg",
        "edge_media_preview_like": {"count": likes},
        "edge_media_to_comment": {"count": comments},
        "edge_media_to_caption": {"edges": [{"node": {"text": "Escape game ce mercredi !"}}]},
        "owner": {"id": "4815162342", "username": username},
    }


def write_structures(directory: Path, profile: dict, posts: list[dict], hand_written: dict | None = None) -> Path:
    """Save a profile and posts as instaloader does; ``hand_written`` goes in a .json.xz by hand."""
    import instaloader

    context = instaloader.InstaloaderContext(sleep=False, quiet=True)
    target = directory / profile["username"]
    target.mkdir(parents=True, exist_ok=True)
    instaloader.save_structure_to_file(
        instaloader.Profile(context, profile), str(target / f"{profile['username']}_{profile['id']}.json")
    )
    for node in posts:
        post = instaloader.Post(context, node)
        stamp = datetime.fromtimestamp(node["taken_at_timestamp"], UTC).strftime("%Y-%m-%d_%H-%M-%S")
        instaloader.save_structure_to_file(post, str(target / f"{stamp}_UTC.json"))
    if hand_written is not None:
        structure = {"node": hand_written, "instaloader": {"version": instaloader.__version__, "node_type": "Post"}}
        with lzma.open(target / f"{hand_written['shortcode']}_UTC.json.xz", "wt", check=lzma.CHECK_NONE) as fp:
            json.dump(structure, fp, separators=(",", ":"))
    (target / "id").write_text(profile["id"])  # instaloader leaves such files around: ignored
    context.close()
    return directory


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    now = datetime.now(UTC)
    posts = [
        post_node("CxRecent1", now - timedelta(days=1), likes=40, comments=3),
        post_node("CxRecent2", now - timedelta(days=10), likes=25, comments=5),
        post_node("CxOld0001", now - timedelta(days=45), likes=900, comments=90),
    ]
    hand = post_node("CxHandXz1", now - timedelta(days=20), likes=15, comments=2)
    return write_structures(tmp_path / "saved", profile_node(), posts, hand)


# ------------------------------------------------------------------------------------------------
# The tasks, as plain functions


def test_load_profile_reads_saved_structures(saved: Path) -> None:
    from tremplin.plugins.neet.flows import load_profile

    saved_profile = json.loads(next((saved / USERNAME).glob(f"{USERNAME}_*.json")).read_text())
    assert saved_profile["instaloader"]["node_type"] == "Profile"
    assert "edge_owner_to_timeline_media" not in saved_profile["node"]  # instaloader drops it on save
    figures = load_profile.fn(USERNAME, source_dir=str(saved), since=date.today() - timedelta(days=60))
    assert figures["username"] == USERNAME
    assert figures["followers"] == 1520
    assert figures["posts"] == 214
    assert [p["shortcode"] for p in figures["recent_posts"]] == ["CxRecent1", "CxRecent2", "CxHandXz1", "CxOld0001"]
    assert figures["recent_posts"][0]["likes"] == 40 and figures["recent_posts"][0]["comments"] == 3
    # ``since`` trims what travels between tasks.
    trimmed = load_profile.fn(USERNAME, source_dir=str(saved), since=date.today() - timedelta(days=31))
    assert "CxOld0001" not in [p["shortcode"] for p in trimmed["recent_posts"]]


def test_reach_counts_posts_of_the_last_30_brussels_days() -> None:
    from tremplin.plugins.neet.flows import reach_metrics

    today = date(2024, 3, 31)

    def post(code: str, when: datetime, likes: int, comments: int) -> dict:
        return {
            "shortcode": code,
            "taken_at": when.astimezone(UTC).isoformat(),
            "likes": likes,
            "comments": comments,
        }

    figures = {
        "username": USERNAME,
        "followers": 1000,
        "posts": 50,
        "recent_posts": [
            post("today", datetime(2024, 3, 31, 9, tzinfo=BRUSSELS), 10, 1),
            # The window is 2 to 31 March; 2 March 00:30 in Brussels is still 1 March in UTC.
            post("first-day", datetime(2024, 3, 2, 0, 30, tzinfo=BRUSSELS), 20, 2),
            post("day-before", datetime(2024, 3, 1, 23, 30, tzinfo=BRUSSELS), 400, 40),
            post("tomorrow", datetime(2024, 4, 1, 8, tzinfo=BRUSSELS), 3000, 300),
        ],
    }
    assert reach_metrics.fn(figures, today, "Europe/Brussels") == {
        "followers": 1000,
        "posts": 50,
        "likes_30d": 30,
        "comments_30d": 3,
    }
    # A post at 23:30 UTC on 1 March is already 2 March in Brussels: inside the window.
    figures["recent_posts"].append(post("utc-late", datetime(2024, 3, 1, 23, 30, tzinfo=UTC), 5, 5))
    assert reach_metrics.fn(figures, today, "Europe/Brussels")["likes_30d"] == 35
    # A figure Instagram did not give is left out, not stored as 0.
    figures["posts"] = None
    assert "posts" not in reach_metrics.fn(figures, today, "Europe/Brussels")


def test_saved_structure_lacking_a_figure_is_an_error_not_a_request(tmp_path: Path) -> None:
    from tremplin.plugins.neet.flows import load_profile
    from tremplin.plugins.neet.instagram import InstagramError

    directory = write_structures(tmp_path / "saved", profile_node(followers=None), [])
    with pytest.raises(InstagramError, match="lack a figure"):
        load_profile.fn(USERNAME, source_dir=str(directory))
    with pytest.raises(InstagramError, match="no saved structures"):
        load_profile.fn("someone.else", source_dir=str(directory))


def test_store_metrics_upserts(app: App, centre: int) -> None:
    from tremplin.plugins.neet.flows import store_metrics

    day = date(2024, 5, 2)
    assert store_metrics.fn(app.db.url, centre, day, "instagram:x", {"followers": 10, "posts": 2}) == 2
    assert store_metrics.fn(app.db.url, centre, day, "instagram:x", {"followers": 12, "likes_30d": 7}) == 2
    with app.session() as session:
        rows = {
            m.metric: m.value for m in session.scalars(select(OnlineMetric).where(OnlineMetric.source == "instagram:x"))
        }
    assert rows == {"followers": 12, "posts": 2, "likes_30d": 7}


# ------------------------------------------------------------------------------------------------
# The flow, under a real (throw-away) Prefect server


def test_instagram_reach_flow_stores_online_metrics(prefect_harness: None, app: App, centre: int, saved: Path) -> None:
    from tremplin.plugins.neet.flows import instagram_reach

    today = datetime.now(BRUSSELS).date()
    result = instagram_reach(profiles=[USERNAME], source_dir=str(saved), database_url=app.db.url)
    expected = {"followers": 1520, "posts": 214, "likes_30d": 40 + 25 + 15, "comments_30d": 3 + 5 + 2}
    assert result == {USERNAME: expected}

    # A second run on the same day replaces the figures instead of adding rows.
    write_structures(saved, profile_node(followers=1600, posts=215), [])
    instagram_reach(profiles=[USERNAME], source_dir=str(saved), database_url=app.db.url)
    with app.session() as session:
        rows = session.scalars(select(OnlineMetric).order_by(OnlineMetric.metric)).all()
    assert {(r.centre_id, r.day, r.source) for r in rows} == {(centre, today, f"instagram:{USERNAME}")}
    assert {r.metric: r.value for r in rows} == {**expected, "followers": 1600, "posts": 215}


def test_instagram_reach_flow_reports_a_missing_profile_after_storing_the_others(
    prefect_harness: None, app: App, centre: int, saved: Path
) -> None:
    from tremplin.plugins.neet.flows import instagram_reach

    with pytest.raises(RuntimeError, match="nobody.here"):
        instagram_reach(profiles=["nobody.here", USERNAME], source_dir=str(saved), database_url=app.db.url)
    with app.session() as session:
        sources = set(session.scalars(select(OnlineMetric.source)))
    assert sources == {f"instagram:{USERNAME}"}


# ------------------------------------------------------------------------------------------------
# Instagram answering 429: instaloader's own loading code, against a loopback server


class TooManyRequests:
    """A loopback HTTP server that answers every request 429, as Instagram does when it throttles."""

    def __init__(self) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        hits: list[str] = []
        self.hits = hits

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                hits.append(self.path)
                body = b'{"message": "Please wait a few minutes before you try again.", "status": "fail"}'
                self.send_response(429)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_GET  # noqa: N815

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def throttled(monkeypatch: pytest.MonkeyPatch) -> Iterator[TooManyRequests]:
    """Every request instaloader sends to Instagram goes to the loopback server instead (nothing leaves
    the machine): requests' adapter rewrites the address, instaloader's code is untouched."""
    from urllib.parse import urlsplit, urlunsplit

    import requests

    server = TooManyRequests()
    original = requests.adapters.HTTPAdapter.send

    def send(self, request, **kwargs):  # type: ignore[no-untyped-def]
        parts = urlsplit(request.url)
        if (parts.hostname or "").endswith("instagram.com"):
            request.url = urlunsplit(("http", f"127.0.0.1:{server.port}", parts.path, parts.query, ""))
        return original(self, request, **kwargs)

    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", send)
    yield server
    server.close()


def test_instagram_answering_429_is_retried_then_fails_clearly(
    prefect_harness: None, app: App, centre: int, throttled: TooManyRequests, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tremplin.flows.runner import collect, last_runs
    from tremplin.plugins.neet.flows import RETRY_DELAYS_ENV, instagram_reach

    monkeypatch.setenv(RETRY_DELAYS_ENV, "0.2,0.4")  # two retries, with backoff (seconds, for the test)
    with pytest.raises(RuntimeError) as failed:
        instagram_reach(profiles=[USERNAME], database_url=app.db.url)
    assert "1 Instagram profile(s) could not be read" in str(failed.value)
    assert USERNAME in str(failed.value) and "429" in str(failed.value)
    assert len(throttled.hits) == 3, f"one attempt and two retries, one request each: {throttled.hits}"
    with app.session() as session:
        assert session.scalars(select(OnlineMetric)).all() == [], "nothing stored"
    run = last_runs([item for item in collect(app) if item.name == "neet-instagram-reach"])["neet-instagram-reach"]
    assert run.state == "Failed" and "429" in run.message and USERNAME in run.message
