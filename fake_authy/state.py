"""What the fake's routes share while it runs: its settings, its store, and the switches
that the test controls flip (the fault mode, where OneTouch callbacks go)."""

from dataclasses import dataclass
from dataclasses import field

from flask import current_app

from .settings import Settings
from .store import Store


@dataclass(frozen=True)
class Fault:
    """How the Authy API misbehaves, set through /_control/faults."""

    mode: str = "none"
    seconds: float = 0


@dataclass
class FakeAuthy:
    """What the routes share: settings, state, and the switches the test controls flip."""

    settings: Settings
    store: Store
    fault: Fault = field(default_factory=Fault)
    callback_url: str | None = None

    def reset(self):
        """Forget all state and return the switches to how the server started."""
        self.store.reset()
        self.fault = Fault()
        self.callback_url = self.settings.callback_url


def fake():
    """The FakeAuthy of the running app."""
    return current_app.extensions["fake_authy"]
