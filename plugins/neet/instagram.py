"""Reading the reach of the Touch'N'Go Instagram pages with instaloader.

Two ways in, the same instaloader structures out:

* **live**: ``instaloader.Profile.from_username`` and the profile's posts, newest first, read until
  the posts are older than the window;
* **saved**: a directory of instaloader JSON structures, as ``instaloader.save_structure_to_file``
  writes them (and as ``instaloader --no-pictures --no-videos <profile>`` leaves them):
  ``<source_dir>/<username>/`` holds one ``Profile`` structure and any number of ``Post`` structures,
  ``.json`` or ``.json.xz``. They are loaded with ``instaloader.load_structure_from_file`` and read
  through the very same ``Profile`` and ``Post`` properties, with a context that refuses to go online:
  a saved structure that lacks a figure is an error, never a silent request to Instagram.

Only public, aggregate figures of the centre's own pages are read: followers, number of posts, and
the likes and comments of recent posts. Nothing about the people who follow or like is kept.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from instaloader import InstaloaderContext, Post, Profile

#: The figures stored per profile and day (``OnlineMetric.metric``).
METRICS = ("followers", "posts", "likes_30d", "comments_30d")
WINDOW_DAYS = 30
#: Reading live, give up after this many posts even if they are all recent (a runaway page).
MAX_POSTS = 500
#: Pinned posts can be old and still come first: read this many old posts before stopping.
OLD_POSTS_BEFORE_STOP = 3


class InstagramError(RuntimeError):
    """A profile could not be read (unknown, private, offline structure missing a figure...)."""


@dataclass(frozen=True)
class PostFigures:
    shortcode: str
    taken_at: str  # ISO 8601, UTC
    likes: int
    comments: int

    @property
    def moment(self) -> datetime:
        return datetime.fromisoformat(self.taken_at)


@dataclass(frozen=True)
class ProfileFigures:
    """What was read from one profile: plain values, so that it travels between Prefect tasks."""

    username: str
    followers: int | None
    posts: int | None
    recent_posts: tuple[PostFigures, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ProfileFigures:
        posts = tuple(p if isinstance(p, PostFigures) else PostFigures(**p) for p in data.get("recent_posts", ()))
        return cls(
            username=data["username"], followers=data.get("followers"), posts=data.get("posts"), recent_posts=posts
        )


def source_of(username: str) -> str:
    """The ``OnlineMetric.source`` of a profile."""
    return f"instagram:{normalise_username(username)}"


def normalise_username(username: str) -> str:
    name = username.strip().lstrip("@").lower()
    if not name or any(not (ch.isalnum() or ch in "._") for ch in name):
        raise InstagramError(f"{username!r} is not an Instagram username")
    return name


def window_start(today: date, days: int = WINDOW_DAYS) -> date:
    """First day of the window of ``days`` days that ends with ``today``."""
    return today - timedelta(days=days - 1)


# ------------------------------------------------------------------------------------------------
# The figures, from instaloader structures


def _post_figures(post: Post) -> PostFigures:
    # date_local is aware (date_utc is naive), so the instant is unambiguous.
    taken_at = post.date_local.astimezone(UTC)
    return PostFigures(
        shortcode=post.shortcode,
        taken_at=taken_at.isoformat(),
        likes=max(int(post.likes or 0), 0),
        comments=max(int(post.comments or 0), 0),
    )


def _mediacount(profile: Profile, offline: bool) -> int | None:
    """Number of posts; ``None`` when Instagram does not say (instaloader >= 4.16).

    ``save_structure_to_file`` drops ``edge_owner_to_timeline_media`` from a saved profile (it would
    hold posts), so offline the count comes from the ``media_count`` the profile page gave, which
    the saved node keeps.
    """
    import instaloader

    try:
        return profile.mediacount
    except instaloader.ConnectionException:
        if not offline:
            raise
    node = instaloader.get_json_structure(profile)["node"]
    for key in ("media_count", "all_media_count"):
        if isinstance(node.get(key), int):
            return node[key]
    return None


def _figures(profile: Profile, posts: Iterable[Post], offline: bool = False) -> ProfileFigures:
    followers = profile.followers
    mediacount = _mediacount(profile, offline)
    return ProfileFigures(
        username=profile.username,
        followers=None if followers is None else int(followers),
        posts=None if mediacount is None else int(mediacount),
        recent_posts=tuple(sorted((_post_figures(p) for p in posts), key=lambda p: p.taken_at, reverse=True)),
    )


def _offline_context() -> InstaloaderContext:
    """An instaloader context for saved structures: any attempt to reach Instagram raises."""
    import instaloader

    class OfflineContext(instaloader.InstaloaderContext):
        def _refuse(self, *_args: Any, **_kwargs: Any) -> Any:
            raise instaloader.ConnectionException("reading saved structures: Instagram is not queried")

        get_json = get_iphone_json = get_page_data = graphql_query = doc_id_graphql_query = _refuse
        graphql_node_list = get_raw = head = login = _refuse

    return OfflineContext(sleep=False, quiet=True, max_connection_attempts=1, iphone_support=False)


def _structure_files(directory: Path) -> Iterator[Path]:
    for path in sorted(directory.iterdir()):
        if path.is_file() and path.name.endswith((".json", ".json.xz")):
            yield path


def read_saved(source_dir: str | os.PathLike[str], username: str, since: date | None = None) -> ProfileFigures:
    """Read ``<source_dir>/<username>/``: one saved ``Profile`` structure and its saved ``Post`` ones.

    ``since`` keeps only posts taken on or after that (UTC) day; the window is applied again later
    in the centre's time zone, this only trims what travels.
    """
    import instaloader

    name = normalise_username(username)
    directory = Path(source_dir) / name
    if not directory.is_dir():
        raise InstagramError(f"no saved structures for {name!r}: {directory} is not a directory")
    context = _offline_context()
    profile: Profile | None = None
    posts: list[Post] = []
    try:
        for path in _structure_files(directory):
            try:
                structure = instaloader.load_structure_from_file(context, str(path))
            except (ValueError, KeyError, AssertionError, instaloader.InvalidArgumentException):
                continue  # not an instaloader structure (a resume file, something else)
            if isinstance(structure, instaloader.Profile):
                if profile is not None:
                    raise InstagramError(f"{directory} holds two profile structures")
                profile = structure
            elif isinstance(structure, instaloader.Post):
                posts.append(structure)
        if profile is None:
            raise InstagramError(f"{directory} holds no saved Profile structure")
        if profile.username != name:
            raise InstagramError(f"{directory} holds the profile of {profile.username!r}, not {name!r}")
        if since is not None:
            posts = [p for p in posts if p.date_local.astimezone(UTC).date() >= since]
        return _figures(profile, posts, offline=True)
    except instaloader.ConnectionException as exc:
        raise InstagramError(f"the saved structures of {name!r} lack a figure: {exc}") from exc
    finally:
        context.close()


def read_live(username: str, since: date) -> ProfileFigures:
    """Read a profile from Instagram, with the posts taken on or after ``since`` (UTC day).

    Anonymous by default; ``TREMPLIN_INSTAGRAM_SESSION_USER`` names an account whose instaloader
    session file (``instaloader --login``) is used instead, which Instagram throttles less.
    """
    import instaloader

    name = normalise_username(username)
    loader = instaloader.Instaloader(
        quiet=True,
        # One attempt per read: the flow's task retries with backoff (``RETRY_DELAYS_ENV``), where
        # Prefect shows each attempt, instead of instaloader waiting in silence after a 429.
        max_connection_attempts=1,
        download_pictures=False,
        download_videos=False,
        download_video_thumbnails=False,
        save_metadata=False,
        compress_json=False,
    )
    session_user = os.environ.get("TREMPLIN_INSTAGRAM_SESSION_USER")
    try:
        if session_user:
            loader.load_session_from_file(session_user)
        profile = instaloader.Profile.from_username(loader.context, name)
        recent: list[Post] = []
        old_in_a_row = 0
        for index, post in enumerate(profile.get_posts()):
            if index >= MAX_POSTS:
                break
            if post.date_local.astimezone(UTC).date() >= since:
                recent.append(post)
                old_in_a_row = 0
            else:
                old_in_a_row += 1
                if old_in_a_row >= OLD_POSTS_BEFORE_STOP:
                    break
        return _figures(profile, recent)
    except instaloader.InstaloaderException as exc:
        raise InstagramError(f"could not read the Instagram profile {name!r}: {exc}") from exc
    finally:
        loader.close()


# ------------------------------------------------------------------------------------------------
# From figures to metrics


def reach(
    figures: ProfileFigures, today: date, tz: ZoneInfo | str = "Europe/Brussels", days: int = WINDOW_DAYS
) -> dict[str, int]:
    """The metrics of one profile on ``today``: followers, posts, likes and comments of the window.

    The window is the ``days`` local days ending with ``today`` (in ``tz``), so a post published at
    00:30 in Brussels counts on the Brussels day. A figure Instagram did not give is left out rather
    than stored as 0.
    """
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    first = window_start(today, days)
    in_window = [p for p in figures.recent_posts if first <= p.moment.astimezone(zone).date() <= today]
    metrics: dict[str, int] = {}
    if figures.followers is not None:
        metrics["followers"] = figures.followers
    if figures.posts is not None:
        metrics["posts"] = figures.posts
    metrics["likes_30d"] = sum(p.likes for p in in_window)
    metrics["comments_30d"] = sum(p.comments for p in in_window)
    return metrics
