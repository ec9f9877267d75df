"""What the fake's routes share while it runs: its settings, its store, and the switches
that the test controls flip (the fault mode, where OneTouch callbacks go)."""

import threading
import time
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace

from flask import current_app

from .settings import Settings
from .store import Store


@dataclass(frozen=True)
class Fault:
    """How the Authy API misbehaves, set through /_control/faults."""

    mode: str = "none"
    seconds: float = 0
    # How many more API calls misbehave before the mode goes back to none; None: all of them.
    calls: int | None = None


@dataclass
class FakeAuthy:
    """What the routes share: settings, state, and the switches the test controls flip."""

    settings: Settings
    store: Store
    fault: Fault = field(default_factory=Fault)
    callback_url: str | None = None
    # The time the codes are computed at, set through /_control/clock; None: the real time.
    clock: float | None = None
    _fault_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def reset(self):
        """Forget all state and return the switches to how the server started."""
        self.store.reset()
        self.fault = Fault()
        self.callback_url = self.settings.callback_url
        self.clock = None

    def now(self):
        """The time of the phone's codes and of checking them (a test control can stop it)."""
        return time.time() if self.clock is None else self.clock

    def take_fault(self):
        """The fault for one API call, counting it when the fault is for a number of calls."""
        with self._fault_lock:
            current = self.fault
            if current.calls is not None:
                left = current.calls - 1
                self.fault = replace(current, calls=left) if left > 0 else Fault()
            return current


def fake():
    """The FakeAuthy of the running app."""
    return current_app.extensions["fake_authy"]
