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

from playwright.sync_api import Page
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
        """Hand the phone the link shown under the QR code ("can't scan it?"), as a person may."""
        link = self.page.get_by_text(re.compile(r"^authy://account\?token=")).inner_text()
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
