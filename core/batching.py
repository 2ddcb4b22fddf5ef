"""Group commit for contacts logged at the same moment: many callers, one transaction, one roll-up update.

Fifty phones posting contacts to the API at once, or a thousand people talking to the bot, would
otherwise each pay for a transaction, a lookup of the centres and sites and an update of some hundred
roll-up rows; on SQLite they would also queue for the single write lock one by one. The API's contact
route and the bot's conversations (``log_contact_batched``) both write through the app's batcher.

``ContactBatcher.log`` puts the contact in a queue and, if no
request is writing, becomes the writer: it takes what is waiting (up to ``max_batch``), validates each
contact exactly as ``tremplin.core.records.log_contact`` does (a shared ``Cleaner``), adds the valid ones, flushes
once (the roll-up listener sums the whole batch into one upsert), fires ``contact_logged`` for each, and
commits. Then it wakes the requests it wrote for and hands the writing over to the next one waiting,
so no request writes for others for longer than one batch. Under light load a batch is one contact:
nothing waits for a batch to fill.

Under steady load (the previous batch ended a moment ago) the writer first lingers ``linger`` seconds,
as PostgreSQL's ``commit_delay`` does, so that the contacts arriving meanwhile share its transaction.
A batch costs about as much for one contact as for ten (the roll-up upsert and the commit are most of
it), so at a few hundred contacts a second lingering 4 ms spends less time than it saves: without it
each batch holds one or two contacts, the process spends its whole core on per-batch costs, and the
requests queue.

Each contact keeps its own answer: an invalid one gets its ``RecordError`` (422) or ``PermissionError``
(403) while the others in the batch are written. If the batch's transaction fails as a whole, its
contacts are written again one by one with ``log_contact``, so one bad apple costs only itself.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tremplin.core.models import Contact, Staff
from tremplin.core.records import _check_staff_audience, check_contact, log_contact
from tremplin.core.validation import Cleaner, Lookup, RecordError

if TYPE_CHECKING:
    from tremplin.core.app import App

log = logging.getLogger("tremplin.records")

#: Seconds the centre and site codes read for a batch are used for the next batches.
LOOKUP_TTL = 1.0
#: Seconds a writer waits for more contacts when the previous batch ended less than ``STEADY`` ago.
LINGER = 0.004
#: A batch that ended this many seconds ago or less means contacts are arriving steadily.
STEADY = 0.05
#: The writer lingers only when fewer contacts than this are waiting: more already make a batch worth writing.
LINGER_BELOW = 4


@dataclass(eq=False)
class _Entry:
    values: dict[str, Any]
    attributes: dict[str, Any]
    #: The account logging it (the API), or ``None`` (the bot: nobody of the staff).
    staff: Staff | None
    form: str | None
    confirmed: bool
    loop: asyncio.AbstractEventLoop
    event: asyncio.Event = field(default_factory=asyncio.Event)
    done: bool = False
    #: The writing was handed over to this entry's request (set under the lock).
    handed: bool = False
    result: Contact | None = None
    error: BaseException | None = None


class ContactBatcher:
    """Writes contacts posted concurrently in shared transactions (one writer at a time per process)."""

    def __init__(self, app: App, max_batch: int = 200, linger: float = LINGER) -> None:
        self.app = app
        self.max_batch = max_batch
        self.linger = linger
        #: When the last batch was written (``time.monotonic()``): a recent one means steady load.
        self._last_batch = float("-inf")
        self._lock = threading.Lock()
        self._pending: deque[_Entry] = deque()
        self._writing = False
        self._cleaner: Cleaner | None = None
        self._lookup_until = 0.0
        self._codes: dict[int, str] = {}
        #: Sizes of the batches written, for the curious (bounded).
        self.batch_sizes: deque[int] = deque(maxlen=1000)

    async def log(
        self,
        values: Mapping[str, Any],
        attributes: Mapping[str, Any] | None,
        staff: Staff | None,
        form: str | None = None,
        confirmed: bool = False,
    ) -> Contact:
        """Validate and store one contact like ``log_contact`` (same errors), sharing the transaction."""
        entry = _Entry(dict(values), dict(attributes or {}), staff, form, confirmed, asyncio.get_running_loop())
        with self._lock:
            self._pending.append(entry)
            lead = not self._writing
            self._writing = True
        if not lead:
            try:
                await entry.event.wait()
            except asyncio.CancelledError:
                self._abandon(entry)
                raise
        if not entry.done:  # the writing was handed over to this request
            await self._lead(entry)
        if entry.error is not None:
            raise entry.error
        assert entry.result is not None
        return entry.result

    # -- the writer ---------------------------------------------------------------------------------

    async def _lead(self, own: _Entry) -> None:
        import anyio.to_thread

        try:
            while not own.done:
                if self.linger and len(self._pending) < LINGER_BELOW and time.monotonic() - self._last_batch < STEADY:
                    try:
                        await asyncio.sleep(self.linger)
                    except asyncio.CancelledError:
                        # The request went away while lingering: its contact is not written, and the
                        # writing passes on (``finally``) to a request that is still there.
                        with self._lock:
                            if own in self._pending:
                                self._pending.remove(own)
                        raise
                with self._lock:
                    batch = [self._pending.popleft() for _ in range(min(self.max_batch, len(self._pending)))]
                if not batch:  # pragma: no cover - own is always pending until written
                    break
                try:
                    await anyio.to_thread.run_sync(self._write, batch)
                finally:
                    self._last_batch = time.monotonic()
                    for entry in batch:
                        if entry is not own:
                            self._wake(entry)
        finally:
            self._hand_over()

    def _hand_over(self) -> None:
        with self._lock:
            successor = self._pending[0] if self._pending else None
            if successor is None:
                self._writing = False
            else:
                successor.handed = True
        if successor is not None:
            self._wake(successor)

    def _abandon(self, entry: _Entry) -> None:
        """A waiting request went away: take its contact out, and pass on the writing if it was handed it."""
        with self._lock:
            if entry not in self._pending:
                return  # being written, or written: nothing to undo
            self._pending.remove(entry)
            handed = entry.handed
        if handed:
            self._hand_over()

    @staticmethod
    def _wake(entry: _Entry) -> None:
        try:
            entry.loop.call_soon_threadsafe(entry.event.set)
        except RuntimeError:  # its loop is closed: the request is gone
            pass

    def _write(self, batch: list[_Entry]) -> None:
        """In a worker thread: validate every contact of ``batch``, write the valid ones together."""
        app = self.app
        self.batch_sizes.append(len(batch))
        session = app.session()
        added: list[tuple[_Entry, Contact]] = []
        try:
            read_now = self._cleaner is None or time.monotonic() >= self._lookup_until
            if read_now:
                self._load_codes(session)
            for entry in batch:
                try:
                    try:
                        record = self._clean(session, entry)
                    except RecordError as exc:
                        if read_now or not any(name in ("centre", "site") for name, _ in exc.errors):
                            raise
                        # A code the codes read a moment ago do not hold may be new: read them again.
                        self._load_codes(session)
                        read_now = True
                        record = self._clean(session, entry)
                    staff = entry.staff
                    _check_staff_audience(staff, record["audience"])
                    if staff is not None and staff.centre_id is not None and record["centre_id"] != staff.centre_id:
                        raise PermissionError(f"{staff.username} may not record for another centre")
                except (RecordError, PermissionError) as exc:
                    entry.error, entry.done = exc, True
                    continue
                contact = Contact(**record, staff_id=entry.staff.id if entry.staff is not None else None)
                session.add(contact)
                added.append((entry, contact))
            if added:
                session.flush()
                for _entry, contact in added:
                    app.hook.contact_logged(app=app, session=session, contact=contact)
            session.commit()
            for entry, contact in added:
                entry.result, entry.done = contact, True
        except Exception:
            session.rollback()
            log.info("a batch of %d contact(s) failed as a whole; writing them one by one", len(batch), exc_info=True)
            self._one_by_one([entry for entry in batch if not entry.done])
        finally:
            session.close()
            for entry in batch:
                if not entry.done:  # pragma: no cover - every path above settles every entry
                    entry.error, entry.done = RuntimeError("the contact was not written"), True

    def _load_codes(self, session: Any) -> None:
        """Read the centre and site codes. They change by hand, seldom: they are read at most once a
        second (``LOOKUP_TTL``), not for every batch, and again at once when a contact names a code
        they do not hold (a site just added in the administration)."""
        lookup = Lookup.load(self.app, session)
        if self._cleaner is None:
            self._cleaner = Cleaner(self.app, lookup)
        else:
            self._cleaner.lookup = lookup
        self._codes = {centre_id: code for code, centre_id in lookup.centres.items()}
        self._lookup_until = time.monotonic() + LOOKUP_TTL

    def _clean(self, session: Any, entry: _Entry) -> dict[str, Any]:
        values = entry.values
        if not values.get("centre") and entry.staff is not None and entry.staff.centre_id is not None:
            values["centre"] = self._codes.get(entry.staff.centre_id)
        return check_contact(
            self.app, session, values, entry.attributes, entry.form, cleaner=self._cleaner, confirmed=entry.confirmed
        )

    def _one_by_one(self, entries: list[_Entry]) -> None:
        for entry in entries:
            session = self.app.session()
            try:
                contact = log_contact(
                    self.app,
                    session,
                    entry.values,
                    entry.attributes,
                    staff=entry.staff,
                    form=entry.form,
                    confirmed=entry.confirmed,
                )
                session.commit()
                entry.result = contact
            except Exception as exc:  # each contact keeps its own answer
                session.rollback()
                entry.error = exc
            finally:
                entry.done = True
                session.close()


def batcher_of(app: App) -> ContactBatcher:
    """The app's batcher (one per process and app)."""
    batcher = app.__dict__.get("_web_contact_batcher")
    if batcher is None:
        batcher = app.__dict__.setdefault("_web_contact_batcher", ContactBatcher(app))
    return batcher


async def log_contact_batched(
    app: App, values: Mapping[str, Any], attributes: Mapping[str, Any] | None = None, form: str | None = None
) -> Contact:
    """``log_contact`` for async code (a bot's handler): the same rules and errors, the contact written in
    one transaction with those other callers log at the same moment, without blocking the event loop.
    Returns the contact, detached, its columns loaded (``id`` among them)."""
    return await batcher_of(app).log(values, attributes, None, form=form)
