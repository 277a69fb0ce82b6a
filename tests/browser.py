"""A real headless Chromium for tests that check what a page shows: its DOM and a screenshot.

    binary, reason = find_chromium()    # path, or None and why (callers pytest.skip(reason))
    dom = dump_dom(binary, page)        # the DOM after the page loaded, serialised
    png = screenshot(binary, page, out) # a 1400x1000 PNG of the page

``JOURNEYMINE_TEST_CHROMIUM`` set: that binary is used. Otherwise ``chromium``, ``chromium-browser``,
``google-chrome`` and ``google-chrome-stable`` are looked up on PATH (.ci/run installs Debian's
``chromium``). Every run gets its own throwaway profile, so parallel runs do not share one, and
``--no-sandbox`` because CI containers run as root, where Chromium's sandbox refuses to start.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

ENV_BINARY = "JOURNEYMINE_TEST_CHROMIUM"
NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
WINDOW = (1400, 1000)
TIMEOUT_S = 90
INSTALL_HINT = f"install Debian package chromium (.ci/run does) or set {ENV_BINARY}"


def find_chromium() -> tuple[str | None, str]:
    """(the browser binary, "") or (None, why there is none)."""
    configured = os.environ.get(ENV_BINARY)
    if configured:
        found = shutil.which(configured)
        return (found, "") if found else (None, f"{ENV_BINARY}={configured!r} is not an executable")
    for name in NAMES:
        found = shutil.which(name)
        if found:
            return found, ""
    return None, f"no headless browser found (looked for {', '.join(NAMES)} on PATH); {INSTALL_HINT}"


def _run(binary: str, *flags: str, page: Path) -> subprocess.CompletedProcess[bytes]:
    with tempfile.TemporaryDirectory(prefix="jm-chromium-") as profile:
        command = [
            binary,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            f"--user-data-dir={profile}",
            f"--window-size={WINDOW[0]},{WINDOW[1]}",
            *flags,
            page.resolve().as_uri(),
        ]
        done = subprocess.run(command, capture_output=True, timeout=TIMEOUT_S, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {done.returncode}: {done.stderr.decode(errors='replace')}")
    return done


def dump_dom(binary: str, page: Path) -> str:
    return _run(binary, "--dump-dom", page=page).stdout.decode("utf-8")


def screenshot(binary: str, page: Path, out: Path) -> Path:
    _run(binary, f"--screenshot={out}", page=page)
    if not out.is_file():
        raise RuntimeError(f"{binary} wrote no screenshot to {out}")
    return out
