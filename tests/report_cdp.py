"""report_cdp.py - drive headless Chromium over the DevTools protocol, for
the HTML report's tests (tests/t_report_browser.sh, t_report_hostile.sh)
and benchmark (bench/report.sh).

Chromium runs with networking features off, a new empty profile and a
DevTools port on 127.0.0.1 chosen by itself (read back from the profile's
DevToolsActivePort file).  Everything the page reports is kept: console
messages, uncaught exceptions, log entries (a Content-Security-Policy
violation is one) and JavaScript dialogs (alert/confirm/prompt), which are
dismissed.  Needs Debian's python3-websocket.
"""
import base64
import json
import os
import signal
import subprocess
import time
import urllib.request

import websocket

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--hide-scrollbars", "--mute-audio"]


class Browser:
    def __init__(self, chrome, profile, width=1400, height=1000):
        os.makedirs(profile, exist_ok=True)
        port_file = os.path.join(profile, "DevToolsActivePort")
        if os.path.exists(port_file):  # a previous run's: not ours
            os.unlink(port_file)
        self.proc = subprocess.Popen(
            [chrome] + FLAGS + ["--user-data-dir=" + profile,
                                "--remote-debugging-port=0",
                                "--window-size=%d,%d" % (width, height),
                                "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)  # its own process group: ended whole
        try:
            self._connect(self._port(port_file), width, height)
        except Exception:
            self._kill()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _connect(self, port, width, height):
        pages = []
        for _ in range(100):
            with urllib.request.urlopen("http://127.0.0.1:%d/json/list" % port,
                                        timeout=10) as r:
                pages = [p for p in json.load(r) if p.get("type") == "page"]
            if pages:
                break
            time.sleep(0.1)
        self.ws = websocket.create_connection(
            pages[0]["webSocketDebuggerUrl"], timeout=120,
            suppress_origin=True)
        self.next_id = 0
        self.events = []
        self.dialogs = []
        for domain in ("Page", "Runtime", "Log"):
            self.send(domain + ".enable")
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1,
                   "mobile": False})

    def _port(self, path):
        for _ in range(300):
            if self.proc.poll() is not None:
                raise RuntimeError("chromium exited with %d" % self.proc.returncode)
            try:
                with open(path) as f:
                    line = f.readline().strip()
                if line:
                    return int(line)
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("chromium did not open its DevTools port")

    def _event(self, msg):
        m, p = msg.get("method"), msg.get("params", {})
        if m == "Page.javascriptDialogOpening":
            self.dialogs.append(p.get("message"))
            self.send_nowait("Page.handleJavaScriptDialog", {"accept": False})
        elif m == "Runtime.exceptionThrown":
            d = p.get("exceptionDetails", {})
            self.events.append(("exception", d.get("text", "") + " " +
                                json.dumps(d.get("exception", {}).get("description", ""))))
        elif m == "Runtime.consoleAPICalled":
            self.events.append(("console", " ".join(
                str(a.get("value", a.get("description", ""))) for a in p.get("args", []))))
        elif m == "Log.entryAdded":
            e = p.get("entry", {})
            self.events.append(("log-" + e.get("level", ""), e.get("text", "")))
        return m

    def send_nowait(self, method, params=None):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method,
                                 "params": params or {}}))
        return self.next_id

    def send(self, method, params=None):
        want = self.send_nowait(method, params)
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == want:
                if "error" in msg:
                    raise RuntimeError("%s: %s" % (method, msg["error"]))
                return msg.get("result", {})
            self._event(msg)

    def wait_event(self, name, timeout=120):
        end = time.time() + timeout
        while time.time() < end:
            msg = json.loads(self.ws.recv())
            if self._event(msg) == name:
                return msg.get("params", {})
        raise RuntimeError("no " + name)

    def navigate(self, url):
        """Load url; a change of fragment only is a same-document
        navigation (the page sees hashchange): nothing to wait for."""
        r = self.send("Page.navigate", {"url": url})
        if r.get("loaderId"):
            self.wait_event("Page.loadEventFired")

    def eval(self, expr, await_promise=False):
        r = self.send("Runtime.evaluate", {"expression": expr,
                                           "returnByValue": True,
                                           "awaitPromise": await_promise})
        if "exceptionDetails" in r:
            raise RuntimeError("%s: %s" % (expr[:80], r["exceptionDetails"]))
        return r.get("result", {}).get("value")

    def screenshot(self, path, full=False):
        """PNG of the view, or of the whole page (at most 6000 px high):
        the window is made that tall for the shot, so that sticky headers
        stay at the top, then given back its size."""
        size = None
        if full:
            size = self.eval("[innerWidth, innerHeight]")
            height = self.eval("document.documentElement.scrollHeight")
            self.send("Emulation.setDeviceMetricsOverride",
                      {"width": size[0], "height": min(height, 6000),
                       "deviceScaleFactor": 1, "mobile": False})
        data = self.send("Page.captureScreenshot", {"format": "png"})["data"]
        if size:
            self.send("Emulation.setDeviceMetricsOverride",
                      {"width": size[0], "height": size[1],
                       "deviceScaleFactor": 1, "mobile": False})
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def _kill(self):
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()

    def close(self):
        try:
            self.send_nowait("Browser.close")
            self.proc.wait(timeout=10)
        except Exception:
            pass
        self._kill()  # and whatever it left in its group
