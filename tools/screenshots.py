"""Pictures of the real app for the chapters, each from the chapter's own stage, and the
animation of the whole flow (in final) for the README.

    python -m tools.screenshots                      # every stage, 01 to final, and verify-push, into docs/images/
    python -m tools.screenshots --stage 04 --out /tmp/pictures    # one stage
    python -m tools.screenshots --stage verify-push  # one variant (stages.toml's [[variant]])

Each chapter shows its own stage: chapter 04's pictures are stage 04's pages, taken from
stage 04's app, in `docs/images/04/` (`docs/images/04/profile-2fa-on.png`); chapters 07 to
12 show final's, in `docs/images/final/`. A stage's pictures are the screens its chapter
shows: the design frames the stage brings (`frames` in stages/stages.toml), and for final
also the older screens its chapters show again (FINAL_ALSO). `shots()` lists them.

A variant (stages.toml's [[variant]]) is pictured as a stage is, into `docs/images/<its id>/`:
the screens of its stage it changes, as its chapter shows them (VARIANTS). verify-push's are
the QR page that asks for this site's app, the waiting page ("Check your phone") with its
code, and the phone with the Verify challenge and the same code; its app is started with the
fake's Verify settings (TWILIO_*), as `make demo STAGE=verify-push` starts it, and its walk
leaves out the screens it does not have (the code from the Authy app).

For each stage it starts the fake Authy and the stage's app on free ports, each with a
temporary database, and walks the design's happy path (figma/flow.json) in Chromium as a
person would: register, log in, enable 2FA by scanning the QR code, log out, log in again
with Approve on the phone, disable 2FA, and in final turn it on again for the recovery codes
and sign in with one (the steps a person takes are tools/person.py's, shared with the
tests). Where the waiting page shows a code (final, verify-push), the walk checks that the
phone shows the same one. A stage's walk stops after its last picture. Final's goes through
the whole flow and also writes `flow.gif` (in docs/images/), every screen in flow order with
a caption each.
Each picture is the size of its design frame; one that looks as before is left as it was.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from PIL import Image
from PIL import ImageChops
from PIL import ImageDraw
from PIL import ImageFont
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page
from playwright.sync_api import expect
from playwright.sync_api import sync_playwright

from fake_authy.testing import FakeAuthyServer
from tools import browser
from tools import stages
from tools.demo import pick
from tools.person import Person
from tools.servers import AppServer
from tools.servers import ServerError
from tools.servers import app_settings
from tools.servers import free_port
from tools.servers import verify_settings

ROOT = stages.ROOT
FLOW = ROOT / "figma" / "flow.json"
OUT = ROOT / "docs" / "images"
GIF_NAME = "flow.gif"
# The sizes of the design frames (figma/README.md): a laptop's browser window, and a phone.
VIEWPORTS = {"app": {"width": 1280, "height": 800}, "fake_authy": {"width": 390, "height": 844}}
USERNAME = "alice"  # as in the design frames; every run starts from empty databases
PASSWORD = "correct-horse"
BORDER = "#ced4da"  # Bootstrap's border grey
SAME_SHADE = 8  # pixels differing by at most this much per colour count as unchanged
WAIT_MS = 15_000  # the longest any page may take to show what the next step needs

# The animation: width, caption bar and how long each picture stays (milliseconds).
GIF_WIDTH = 800
CAPTION_HEIGHT = 40
CAPTION_FONT_SIZE = 20
SHOW_MS = 2200
SHOW_LONGER_MS = {"qr-code": 3200, "phone": 3200, "profile-after-disable": 4000}
# The screens of earlier stages that final's chapters (07 to 12) show again, as final has
# them: the home page (07), the waiting page with its code and the phone's request with the
# same code (08, 09), the profile with Change password and the recovery codes (10).
FINAL_ALSO = ("home", "waiting-push", "phone", "profile-2fa-on")
WAITING = "Check your Authy app"  # the waiting page's heading, from stage 05 on


@dataclass(frozen=True)
class VariantWalk:
    """What the walk through a variant needs beyond what its stage (`after`) has."""

    shots: tuple[str, ...]  # the frames its chapter shows: the screens that differ from its stage's
    lacks: tuple[str, ...] = ()  # the frames of its stage that its app does not have
    waiting: str = WAITING


# verify-push (chapter 13): its QR page asks for this site's app, its waiting page says
# "Check your phone", its phone shows a Verify challenge; chapter 11's app code is gone.
VARIANTS = {"verify-push": VariantWalk(("qr-code", "waiting-push", "phone"), ("login-code",), "Check your phone")}
Shot = stages.Stage | stages.Variant  # what the tool takes pictures of


@dataclass(frozen=True)
class Frame:
    id: str
    title: str
    server: str
    stage: str


def frames() -> list[Frame]:
    """The design's frames, in the order the happy path first reaches them."""
    flow = json.loads(FLOW.read_text())
    return [Frame(f["id"], f["title"], f["server"], f["stage"]) for f in flow["frames"]]


def shots(stage: Shot) -> list[str]:
    """The frame ids of the pictures taken of `stage`, in flow order: the screens its chapter shows."""
    if isinstance(stage, stages.Variant):
        wanted = set(VARIANTS[stage.id].shots)
    else:
        wanted = set(stage.frames) | (set(FINAL_ALSO) if stage.id == "final" else set())
    return [frame.id for frame in frames() if frame.id in wanted]


def has(stage: Shot, frame: Frame) -> bool:
    """Whether the app of `stage` has the frame's screen: a stage has its own and the earlier
    stages' ("01" < ... < "06" < "final"), a variant its stage's but those it lacks."""
    if isinstance(stage, stages.Variant):
        return frame.stage <= stage.after and frame.id not in VARIANTS[stage.id].lacks
    return frame.stage <= stage.id


def waiting_heading(stage: Shot) -> str:
    return VARIANTS[stage.id].waiting if isinstance(stage, stages.Variant) else WAITING


def picture_path(out: Path, stage_id: str, frame_id: str) -> Path:
    """Where the picture of a frame taken of a stage goes: out/04/qr-code.png."""
    return out / stage_id / f"{frame_id}.png"


class WalkError(RuntimeError):
    """The walk did not get through; the message says where and shows the app's last lines."""


class Walk:
    """One person's way through the flow: the browser tab, the phone, and where pictures go."""

    def __init__(self, person: Person, phone_page: Page, fake: FakeAuthyServer, work: Path, waiting: str = WAITING):
        self.person, self.page, self.phone_page, self.fake, self.work = person, person.page, phone_page, fake, work
        self.waiting = waiting  # the waiting page's heading
        self.code = None  # the code the waiting page shows, when it shows one

    def shoot(self, frame: Frame) -> None:
        """Take the picture of what the tab (or the phone) shows now, into the work folder."""
        page = self.phone_page if frame.server == "fake_authy" else self.page
        # No text cursor, focus ring or hover effect left over from the last click or key.
        page.evaluate("document.activeElement && document.activeElement.blur()")
        page.mouse.move(0, 0)
        picture = Image.open(io.BytesIO(page.screenshot(animations="disabled")))
        # A thin frame, so that a white page does not melt into the white page that shows it.
        ImageDraw.Draw(picture).rectangle((0, 0, picture.width - 1, picture.height - 1), outline=BORDER)
        picture.save(self.picture(frame), optimize=True)

    def picture(self, frame: Frame) -> Path:
        return self.work / f"{frame.id}.png"

    def click(self, role: str, name: str) -> None:
        self.page.get_by_role(role, name=name).click()

    def see(self, role: str, name: str) -> None:
        expect(self.page.get_by_role(role, name=name)).to_be_visible()

    def log_in(self) -> None:
        expect(self.page).to_have_url(re.compile(r"/auth/login$"))
        self.person.fill_login()

    # One method per frame, in flow order: do what leads from the frame before to this one
    # (figma/flow.json, "happy_path"), wait until this one is there, take its picture.

    def register(self, frame: Frame) -> None:
        self.person.fill_registration()
        self.shoot(frame)

    def login(self, frame: Frame) -> None:
        self.click("button", "Register")
        self.log_in()
        self.shoot(frame)

    def home(self, frame: Frame) -> None:
        self.click("button", "Login")
        self.see("button", "Logout")
        self.shoot(frame)

    def profile_2fa_off(self, frame: Frame) -> None:
        self.click("link", "Profile")
        self.see("link", "Enable two-factor authentication")
        self.shoot(frame)

    def enable_confirmation(self, frame: Frame) -> None:
        self.click("link", "Enable two-factor authentication")
        self.see("button", "Enable 2FA")
        self.shoot(frame)

    def qr_code(self, frame: Frame) -> None:
        self.click("button", "Enable 2FA")
        self.see("img", "QR code")
        self.page.get_by_role("img", name="QR code").evaluate("image => image.decode()")  # loaded and drawn
        self.shoot(frame)

    def profile_2fa_on(self, frame: Frame) -> None:
        # The phone's camera: read the code from the picture on the screen.
        self.person.scan_qr_code(self.fake.phone)
        # The QR page notices the scan by itself and moves on to the profile.
        expect(self.page.get_by_text("Two-factor authentication is now enabled.")).to_be_visible()
        self.see("link", "Disable two-factor authentication")
        self.shoot(frame)

    def waiting_push(self, frame: Frame) -> None:
        self.click("button", "Logout")
        self.log_in()
        self.click("button", "Login")
        self.see("heading", self.waiting)
        shown = self.page.get_by_test_id("login-code")  # final and verify-push: the code to compare
        self.code = shown.inner_text().strip() if shown.count() else None
        self.shoot(frame)

    def login_code(self, frame: Frame) -> None:
        # final: the waiting page's other way in; back to the waiting page after the picture.
        self.click("link", "No notification? Enter the code from your Authy app")
        self.see("heading", "Enter the code from your Authy app")
        self.shoot(frame)
        self.click("link", "Back to the request on your phone")
        self.see("heading", self.waiting)

    def phone(self, frame: Frame) -> None:
        self.phone_page.goto(f"{self.fake.url}/phone")
        expect(self.phone_page.get_by_role("button", name="Approve")).to_be_visible()
        if self.code:  # the request on the phone is this login's: it shows the waiting page's code
            expect(self.phone_page.locator(".request-code .code-digits")).to_have_text(self.code)
        self.shoot(frame)

    def disable_confirmation(self, frame: Frame) -> None:
        self.phone_page.get_by_role("button", name="Approve").click()
        # The waiting page learns the answer by itself and signs the user in.
        self.see("button", "Logout")
        self.click("link", "Profile")
        self.click("link", "Disable two-factor authentication")
        self.see("button", "Disable")
        self.shoot(frame)

    def profile_after_disable(self, frame: Frame) -> None:
        self.click("button", "Disable")
        expect(self.page.get_by_text("Two-factor authentication is now disabled.")).to_be_visible()
        self.see("link", "Enable two-factor authentication")
        self.shoot(frame)

    # Recovery codes (final): 2FA on again, the codes, then a login with one of them.

    def recovery_codes(self, frame: Frame) -> None:
        self.person.enable_2fa(self.fake.phone)
        self.click("button", "Show my recovery codes")
        self.see("button", "Print")
        self.codes = self.page.get_by_test_id("recovery-code-list").get_by_role("listitem").all_inner_texts()
        self.shoot(frame)

    def recovery_login(self, frame: Frame) -> None:
        self.click("link", "I have saved them")
        self.click("button", "Logout")
        self.log_in()
        self.click("button", "Login")
        self.click("link", "Lost your phone? Use a recovery code")
        self.page.get_by_label("Recovery code").fill(self.codes[1])
        self.shoot(frame)

    def recovered(self, frame: Frame) -> None:
        self.click("button", "Sign in")
        self.see("heading", "Signed in with a recovery code")
        self.shoot(frame)


def walk(stage: Shot, work: Path, log: Path, until: str | None = None) -> list[tuple[Frame, Path]]:
    """Start the servers, walk the flow as far as `stage` has it (or up to the frame `until`);
    the pictures taken into `work`, in order."""
    written, frame = [], None
    with FakeAuthyServer.start() as fake, sync_playwright() as playwright:
        folder = ROOT / stage.path
        # an app on Twilio Verify (one with app/verify.py, such as verify-push) gets the fake's Verify settings
        verify = verify_settings(fake) if (folder / "app" / "verify.py").is_file() else {}
        settings = app_settings(fake, log.parent / "app.db", **verify)
        app = AppServer(folder, free_port(), log=log, env=settings).start()
        try:
            chromium = playwright.chromium.launch(**browser.launch_options())  # closed with playwright
            expect.set_options(timeout=WAIT_MS)
            # What a person's Chrome sends (the phone shows it), not "HeadlessChrome", on any machine.
            agent = (f"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                     f"Chrome/{chromium.version.split('.')[0]}.0.0.0 Safari/537.36")
            tab = chromium.new_context(base_url=app.url, viewport=VIEWPORTS["app"], user_agent=agent).new_page()
            phone = chromium.new_context(viewport=VIEWPORTS["fake_authy"]).new_page()
            for context_page in (tab, phone):
                context_page.set_default_timeout(WAIT_MS)
            steps = Walk(Person(tab, app.url, USERNAME, PASSWORD), phone, fake, work, waiting_heading(stage))
            for frame in frames():
                if not has(stage, frame):
                    continue  # a later stage's screen, or one the variant does not have
                getattr(steps, frame.id.replace("-", "_"))(frame)
                written.append((frame, steps.picture(frame)))
                if frame.id == until:
                    break
        except (PlaywrightError, AssertionError, RuntimeError, ValueError) as error:  # ValueError: no QR code read
            where = f"on the way to {frame.id}: " if frame else ""
            raise WalkError(f"{where}{error}\n--- the app's last lines ---\n{app.output_tail(30)}") from None
        finally:
            app.stop()
    return written


def animate(pictures: list[tuple[Frame, Path]], path: Path) -> None:
    """One GIF of the pictures in order, each scaled to GIF_WIDTH with a caption bar above it."""
    height = round(GIF_WIDTH * VIEWPORTS["app"]["height"] / VIEWPORTS["app"]["width"])
    font = ImageFont.load_default(size=CAPTION_FONT_SIZE)
    shown = {frame.id: picture for frame, picture in pictures}
    images, durations = [], []
    for number, (frame, picture) in enumerate(pictures, 1):
        canvas = Image.new("RGB", (GIF_WIDTH, CAPTION_HEIGHT + height), "#212529")
        if frame.server == "app":
            screen = Image.open(picture).convert("RGB").resize((GIF_WIDTH, height), Image.Resampling.LANCZOS)
        else:
            screen = _phone_over_waiting_page(Image.open(picture).convert("RGB"), shown.get("waiting-push"),
                                              (GIF_WIDTH, height))
        canvas.paste(screen, (0, CAPTION_HEIGHT))
        caption = f"{number}/{len(pictures)}   {frame.title}"
        draw = ImageDraw.Draw(canvas)
        middle = CAPTION_HEIGHT // 2
        draw.text((16, middle), caption, font=font, fill="white", anchor="lm")
        # Every picture is final's; this says which stage brought the screen.
        added = "added in final" if frame.stage == "final" else f"added in stage {frame.stage}"
        draw.text((GIF_WIDTH - 16, middle), added, font=font, fill="#adb5bd", anchor="rm")
        # One palette per picture, without dithering: flat colours and crisp text, a small file.
        images.append(canvas.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE))
        durations.append(SHOW_LONGER_MS.get(frame.id, SHOW_MS))
    images[0].save(path, save_all=True, append_images=images[1:], duration=durations, loop=0, optimize=True)


def _phone_over_waiting_page(phone: Image.Image, waiting: Path | None, size: tuple[int, int]) -> Image.Image:
    """The phone beside the dimmed browser tab that waits for it (or on a plain background)."""
    width, height = size
    if waiting:
        back = Image.open(waiting).convert("RGB").resize(size, Image.Resampling.LANCZOS)
        back = Image.blend(back, Image.new("RGB", size, "#212529"), 0.55)
    else:
        back = Image.new("RGB", size, "#eceff1")
    # Only the phone, without the page around it (nor the frame shoot() drew): what differs
    # from the page's background.
    phone = phone.crop((1, 1, phone.width - 1, phone.height - 1))
    around = Image.new("RGB", phone.size, phone.getpixel((0, 0)))
    shape = ImageChops.difference(phone, around).convert("L").point(lambda level: 255 if level else 0)
    phone, shape = phone.crop(shape.getbbox()), shape.crop(shape.getbbox())
    margin = 12
    scaled = (round(phone.width * (height - 2 * margin) / phone.height), height - 2 * margin)
    place = (width - scaled[0] - 6 * margin, margin)
    back.paste(phone.resize(scaled, Image.Resampling.LANCZOS), place, shape.resize(scaled, Image.Resampling.LANCZOS))
    return back


def keep(picture: Path, path: Path) -> None:
    """Copy a picture taken to its place, unless the one there looks the same."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with Image.open(picture) as taken:
        same = _looks_the_same(path, taken)
    if same:
        print(f"unchanged {_shown(path)}")
    else:
        shutil.copyfile(picture, path)
        print(f"wrote {_shown(path)}")


def take(stage: Shot, out: Path) -> None:
    """The pictures of one stage into out/<stage id>/ (and, for final, out/flow.gif)."""
    wanted = shots(stage)
    whole_flow = stage.id == "final"  # the animation shows final's whole flow
    print(f"Walking the flow through stage {stage.id} ({stage.path}) for {', '.join(wanted)}")
    with tempfile.TemporaryDirectory(prefix="screenshots-") as folder:
        work = Path(folder)
        pictures = walk(stage, work, work / "server.log", until=None if whole_flow else wanted[-1])
        for frame, picture in pictures:
            if frame.id in wanted:
                keep(picture, picture_path(out, stage.id, frame.id))
        if whole_flow:
            animate(pictures, out / GIF_NAME)
            print(f"wrote {_shown(out / GIF_NAME)} ({len(pictures)} pictures)")


def _looks_the_same(path: Path, picture: Image.Image) -> bool:
    """Whether the picture at path differs from this one at most by the odd antialiased pixel.

    Chromium's edges vary by a shade from run to run; keeping the old file then keeps git quiet.
    """
    if not path.exists():
        return False
    with Image.open(path) as old:
        if old.size != picture.size:
            return False
        difference = ImageChops.difference(old.convert("RGB"), picture.convert("RGB"))
    return max(high for _, high in difference.getextrema()) <= SAME_SHADE


def _shown(path: Path) -> str:
    """path relative to the repository when it is inside it (shorter lines), else as it is."""
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.screenshots", description=__doc__.split("\n\n")[0])
    parser.add_argument("--stage", help="a stage id such as 04, final or verify-push (default: every stage, in order, then the variants)")
    parser.add_argument("--out", type=Path, default=OUT, help=f"the folder for the pictures (default {_shown(OUT)})")
    options = parser.parse_args(argv)
    chosen = [pick(options.stage)] if options.stage else [pick(stage.id) for stage in [*stages.load(), *stages.variants()]]
    options.out.mkdir(parents=True, exist_ok=True)
    for stage in chosen:
        try:
            take(stage, options.out)
        except (ServerError, WalkError, AssertionError) as error:  # AssertionError: the fake did not start
            print(f"The walk through stage {stage.id} failed: {error}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
