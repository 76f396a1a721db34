# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""What the local platforms of :mod:`.chorus_pro.simulator` and
:mod:`.pa.simulator` have in common.

Both play their records' events on a virtual clock (:class:`VirtualClock`),
which tests move by hand and demos let run faster than real time.
"""

import heapq
import itertools
import threading
import time
from datetime import datetime, timedelta, timezone


class VirtualClock:
    """A simulated platform's clock, and its agenda of events to play.

    Subclasses put events on the agenda with :meth:`_add_event` and play
    them in :meth:`tick`, as :meth:`_due_events` hands them over.

    :param step_seconds: virtual seconds between two events of a record.
    :param speed: virtual seconds per real second (0: the clock only moves
        when :meth:`advance` is called).
    :param start: the virtual time at start, now by default.
    """

    def __init__(self, *, step_seconds=60, speed=0.0, start=None):
        self.lock = threading.RLock()
        self.step = timedelta(seconds=step_seconds)
        self.speed = speed
        self._start = start or datetime.now(timezone.utc).replace(microsecond=0)
        self._started = time.monotonic()
        self._offset = timedelta()
        self._agenda = []  # heap of (when, sequence, event)
        self._sequence = itertools.count()

    def now(self):
        elapsed = (time.monotonic() - self._started) * self.speed
        return self._start + self._offset + timedelta(seconds=elapsed)

    def advance(self, seconds=None):
        """Move the clock (one step by default) and play what fell due."""
        with self.lock:
            self._offset += self.step if seconds is None else timedelta(seconds=seconds)
            self.tick()
            return self.now()

    def tick(self):
        """Play every event due by now, in time order."""
        raise NotImplementedError

    def _add_event(self, when, event):
        heapq.heappush(self._agenda, (when, next(self._sequence), event))

    def _due_events(self):
        """``(when, event)`` of each event due by now, in time order, those
        added on the way included; to be read under :attr:`lock`."""
        now = self.now()
        while self._agenda and self._agenda[0][0] <= now:
            when, _sequence, event = heapq.heappop(self._agenda)
            yield when, event
