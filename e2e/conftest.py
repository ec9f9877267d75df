"""Fixtures for the end-to-end scenarios: real servers, a real browser, the fake's phone.

Each scenario names the first stage that has its step. It then runs against that stage,
every later stage, and final:

    @pytest.mark.since("02")
    def test_profile_link(page, live_app, user):
        username = user.register_and_login(page, live_app)
        page.goto(f"/user/{username}")        # relative URLs go to the live app
        expect(page.get_by_role("link", name="Enable two-factor authentication")).to_be_visible()

Each stage's app is started once, when its first scenario needs it, with its own temporary
database, and talks to one fake Authy shared by the whole session. Scenarios therefore sign
up fresh users (user.register_and_login) instead of relying on an empty database. A scenario
that needs the app with other settings starts one more server of its stage:

    @pytest.mark.since("05")
    def test_login_request_expires(page, start_app, user, phone):
        app = start_app(PUSH_EXPIRY="2")        # its own database; stopped after the scenario
        username = user.enable_2fa(page, app, phone)

A scenario of a variant (stages.toml's [[variant]]: an app beside the chain, such as
verify-push) runs against that app only, with the fake's Verify settings:

    @pytest.mark.variant("verify-push")
    def test_login_with_approve(page, live_app, user, phone): ...

`--app-folder=05=workspace` runs only stage 05's scenarios, against the app in workspace/
instead of stages/05-push-login: make check uses it on the learner's code (tools/check.py).
A variant's id works too: `--app-folder=verify-push=workspace` runs only the scenarios marked
@pytest.mark.variant("verify-push"), against workspace/ with the fake's Verify settings.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext
from playwright.sync_api import Page
from playwright.sync_api import expect

from fake_authy.testing import FakeAuthyServer
from page_checks import AxeCheck
from page_checks import AxeScans
from page_checks import OverflowCheck
from page_checks import PageWatch
from tools import browser
from tools import stages
from tools.person import PASSWORD
from tools.person import Person
from tools.servers import AppServer
from tools.servers import ServerError
from tools.servers import app_settings
from tools.servers import free_port
from tools.servers import verify_settings


def pytest_addoption(parser):
    parser.addoption(
        "--app-folder", metavar="STAGE=FOLDER",
        help="run only the scenarios of that stage (such as 05) or variant (verify-push), against the app in "
             "that folder instead of its own: how make check tests a learner's workspace/ (tools/check.py)")


def app_folder(config) -> tuple[str, Path] | None:
    """--app-folder's stage or variant id and folder; None without it."""
    value = config.getoption("--app-folder")
    if not value:
        return None
    stage_id, sep, folder = value.partition("=")
    known = [stage.id for stage in [*stages.load(), *stages.variants()]]
    if not sep or stage_id not in known or not Path(folder).is_dir():
        raise pytest.UsageError(f"--app-folder {value}: expected STAGE=FOLDER, a stage or variant id of "
                                f"stages/stages.toml ({', '.join(known)}) and an existing folder")
    return stage_id, Path(folder).resolve()


def pytest_configure(config):
    """Stop at once if a stage's folder is missing. In CI, keep a Playwright trace of each
    failed scenario, unless the command line chose.

    Recording a trace costs about 0.8 s a scenario, so a local run records none; rerun a
    failure with `--tracing retain-on-failure` to get one (docs/testing.md). In CI the
    failure may not come back, so its trace is kept the first time.
    """
    try:
        stages.require()  # every stage listed in stages.toml: a missing one stops the run here
    except stages.MissingStage as error:
        raise pytest.UsageError(str(error)) from None
    chosen = any(arg.startswith("--tracing") for arg in config.invocation_params.args)
    in_ci = os.environ.get("CI", "").lower() not in ("", "0", "false")
    if in_ci and not chosen:
        config.option.tracing = "retain-on-failure"
    app_folder(config)  # a wrong --app-folder stops the run here


def pytest_generate_tests(metafunc):
    """Run each scenario against its `since` stage, every later stage, and final."""
    if "live_app" not in metafunc.fixturenames:
        return
    variant = metafunc.definition.get_closest_marker("variant")
    if variant is not None:
        if not variant.args or variant.args[0] not in [known.id for known in stages.variants()]:
            raise pytest.UsageError(f"{metafunc.definition.nodeid}: @pytest.mark.variant(...) names a [[variant]] "
                                    "of stages/stages.toml")
        metafunc.parametrize("live_app", [variant.args[0]], indirect=True)
        return
    marker = metafunc.definition.get_closest_marker("since")
    if marker is None or not re.fullmatch(r"\d\d|final", str(marker.args[0])):
        raise pytest.UsageError(f'{metafunc.definition.nodeid}: mark it @pytest.mark.since("NN"), '
                                "the first stage that has its step")
    # Stage ids sort in stage order: "01" < "02" < ... < "06" < "final".
    ids = [stage.id for stage in stages.load() if stage.id >= marker.args[0]]
    metafunc.parametrize("live_app", ids, indirect=True)


def pytest_collection_modifyitems(config, items):
    """With --app-folder, keep only the scenarios of its stage (or variant)."""
    chosen = app_folder(config)
    if chosen is None:
        return
    kept = [item for item in items if getattr(item, "callspec", None)
            and item.callspec.params.get("live_app") == chosen[0]]
    config.hook.pytest_deselected(items=[item for item in items if item not in kept])
    items[:] = kept


@pytest.fixture(scope="session")
def fake_authy():
    """One fake Authy (API and phone) for the whole session, on a free port."""
    with FakeAuthyServer.start() as fake:
        yield fake


@pytest.fixture
def phone(fake_authy):
    """The fake's phone, emptied: scan(uri), approve_latest(), deny_latest(), requests().

    Every stage's server numbers its users from 1, and all of them share the fake: without
    the reset, user 1 of a stage tested before would already have an account on the phone.
    """
    fake_authy.reset()
    return fake_authy.phone


class LiveApp(AppServer):
    """A stage's app as scenarios see it: .url and .stage_id."""

    def __init__(self, stage_id: str, **kwargs):
        super().__init__(**kwargs)
        self.stage_id = stage_id


class LiveApps:
    """Each stage's server, started when a scenario first needs it and kept for the session."""

    def __init__(self, fake: FakeAuthyServer, tmp_path_factory, folders: dict[str, Path]):
        self.fake, self.tmp_path_factory = fake, tmp_path_factory
        self.folders = folders  # stage id: the folder of its app, when not the stage's own (--app-folder)
        self.started: dict[str, LiveApp | ServerError] = {}

    def get(self, stage_id: str) -> LiveApp:
        if stage_id not in self.started:
            try:
                self.started[stage_id] = self.start(stage_id)
            except ServerError as error:
                self.started[stage_id] = error  # fail its other scenarios at once, not after a timeout each
        app = self.started[stage_id]
        if isinstance(app, ServerError):
            pytest.fail(str(app), pytrace=False)
        return app

    def start(self, stage_id: str, port: int | None = None, workers: int | None = None,
              **settings: str) -> LiveApp:
        """A new server of the stage, with a new database; `settings` add to the environment.
        `port` when the settings must name it; `workers` for gunicorn instead of flask run."""
        folder = self.tmp_path_factory.mktemp(f"stage-{stage_id}")
        variant = next((known for known in stages.variants() if known.id == stage_id), None)
        if variant is not None:
            settings = {**verify_settings(self.fake), **settings}  # an app on Twilio Verify
        path = variant.path if variant is not None else stages.get(stage_id).path
        return LiveApp(
            stage_id,
            folder=self.folders.get(stage_id) or stages.ROOT / path,
            port=port or free_port(),
            log=folder / "server.log",
            env=app_settings(self.fake, folder / "app.db", **settings),
            workers=workers,
        ).start()

    def stop_all(self) -> None:
        for app in self.started.values():
            if isinstance(app, LiveApp):
                app.stop()


@pytest.fixture(scope="session")
def _live_apps(fake_authy, tmp_path_factory, pytestconfig):
    chosen = app_folder(pytestconfig)
    apps = LiveApps(fake_authy, tmp_path_factory, dict([chosen]) if chosen else {})
    yield apps
    apps.stop_all()


@pytest.fixture
def live_app(request, _live_apps, fake_authy) -> LiveApp:
    """The app of the stage this scenario runs against, as a real server."""
    yield _live_apps.get(request.param)
    fake_authy.set_fault("none")  # a scenario that made the fake misbehave does not leave it so


# The servers a scenario started with start_app, for the failure report.
_MORE_APPS = pytest.StashKey[list]()


@pytest.fixture
def start_app(request, _live_apps, live_app):
    """A function that starts one more server of the scenario's stage, with other settings:
    `start_app(PUSH_EXPIRY="2")`, or under gunicorn: `start_app(workers=2)`. It has a database
    of its own, its output is in the failure report, and it stops after the scenario.
    """
    started = request.node.stash.setdefault(_MORE_APPS, [])

    def start(port: int | None = None, workers: int | None = None, **settings: str) -> LiveApp:
        try:
            started.append(_live_apps.start(live_app.stage_id, port, workers, **settings))
        except ServerError as error:
            pytest.fail(str(error), pytrace=False)
        return started[-1]

    yield start
    for app in started:
        app.stop()


# Servers a module started for all its scenarios, named by show_output, for the failure report.
_SHOWN_APPS = pytest.StashKey[list]()


@pytest.fixture
def show_output(request):
    """A function naming servers whose output this scenario's failure report shows, besides
    live_app's and start_app's: those a module keeps for all its scenarios (it stops them)."""
    return lambda *apps: request.node.stash.setdefault(_SHOWN_APPS, []).extend(apps)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright's launch options (--headed, --slowmo), on the system Chromium when present."""
    return {**browser.launch_options(), **browser_type_launch_args}


# The scenario's PageWatch, checked when the scenario has passed (pytest_runtest_call).
_WATCH = pytest.StashKey[PageWatch]()
# What axe-core scanned in this run, for every scenario and the summary at the end.
_AXE_SCANS = pytest.StashKey[AxeScans]()


@pytest.fixture
def new_context(request, new_context):
    """pytest-playwright's new_context, each of whose pages must fit its window's width and
    have no accessibility violation of serious or critical impact (page_checks.py)."""
    scans = request.config.stash.setdefault(_AXE_SCANS, AxeScans())
    watch = request.node.stash[_WATCH] = PageWatch(OverflowCheck(), AxeCheck(scans, request.node.nodeid))

    def create(**kwargs) -> BrowserContext:
        context = new_context(**kwargs)
        watch.watch(context)
        return context

    return create


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """A scenario that passed fails if one of its pages was wider than the window, or had an
    accessibility violation of serious or critical impact."""
    result = yield
    if _WATCH in item.stash:
        item.stash[_WATCH].check()
    return result


def pytest_terminal_summary(terminalreporter, config):
    """What axe-core scanned, and its findings of moderate or minor impact, which fail nothing."""
    if _AXE_SCANS in config.stash:
        terminalreporter.section("axe-core: accessibility of the pages the scenarios visited")
        for line in config.stash[_AXE_SCANS].summary():
            terminalreporter.write_line(line)


@pytest.fixture
def context(new_context, live_app):
    """pytest-playwright's browser context, with the live app as its base URL."""
    return new_context(base_url=live_app.url)


class Users:
    """Sign up and sign in through the pages, as a person would (tools/person.py walks the pages)."""

    password = PASSWORD

    def register(self, page: Page, live_app: LiveApp) -> str:
        """Register a fresh user; returns the username."""
        person = Person(page, live_app.url)
        person.register()
        return person.username

    def login(self, page: Page, live_app: LiveApp, username: str, remember: bool = False) -> None:
        """Open the login page and log in (a user with 2FA then waits for the push)."""
        Person(page, live_app.url, username).log_in(remember=remember)

    def submit_login(self, page: Page, username: str, password: str | None = None, remember: bool = False) -> None:
        """On the login page shown, enter the username and the password (the right one unless
        given) and press Login."""
        Person(page, "", username).submit_login(password, remember)

    def register_and_login(self, page: Page, live_app: LiveApp) -> str:
        """A fresh user, signed in; returns the username."""
        person = Person(page, live_app.url)
        person.register()
        person.log_in()
        expect(page.get_by_role("button", name="Logout")).to_be_visible()
        return person.username

    def scan_qr_code(self, page: Page, phone) -> dict:
        """Point the phone's camera at the QR code on the page: the phone adds the account."""
        return Person(page, "").scan_qr_code(phone)

    def enable_2fa(self, page: Page, live_app: LiveApp, phone) -> str:
        """A fresh user, signed in, who has turned on 2FA by scanning the QR code; returns the username."""
        username = self.register_and_login(page, live_app)
        Person(page, live_app.url, username).enable_2fa(phone)
        return username


@pytest.fixture
def user() -> Users:
    return Users()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """When a scenario fails, show the end of its servers' output under the failure."""
    report = yield
    if report.when == "call" and report.failed:
        apps = [getattr(item, "funcargs", {}).get("live_app"), *item.stash.get(_MORE_APPS, []),
                *item.stash.get(_SHOWN_APPS, [])]
        for app in apps:
            if isinstance(app, LiveApp):
                report.sections.append((f"stage {app.stage_id} server output, port {app.port} (last lines)",
                                        app.output_tail()))
    return report
