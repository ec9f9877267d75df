"""A person in a browser tab, going through the tutorial's pages: register, log in, turn on 2FA.

The one walk used by the browser scenarios (e2e/conftest.py), the benchmark (tools/bench.py)
and the pictures (tools/screenshots.py). Each step is done as a person does it, by the
labels and names a person reads on the page; the fill_* steps stop before the click, for a
picture of the filled form.

    person = Person(page, app.url)
    person.register()
    person.log_in()
    person.enable_2fa(fake.phone)      # the phone reads the QR code from the screen
"""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Locator
from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

PASSWORD = "correct horse battery staple"


class Person:
    """One user of the app at `app_url`, in one browser tab (`page`)."""

    def __init__(self, page: Page, app_url: str, username: str | None = None, password: str = PASSWORD):
        self.page, self.app_url, self.password = page, app_url, password
        self.username = username or f"user{uuid.uuid4().hex[:8]}"

    def fill_registration(self) -> None:
        """Open the registration page and fill it in."""
        page = self.page
        page.goto(f"{self.app_url}/auth/register")
        page.get_by_label("Username").fill(self.username)
        page.get_by_label("Email").fill(f"{self.username}@example.com")
        page.get_by_label("Password", exact=True).fill(self.password)
        page.get_by_label("Repeat Password").fill(self.password)

    def register(self) -> None:
        """Register; the app then shows the login page."""
        self.fill_registration()
        self.page.get_by_role("button", name="Register").click()
        expect(self.page).to_have_url(re.compile(r"/auth/login$"))

    def fill_login(self, password: str | None = None, remember: bool = False) -> None:
        """On the login page shown, enter the username and the password (the right one unless given)."""
        page = self.page
        page.get_by_label("Username").fill(self.username)
        page.get_by_label("Password").fill(self.password if password is None else password)
        if remember:
            page.get_by_label("Remember Me").check()

    def submit_login(self, password: str | None = None, remember: bool = False) -> None:
        """On the login page shown, enter the username and the password and press Login."""
        self.fill_login(password, remember)
        self.page.get_by_role("button", name="Login").click()

    def log_in(self, password: str | None = None, remember: bool = False) -> None:
        """Open the login page and log in (with 2FA on, the app then waits for the phone)."""
        self.page.goto(f"{self.app_url}/auth/login")
        self.submit_login(password, remember)

    def log_out(self) -> None:
        self.page.get_by_role("button", name="Logout").click()
        expect(self.page).to_have_url(re.compile(r"/auth/login$"))

    def open_qr_code(self) -> None:
        """Signed in without 2FA: from the profile, Enable two-factor authentication, then Enable 2FA."""
        page = self.page
        page.goto(f"{self.app_url}/user/{self.username}")
        page.get_by_role("link", name="Enable two-factor authentication").click()
        page.get_by_role("button", name="Enable 2FA").click()

    def scan_qr_code(self, phone) -> dict:
        """Point the phone's camera at the QR code on the page: the phone adds the account."""
        image = self.page.get_by_role("img", name="QR code")
        # visible is not enough: until the picture has loaded, the browser shows the alt text
        image.evaluate("image => image.decode()")
        return phone.scan_image(image.screenshot())  # the fake's phone reads the picture

    def scan_link(self, phone) -> dict:
        """Hand the phone the link shown under the QR code ("can't scan it?"), as a person may:
        Authy's (authy://account?token=...), or Verify Push's (verifypush://enrol?..., verify-push)."""
        link = self.page.get_by_text(re.compile(r"^(authy://account\?token=|verifypush://enrol\?)")).inner_text()
        return phone.scan(link.strip())

    def enable_2fa(self, phone, by_link: bool = False) -> None:
        """Signed in without 2FA: turn it on with the phone, by the QR code's picture (or its link)."""
        self.open_qr_code()
        if by_link:
            self.scan_link(phone)
        else:
            self.scan_qr_code(phone)
        # The QR page notices the scan by itself and moves on to the profile.
        expect(self.page.get_by_role("link", name="Disable two-factor authentication")).to_be_visible()


# Run in a page: what has the focus, as a person would name it, and whether it shows that it
# has: an outline, or a box-shadow that is more than zeros (Bootstrap draws its focus ring as
# one, fading in: wait for it rather than read it once).
_FOCUSED_JS = """() => {
  const element = document.activeElement;
  if (!element || element === document.body) return {name: "the page itself", element: false, shown: false, style: ""};
  const label = element.labels && element.labels.length ? element.labels[0].textContent
    : element.getAttribute("aria-label") || element.textContent || element.value || "";
  const name = element.tagName.toLowerCase() + (element.id ? "#" + element.id : "")
    + ` "${label.trim().replace(/\\s+/g, " ").slice(0, 50)}"`;
  const style = getComputedStyle(element);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  const shadow = /[1-9][0-9]*(\\.[0-9]+)?px/.test(style.boxShadow);
  return {name, element: true, shown: outline || shadow,
          style: `outline: ${style.outlineStyle} ${style.outlineWidth}; box-shadow: ${style.boxShadow}`};
}"""


FOCUS_SHOWN_MS = 5000  # how long a focus ring may take to appear


class Keyboard:
    """A person who uses the keyboard alone: Tab and Shift+Tab to reach a control, typing
    into the field that has the focus, Enter or Space to press it. Never the mouse.

        keys = Keyboard(page)
        keys.type_into(page.get_by_label("Username"), "alice")
        keys.press(page.get_by_role("button", name="Login"))

    Every element the focus lands on, on the way too, must show that it has it (an outline
    or a focus ring): someone who cannot see where the focus is cannot use the page.
    """

    def __init__(self, page: Page, most: int = 40):
        self.page, self.most = page, most  # the most presses of Tab to reach a control

    def focused(self) -> dict:
        return self.page.evaluate(_FOCUSED_JS)

    def expect_focus_shown(self) -> None:
        """The element with the focus shows it soon (focus rings fade in over 0.15 s; a busy
        machine may take seconds to paint the frames in between)."""
        try:
            self.page.wait_for_function(f"() => ({_FOCUSED_JS})().shown", timeout=FOCUS_SHOWN_MS)
        except PlaywrightTimeoutError:
            now = self.focused()
            if not now["shown"]:  # shown just after the wait gave up is shown
                raise AssertionError(f"the focus on {now['name']} is not visible ({now['style']})") from None

    def tab_to(self, target: Locator, backwards: bool = False) -> None:
        """Press Tab (Shift+Tab backwards) until `target` has the focus; fail, naming where the
        focus went, if it is not there after `most` presses."""
        key = "Shift+Tab" if backwards else "Tab"
        target.wait_for()  # the page that has it is shown
        visited = []
        for _ in range(self.most):
            self.page.keyboard.press(key)
            if target.evaluate("element => element === document.activeElement"):
                self.expect_focus_shown()
                return
            now = self.focused()
            visited.append(now["name"])
            if now["element"]:  # past the last control the focus leaves the page, then comes back
                self.expect_focus_shown()
        raise AssertionError(f"{self.most} presses of {key} did not bring the focus to {target}; "
                             f"it went to: {', '.join(visited)}")

    def type_into(self, field: Locator, text: str) -> None:
        self.tab_to(field)
        self.page.keyboard.type(text)

    def press(self, control: Locator, key: str = "Enter") -> None:
        """Tab to a button or link and press it: Enter, or Space (a checkbox, a button)."""
        self.tab_to(control)
        self.page.keyboard.press(key)


class KeyboardPerson(Person):
    """A Person who goes through the same pages by keyboard alone (Keyboard): no click, no fill."""

    def __init__(self, page: Page, app_url: str, username: str | None = None, password: str = PASSWORD):
        super().__init__(page, app_url, username, password)
        self.keys = Keyboard(page)

    def fill_registration(self) -> None:
        page, keys = self.page, self.keys
        page.goto(f"{self.app_url}/auth/register")
        keys.type_into(page.get_by_label("Username"), self.username)
        keys.type_into(page.get_by_label("Email"), f"{self.username}@example.com")
        keys.type_into(page.get_by_label("Password", exact=True), self.password)
        keys.type_into(page.get_by_label("Repeat Password"), self.password)

    def register(self) -> None:
        self.fill_registration()
        self.keys.press(self.page.get_by_role("button", name="Register"))
        expect(self.page).to_have_url(re.compile(r"/auth/login$"))

    def fill_login(self, password: str | None = None, remember: bool = False) -> None:
        page, keys = self.page, self.keys
        keys.type_into(page.get_by_label("Username"), self.username)
        keys.type_into(page.get_by_label("Password"), self.password if password is None else password)
        if remember:
            keys.press(page.get_by_label("Remember Me"), "Space")

    def submit_login(self, password: str | None = None, remember: bool = False) -> None:
        self.fill_login(password, remember)
        self.keys.press(self.page.get_by_role("button", name="Login"))

    def log_out(self) -> None:
        self.keys.press(self.page.get_by_role("button", name="Logout"))
        expect(self.page).to_have_url(re.compile(r"/auth/login$"))

    def open_qr_code(self) -> None:
        """Signed in without 2FA: Profile in the navigation bar, Enable two-factor authentication, Enable 2FA."""
        page, keys = self.page, self.keys
        keys.press(page.get_by_role("link", name="Profile"))
        keys.press(page.get_by_role("link", name="Enable two-factor authentication"))
        keys.press(page.get_by_role("button", name="Enable 2FA"))
