#!/usr/bin/env python3
"""cdp.py: drive headless Chromium over the DevTools protocol, for tests.

Chromium is started with --remote-debugging-pipe: commands go in on its
fd 3 and answers come out of its fd 4, as JSON messages each ended by a NUL
byte, so no port and no websocket library are needed. Used as a module:

    with Chrome() as c:
        t = c.tab(1024, 768)
        t.goto("http://127.0.0.1:8080/")
        t.wait("document.body.dataset.frames >= 1")
        t.eval("document.title")
        t.screenshot("page.png")
"""
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time


class Error(Exception):
    pass


class Chrome:
    def __init__(self, binary=None, timeout=30):
        self.binary = binary or os.environ.get("CHROMIUM") or shutil.which("chromium") or "chromium"
        self.timeout = timeout
        self.next_id = 0
        self.events = []

    def __enter__(self):
        # in the current directory: a test writes only in its scratch directory
        self.profile = tempfile.mkdtemp(prefix="cdp-profile.", dir=os.getcwd())
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()

        def child():
            # fds 3 and 4, inheritable (a pipe may already sit on 3 or 4 and
            # carry close-on-exec: dup2 onto itself would not clear it)
            a, b = os.dup(to_chrome_r), os.dup(from_chrome_w)
            os.dup2(a, 3)
            os.dup2(b, 4)
            os.set_inheritable(3, True)
            os.set_inheritable(4, True)

        self.proc = subprocess.Popen(
            [self.binary, "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-dev-shm-usage", "--no-first-run", "--hide-scrollbars",
             "--font-render-hinting=none", "--remote-debugging-pipe",
             "--user-data-dir=" + self.profile, "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=open(os.environ.get("CDP_LOG", os.devnull), "w"),
            preexec_fn=child, close_fds=False)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.buf = b""
        return self

    def __exit__(self, *exc):
        try:
            self.send("Browser.close")
        except Exception:
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self.to_chrome)
        os.close(self.from_chrome)
        shutil.rmtree(self.profile, ignore_errors=True)

    def _read_message(self, deadline):
        while b"\0" not in self.buf:
            if time.monotonic() > deadline:
                raise Error("no answer from Chromium in time")
            chunk = os.read(self.from_chrome, 1 << 16)
            if not chunk:
                raise Error("Chromium closed the pipe (did it start?)")
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def send(self, method, params=None, session=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.to_chrome, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            m = self._read_message(deadline)
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise Error("%s: %s" % (method, m["error"]))
                return m.get("result", {})
            self.events.append(m)

    def tab(self, width, height, mobile=False):
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        t = Tab(self, session)
        t.send("Page.enable")
        t.send("Emulation.setDeviceMetricsOverride",
               {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})
        return t


class Tab:
    def __init__(self, chrome, session):
        self.c = chrome
        self.session = session

    def send(self, method, params=None):
        return self.c.send(method, params, self.session)

    def goto(self, url):
        self.send("Page.navigate", {"url": url})

    def eval(self, expr):
        r = self.send("Runtime.evaluate", {"expression": expr, "returnByValue": True,
                                           "awaitPromise": True})
        if "exceptionDetails" in r:
            raise Error("%s: %s" % (expr, r["exceptionDetails"]))
        return r["result"].get("value")

    def wait(self, expr, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self.eval(expr):
                    return
            except Error:
                pass
            time.sleep(0.1)
        raise Error("timed out waiting for: " + expr)

    def screenshot(self, path, full=True):
        params = {"format": "png"}
        if full:
            params["captureBeyondViewport"] = True
            m = self.send("Page.getLayoutMetrics")
            size = m.get("cssContentSize") or m["contentSize"]
            params["clip"] = {"x": 0, "y": 0, "width": size["width"],
                              "height": size["height"], "scale": 1}
        data = self.send("Page.captureScreenshot", params)["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))


# The overlap check, run in the page: every <text> of the SVG against every
# other, by the boxes Chromium laid out; and every one inside the SVG.
OVERLAPS_JS = r"""
(() => {
  const svg = document.querySelector('svg');
  if (!svg) return ['no svg'];
  const frame = svg.getBoundingClientRect();
  const boxes = [...svg.querySelectorAll('text')].map(t => [t, t.getBoundingClientRect()])
      .filter(([t, r]) => r.width > 0);
  const bad = [];
  const e = 0.5;
  for (const [t, r] of boxes)
    if (r.left < frame.left - e || r.right > frame.right + e ||
        r.top < frame.top - e || r.bottom > frame.bottom + e)
      bad.push('clipped: "' + t.textContent + '"');
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i][1], b = boxes[j][1];
      if (a.left < b.right - e && b.left < a.right - e &&
          a.top < b.bottom - e && b.top < a.bottom - e)
        bad.push('overlap: "' + boxes[i][0].textContent + '" / "' + boxes[j][0].textContent + '"');
    }
  return bad.length ? bad : ['ok ' + boxes.length + ' texts'];
})()
"""

# The figures the page shows, from the SVG's data attributes.
FIGURES_JS = r"""
(() => {
  const g = document.querySelector('#totals');
  if (!g) return null;
  const out = {records: +g.dataset.records, bad: +g.dataset.bad, alerts: +g.dataset.alerts};
  for (const r of document.querySelectorAll('rect[data-type]')) out[r.dataset.type] = +r.dataset.count;
  for (const r of document.querySelectorAll('rect[data-status]')) out[r.dataset.status] = +r.dataset.count;
  out.frames = +(document.body.dataset.frames || 0);
  return out;
})()
"""


def main(argv):
    """cdp.py overlaps URL WIDTHxHEIGHT [PNG]: print the overlap check's findings.
    cdp.py figures URL WIDTHxHEIGHT: print the figures the page shows, as JSON."""
    cmd, url, size = argv[1], argv[2], argv[3]
    w, h = (int(x) for x in size.split("x"))
    with Chrome() as c:
        t = c.tab(w, h, mobile=w < 700)
        t.goto(url)
        t.wait("document.querySelector('svg text') !== null")
        if cmd == "overlaps":
            for line in t.eval(OVERLAPS_JS):
                print(line)
            if len(argv) > 4:
                t.screenshot(argv[4])
        elif cmd == "figures":
            print(json.dumps(t.eval(FIGURES_JS), sort_keys=True))
        else:
            raise SystemExit("cdp.py: unknown command " + cmd)


if __name__ == "__main__":
    main(sys.argv)
