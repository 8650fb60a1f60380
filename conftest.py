import pytest

from linli.accounts import sms


@pytest.fixture
def personas(db):
    from linli.core.testing import build_personas

    return build_personas()


@pytest.fixture(autouse=True)
def _memory_sms(settings):
    settings.LINLI_SMS_BACKEND = "memory"
    # Personas have passwords; the real hasher is slow on purpose, which tests need not be.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    sms.outbox.clear()
    yield
    sms.outbox.clear()


# --- browser tests: Playwright driving Debian's Chromium against the live server ------------

import os  # noqa: E402
import re  # noqa: E402
from pathlib import Path  # noqa: E402
from urllib.parse import urlparse  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(__file__).parent / "artifacts" / "screenshots"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


@pytest.fixture(scope="session")
def chromium():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("LINLI_REQUIRE_BROWSER"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium package")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium fonts-wqy-microhei)")
    # Playwright's sync API runs an event loop in this thread; the tests' ORM calls are still synchronous.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class BrowserSession:
    """A browser context that refuses and records any request leaving this machine."""

    def __init__(self, browser, base_url: str, name: str, **context_options):
        self.context = browser.new_context(locale="zh-CN", accept_downloads=True, **context_options)
        self.base_url = base_url
        self.name = re.sub(r"[^\w-]+", "_", name)
        self.outside: list[str] = []
        self.requests: list = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("requestfinished", lambda request: self.requests.append(request))

    def _route(self, route):
        host = urlparse(route.request.url).hostname or ""
        if route.request.url.startswith(("data:", "blob:")) or host in LOCAL_HOSTS:
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def goto(self, path: str):
        return self.page.goto(self.base_url + path)

    def screenshot(self, label: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{self.name}-{label}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def transferred_bytes(self) -> int:
        total = 0
        for request in self.requests:
            sizes = request.sizes()
            total += sizes["responseBodySize"] + sizes["responseHeadersSize"]
        return total


@pytest.fixture
def browser_session(chromium, live_server, request):
    sessions: list[BrowserSession] = []

    def make(**context_options) -> BrowserSession:
        session = BrowserSession(chromium, live_server.url, f"{request.node.name}-{len(sessions)}", **context_options)
        sessions.append(session)
        return session

    yield make
    for session in sessions:
        session.context.close()
    outside = [url for s in sessions for url in s.outside]
    assert outside == [], f"requests left localhost: {outside}"


PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    # WeChat's in-app browser on Android
    "user_agent": "Mozilla/5.0 (Linux; Android 13; Phone) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/116.0 Mobile Safari/537.36 MicroMessenger/8.0.47",
}
