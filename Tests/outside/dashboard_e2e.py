#!/usr/bin/env python3
"""The dashboard in a real browser (headless Chromium through Selenium): chat makes a mission
that appears and completes without a reload; a server restart is survived, and missions made
while it was down show up; the time-travel slider shows an earlier status; the page holds
its Content-Security-Policy (the browser logs no violation). A page of another origin can
neither create a mission nor open the WebSocket, and a DNS-rebinding name is refused.

    dashboard_e2e.py path/to/mission [--screenshot docs/dashboard.png]"""
import functools
import http.server
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

import requests

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from http_suite import check  # noqa: E402

MISSION = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 and not sys.argv[1].startswith("--") else ".build/release/mission")
SCREENSHOT = sys.argv[sys.argv.index("--screenshot") + 1] if "--screenshot" in sys.argv else None
DATA = tempfile.mkdtemp(prefix="mission-dashboard-")


def serve(port):
    process = subprocess.Popen([MISSION, "serve", "--port", str(port), "--data", DATA], stdout=subprocess.PIPE,
                               stderr=open(os.path.join(DATA, "serve.log"), "a"), text=True)
    line = process.stdout.readline().strip()
    assert line.startswith("listening on "), line
    return process, int(line.rsplit(":", 1)[1])


def stop(process):
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=60)


def browser():
    options = webdriver.ChromeOptions()
    # rebind.test resolves to 127.0.0.1, as an attacker's DNS would after a rebinding.
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,900",
                     "--host-resolver-rules=MAP rebind.test 127.0.0.1"):
        options.add_argument(argument)
    options.binary_location = "/usr/bin/chromium"
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def rows(driver):
    """The list's rows as (id, status, description), read in one script: the page re-renders
    the list whenever the missions room reports records, so elements found one by one may be
    replaced between two reads (a stale element)."""
    return driver.execute_script("""return [...document.querySelectorAll("button.mission-row")].map(
        (b) => [b.dataset.missionId, b.dataset.status, b.querySelector(".description").textContent]);""")


def row_status(driver, description):
    for _, status, text in rows(driver):
        if text.endswith(": " + description):
            return status
    return None


ATTACK_PAGE = """<!doctype html><title>attack</title><p id="out">running</p><script>
const target = "127.0.0.1:%d";
const results = {};
fetch("http://" + target + "/api/missions", {method: "POST", headers: {"Content-Type": "text/plain"},
      body: JSON.stringify({objective: {type: "echo", description: "drive-by"}})})
  .then(r => { results.post = "status " + r.status; }, e => { results.post = "error"; })
  .finally(() => {
    const ws = new WebSocket("ws://" + target + "/ws");
    ws.onopen = () => { results.ws = "open"; ws.close(); };
    ws.onmessage = (m) => { results.ws_message = m.data; };
    ws.onclose = () => { results.ws = results.ws || "refused";
                         document.getElementById("out").textContent = JSON.stringify(results); };
  });
</script>"""


def missions_total(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/missions?limit=1") as response:
        return json.load(response)["total"]


def foreign_origin_checks(driver, port):
    """A page served from another origin (another port of 127.0.0.1) tries to drive the server."""
    page_dir = tempfile.mkdtemp(prefix="mission-attack-")
    with open(os.path.join(page_dir, "index.html"), "w") as f:
        f.write(ATTACK_PAGE % port)
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=page_dir)
    site = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=site.serve_forever, daemon=True).start()
    try:
        before = missions_total(port)
        driver.get(f"http://127.0.0.1:{site.server_address[1]}/")
        WebDriverWait(driver, 30).until(lambda d: d.find_element(By.ID, "out").text != "running")
        results = json.loads(driver.find_element(By.ID, "out").text)
        check("a foreign page's POST creates no mission", missions_total(port) == before, results)
        check("a foreign page's WebSocket never opens nor reads a message", results.get("ws") == "refused" and "ws_message" not in results, results)
        driver.get(f"http://rebind.test:{port}/api/missions")
        check("a DNS-rebinding name gets 421 misdirected_request", "misdirected_request" in driver.page_source, driver.page_source[:300])
    finally:
        site.shutdown()
        subprocess.run(["rm", "-rf", page_dir])


def main():
    server, port = serve(0)
    driver = browser()
    wait = WebDriverWait(driver, 30, ignored_exceptions=[StaleElementReferenceException])
    try:
        driver.get(f"http://127.0.0.1:{port}/")
        wait.until(lambda d: d.find_element(By.ID, "connection").get_attribute("data-state") == "live")
        check("the page loads and its WebSocket goes live", True)
        box = driver.find_element(By.ID, "chat-message")
        box.send_keys("echo hello")
        box.send_keys(Keys.ENTER)
        wait.until(EC.text_to_be_present_in_element((By.ID, "chat-reply"), "Started echo mission"))
        check("the chat box posts to /chat/integrated and shows the envelope", "mission_started" in driver.find_element(By.ID, "chat-reply").text)
        wait.until(lambda d: row_status(d, "hello") == "completed")
        check("the mission appears in the list and reaches completed without a reload", True)
        wait.until(lambda d: d.find_element(By.ID, "detail-status").text == "completed")
        check("its detail shows the whiteboard live (completed, with the answer)", driver.find_element(By.ID, "detail-result").text == "hello")

        # Cut the WebSocket: stop the server, make missions while it is down, start it again.
        stop(server)
        wait.until(lambda d: d.find_element(By.ID, "connection").get_attribute("data-state") == "offline")
        check("the page shows the connection lost", True)
        for word in ("while", "down"):
            subprocess.run([MISSION, "chat", f"echo {word}", "--data", DATA], check=True, capture_output=True)
        server, _ = serve(port)
        wait.until(lambda d: d.find_element(By.ID, "connection").get_attribute("data-state") == "live")
        wait.until(lambda d: row_status(d, "while") == "completed" and row_status(d, "down") == "completed")
        check("after the restart it reconnects and shows the missions made meanwhile, completed", True)
        ids = [mission_id for mission_id, _, _ in rows(driver)]
        check("no mission is listed twice", len(ids) == len(set(ids)) == 3, ids)

        # Time travel: the first point of the timeline shows the mission as created: queued.
        # A click as a user makes it; a row replaced by a re-render in between is found again.
        wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "button.mission-row").click() or True)
        wait.until(lambda d: d.find_element(By.ID, "detail-status").text == "completed")
        slider = driver.find_element(By.ID, "travel")
        slider.send_keys(Keys.HOME)
        wait.until(lambda d: d.find_element(By.ID, "detail-status").text == "queued")
        check("the time-travel slider shows the earlier status (queued at the first seq)", True)
        slider.send_keys(Keys.END)
        wait.until(lambda d: d.find_element(By.ID, "detail-status").text == "completed")
        check("and back at the end, the live status", True)

        # Past a thousand missions: the real total, every page reachable, the filter on the server.
        with requests.Session() as session:
            for i in range(1050):
                response = session.post(f"http://127.0.0.1:{port}/api/missions", json={"objective": {"type": "echo", "description": f"bulk {i}"}})
                assert response.status_code == 202, response.text
        wait.until(lambda d: d.find_element(By.ID, "missions-count").text == "(1,053)")
        check("the header shows the real total past 1,000 missions", True)
        check("a page shows 50 rows", len(rows(driver)) == 50)
        # Older pages come by cursor (next_before): two pages down, then one back.
        driver.find_element(By.ID, "page-older").click()
        wait.until(lambda d: d.find_element(By.ID, "page-range").text == "51–100 of 1,053")
        driver.find_element(By.ID, "page-older").click()
        wait.until(lambda d: d.find_element(By.ID, "page-range").text == "101–150 of 1,053")
        third = requests.get(f"http://127.0.0.1:{port}/api/missions", params={"limit": 50, "offset": 100}).json()["missions"]
        shown = [text for _, _, text in rows(driver)]
        check("an older page by cursor holds the same missions as by offset",
              shown == [f"{m['objective_type']}: {m['description']}" for m in third], shown[:3])
        driver.find_element(By.ID, "page-newer").click()
        wait.until(lambda d: d.find_element(By.ID, "page-range").text == "51–100 of 1,053")
        check("Newer goes back to the page before", True)
        driver.find_element(By.ID, "page-oldest").click()
        wait.until(lambda d: d.find_element(By.ID, "page-range").text == "1,051–1,053 of 1,053")
        oldest = [text for _, _, text in rows(driver)]
        check("the last page holds the oldest missions", oldest == ["echo: down", "echo: while", "echo: hello"], oldest)
        driver.find_element(By.ID, "page-newer").click()
        wait.until(lambda d: d.find_element(By.ID, "page-range").text == "1,001–1,050 of 1,053")
        check("paging back one page works", True)
        Select(driver.find_element(By.ID, "status-filter")).select_by_visible_text("failed")
        wait.until(lambda d: d.find_element(By.ID, "missions-count").text == "(0 failed)")
        Select(driver.find_element(By.ID, "status-filter")).select_by_visible_text("all")
        wait.until(lambda d: d.find_element(By.ID, "page-range").text.startswith("1–50 of "))
        check("the status filter counts on the server, and 'all' goes back to the first page", True)

        # Mission control (CONTRACT §9) by the detail's buttons: approve a waiting mission, then rerun it.
        gated = requests.post(f"http://127.0.0.1:{port}/api/missions",
                              json={"objective": {"type": "echo", "description": "approve me"}, "requires_approval": True}).json()["mission_id"]
        row = f'button.mission-row[data-mission-id="{gated}"]'
        wait.until(lambda d: d.find_element(By.CSS_SELECTOR, row).click() or True)
        wait.until(lambda d: "approval" in d.find_element(By.ID, "detail-facts").text)
        check("a mission waiting for approval says so, with Approve shown and Rerun not",
              driver.find_element(By.CSS_SELECTOR, 'button[data-action="approve"]').is_displayed()
              and not driver.find_element(By.CSS_SELECTOR, 'button[data-action="rerun"]').is_displayed())
        driver.find_element(By.CSS_SELECTOR, 'button[data-action="approve"]').click()
        wait.until(lambda d: d.find_element(By.ID, "detail-status").text == "completed")
        check("the Approve button lets it run to the end", driver.find_element(By.ID, "detail-result").text == "approve me")
        wait.until(lambda d: d.find_element(By.CSS_SELECTOR, 'button[data-action="rerun"]').is_displayed())
        driver.find_element(By.CSS_SELECTOR, 'button[data-action="rerun"]').click()
        wait.until(lambda d: gated in d.find_element(By.ID, "detail-facts").text and d.find_element(By.ID, "detail-id").text != gated)
        check("Rerun makes a new mission naming its parent, and shows it", driver.find_element(By.ID, "detail-id").text.startswith("m-"))

        violations = [entry["message"] for entry in driver.get_log("browser") if "Content Security Policy" in entry["message"] or entry["level"] == "SEVERE"]
        # A refused connection while the server was down is expected; nothing else is.
        violations = [v for v in violations if "ERR_CONNECTION_REFUSED" not in v and "/ws" not in v]
        check("the browser logged no CSP violation or error", not violations, violations)
        if SCREENSHOT:
            driver.find_element(By.ID, "status-filter").send_keys(Keys.HOME)
            driver.save_screenshot(SCREENSHOT)
        foreign_origin_checks(driver, port)
        print("all dashboard checks passed")
    finally:
        driver.quit()
        stop(server)
        subprocess.run(["rm", "-rf", DATA])


if __name__ == "__main__":
    main()
