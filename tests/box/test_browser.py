"""JupyterLab in headless Chromium (Debian's chromium and chromium-driver, driven by Selenium): the launcher
shows each kernel once, and no prompt about Jupyter news. A screenshot of the launcher is kept as evidence in
$MLBOX_BOX_TEST_OUT (default build/box-test/launcher.png)."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest
from boxlib import Box
from selenium import webdriver
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM_FLAGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
    "--window-size=1400,1000",
]
LAUNCHER_TIMEOUT = 90
# How long a news prompt has to show up once the launcher is there (it comes within a few seconds).
NEWS_WAIT = 10
NOTEBOOK_CARDS = '.jp-LauncherCard[data-category="Notebook"]'
TOASTS = ".Toastify__toast, [class*='jp-Notification-Toast']"
DUPLICATE_NATIVE_KERNEL = "Python 3 (ipykernel)"


@dataclass
class Launcher:
    cards: list[str]  # display names of the Notebook section's kernel cards, in order
    toasts: list[str]  # texts of the notifications shown as toasts


def card_names(driver: webdriver.Chrome) -> list[str]:
    names = []
    for card in driver.find_elements(By.CSS_SELECTOR, NOTEBOOK_CARDS):
        labels = card.find_elements(By.CSS_SELECTOR, ".jp-LauncherCard-label")
        names.append((card.get_attribute("title") or (labels[0].text if labels else card.text)).strip())
    return names


@pytest.fixture(scope="module")
def chrome() -> Iterator[webdriver.Chrome]:
    """Headless Chromium with a fresh profile; Debian's driver, so that Selenium Manager has nothing to fetch."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.access(path, os.X_OK):
            pytest.fail(f"{path} is missing: tests/box/run.sh installs it (chromium, chromium-driver)")
    os.environ["SE_OFFLINE"] = "true"  # should Selenium Manager run after all, it must not download
    profile = tempfile.mkdtemp(prefix="mlbox-box-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in [*CHROMIUM_FLAGS, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    driver = None
    try:
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        driver.set_page_load_timeout(LAUNCHER_TIMEOUT)
        yield driver
    finally:
        if driver is not None:
            driver.quit()  # ends Chromium and chromedriver
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def launcher(box: Box, chrome: webdriver.Chrome, out_dir: Path) -> Launcher:
    """The launcher once its kernel cards are there and a news prompt had NEWS_WAIT seconds to show up."""
    chrome.get(f"{box.base_url}/lab?token={box.token}")
    expected = len(box.kernelspecs)
    try:
        # The cards come as the server's kernel specs arrive: wait until there are as many as it lists.
        WebDriverWait(chrome, LAUNCHER_TIMEOUT, poll_frequency=1).until(
            lambda d: len(d.find_elements(By.CSS_SELECTOR, NOTEBOOK_CARDS)) >= expected)
    except TimeoutException:
        chrome.save_screenshot(str(out_dir / "launcher-timeout.png"))
        pytest.fail(f"no launcher with {expected} Notebook cards in {LAUNCHER_TIMEOUT} s at "
                    f"{chrome.current_url.split('?')[0]} (found {card_names(chrome)}; "
                    f"screenshot {out_dir / 'launcher-timeout.png'})")
    toasts: list[str] = []
    deadline = time.monotonic() + NEWS_WAIT
    while time.monotonic() < deadline:
        try:
            toasts = [t.text for t in chrome.find_elements(By.CSS_SELECTOR, TOASTS) if t.text.strip()]
        except WebDriverException:  # a toast went away while it was read
            continue
        if any("news" in t.lower() for t in toasts):
            break
        time.sleep(0.5)
    time.sleep(1)  # the last card's icon, for the screenshot
    chrome.save_screenshot(str(out_dir / "launcher.png"))
    return Launcher(card_names(chrome), toasts)


def test_each_kernel_once(box: Box, launcher: Launcher) -> None:
    counts = Counter(launcher.cards)
    for name, entry in sorted(box.kernelspecs.items()):
        display = entry["spec"]["display_name"]
        assert counts[display] == 1, (f"kernel spec {name} ({display!r}): {counts[display]} cards in the launcher's "
                                      f"Notebook section {launcher.cards}")
    duplicates = sorted(name for name, count in counts.items() if count > 1)
    assert not duplicates, f"cards sharing a display name: {duplicates} (all: {launcher.cards})"
    assert len(launcher.cards) == len(box.kernelspecs), \
        f"{len(launcher.cards)} Notebook cards {launcher.cards} for {len(box.kernelspecs)} kernel specs"


def test_no_duplicate_native_kernel(launcher: Launcher) -> None:
    assert DUPLICATE_NATIVE_KERNEL not in launcher.cards, \
        f"the launcher shows JupyterLab's own {DUPLICATE_NATIVE_KERNEL!r} beside the box's kernels: {launcher.cards}"


def test_no_news_prompt(launcher: Launcher) -> None:
    news = [t for t in launcher.toasts if "news" in t.lower()]
    assert not news, f"JupyterLab asks about Jupyter news: {news}"
