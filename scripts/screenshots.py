"""`make screenshots`: what users see, without clicking through.

Builds a fresh demo database (var/screenshots/screenshots.sqlite3), serves it with gunicorn on
127.0.0.1, and with Debian's Chromium writes into var/screenshots/ (ignored by git):
- each role's home page (province, city, county, enterprise, university, talent);
- the ranking page in English;
- the first two pages of the provincial PDF report (pdftoppm).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "var" / "screenshots"
BIN = Path(sys.executable).parent
PORT = int(os.environ.get("SCREENSHOT_PORT", "8099"))
BASE = f"http://127.0.0.1:{PORT}"
PASSWORD = "CountyInno@2026"
ROLES = [("province-37", "province"), ("city-370100", "city"), ("county-370102", "county"),
         ("enterprise-370102", "enterprise"), ("university-370102", "university"), ("talent-370100", "talent")]


def environment() -> dict:
    return {**os.environ, "DATABASE_URL": f"sqlite:///{OUT / 'screenshots.sqlite3'}", "DEBUG": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost", "JOB_BACKEND": "thread", "PASSWORD_MAX_AGE_DAYS": "0",
            "ADMIN_TOTP_REQUIRED": "0", "DJANGO_SETTINGS_MODULE": "countyinno.settings.base"}


def build(env: dict) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for stale in OUT.glob("screenshots.sqlite3*"):
        stale.unlink()
    subprocess.run([BIN / "countyinno", "migrate", "--noinput", "-v0"], env=env, check=True, cwd=ROOT)
    subprocess.run([BIN / "countyinno", "demo", "--scale", os.environ.get("SCREENSHOT_SCALE", "0.2")], env=env,
                   check=True, cwd=ROOT, stdout=subprocess.DEVNULL)


def serve(env: dict) -> subprocess.Popen:
    server = subprocess.Popen([BIN / "gunicorn", "countyinno.wsgi:application", "--bind", f"127.0.0.1:{PORT}",
                               "--workers", "1", "--threads", "4", "-k", "gthread", "--timeout", "120"],
                              env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(60):
        try:
            urllib.request.urlopen(f"{BASE}/healthz", timeout=2)
            return server
        except OSError:
            time.sleep(0.5)
    server.kill()
    raise SystemExit("the server did not start")


def log_in(page, username: str) -> None:
    page.goto(f"{BASE}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def shoot(browser) -> list[Path]:
    written = []
    for username, label in ROLES:
        context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
        page = context.new_page()
        log_in(page, username)
        page.goto(f"{BASE}/")
        page.wait_for_load_state("networkidle")
        path = OUT / f"home-{label}.png"
        page.screenshot(path=str(path), full_page=True)
        written.append(path)
        if label == "province":
            page.goto(f"{BASE}/monitoring/rankings/")
            page.click("text=English")
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(1500)  # the map draws after its data arrives
            path = OUT / "rankings-en.png"
            page.screenshot(path=str(path), full_page=True)
            written.append(path)
            written += report_pages(page, context)
        context.close()
    return written


def report_pages(page, context) -> list[Path]:
    """Ask for the latest run's PDF report (a job), wait for it, and render its first two pages."""
    import re

    page.goto(f"{BASE}/monitoring/rankings/")
    runs = sorted({int(n) for n in re.findall(r"/monitoring/runs/(\d+)/", page.content())})
    if not runs:
        return []
    run = runs[-1]
    page.goto(f"{BASE}/monitoring/runs/{run}/")
    page.click("#make-pdf")  # submits the job and shows its page
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        response = context.request.get(f"{BASE}/monitoring/runs/{run}/report.pdf")
        if response.ok and response.headers.get("content-type", "").startswith("application/pdf"):
            pdf = OUT / "report.pdf"
            pdf.write_bytes(response.body())
            if shutil.which("pdftoppm"):
                subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "2", str(pdf), str(OUT / "report")],
                               check=True)
            return sorted(OUT.glob("report-*.png"))
        time.sleep(3)
    return []


def main() -> int:
    from playwright.sync_api import sync_playwright

    env = environment()
    build(env)
    server = serve(env)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                        args=["--no-sandbox", "--disable-background-networking"])
            written = shoot(browser)
            browser.close()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    for path in written:
        print(path.relative_to(ROOT))
    return 0 if written else 1


if __name__ == "__main__":
    sys.exit(main())
