"""tests/cdp_page.py URL OUT.png: drive txhttp's page in headless Chromium
over the DevTools protocol (python3-websocket): fill in the form, submit it,
wait for the new row (the pipeline stored it and the page's polling found
it), complete... delete it and see it struck through; a screenshot goes to
OUT.png. Prints the new transaction's id."""
import base64, json, os, re, shutil, subprocess, sys, tempfile, time, urllib.request
import websocket

url, png = sys.argv[1], sys.argv[2]
chrome = shutil.which("chromium") or shutil.which("chromium-browser")
prof = tempfile.mkdtemp(prefix="txhttp-chrome.")
proc = subprocess.Popen([chrome, "--headless=new", "--no-sandbox", "--disable-gpu",
                         "--no-first-run", "--disable-extensions", "--window-size=1100,700",
                         "--remote-debugging-port=0", "--user-data-dir=" + prof, "about:blank"],
                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
try:
    port = None
    end = time.time() + 30
    while time.time() < end and port is None:
        line = proc.stderr.readline()
        m = re.search(r"DevTools listening on ws://[^:]+:(\d+)/", line)
        if m:
            port = int(m.group(1))
    assert port, "chromium did not start"
    targets = json.load(urllib.request.urlopen("http://127.0.0.1:%d/json/list" % port))
    ws = websocket.create_connection([t for t in targets if t["type"] == "page"][0]["webSocketDebuggerUrl"],
                                     timeout=30)
    n = [0]
    def call(method, **params):
        n[0] += 1
        ws.send(json.dumps({"id": n[0], "method": method, "params": params}))
        while True:
            r = json.loads(ws.recv())
            if r.get("id") == n[0]:
                assert "error" not in r, r
                return r["result"]
    def js(expr):
        r = call("Runtime.evaluate", expression=expr, awaitPromise=True, returnByValue=True)
        assert "exceptionDetails" not in r, r
        return r["result"].get("value")
    def until(expr, what, secs=20):
        end = time.time() + secs
        while time.time() < end:
            v = js(expr)
            if v:
                return v
            time.sleep(0.1)
        raise AssertionError("%s: not within %d s; rows: %s; msg: %s" % (
            what, secs, js("document.getElementById('rows').innerText"),
            js("document.getElementById('msg').innerText")))
    call("Page.enable")
    call("Page.navigate", url=url)
    until("document.readyState === 'complete' && !!document.getElementById('create')", "page loaded")
    # the form, as a user fills it in
    js("""(() => { const f = document.getElementById('create');
        f.account.value = 'WEB1'; f.type.value = 'deposit'; f.amount.value = '12.50';
        f.status.value = 'pending'; document.getElementById('submit').click(); return 1; })()""")
    tid = until("document.getElementById('msg').dataset.last", "the POST answered")
    sel = "document.querySelector('#rows tr[data-id=\"%s\"]')" % tid
    until("%s && %s.innerText.includes('WEB1') && %s.innerText.includes('12.50 USD') &&"
          " %s.innerText.includes('pending')" % (sel, sel, sel, sel),
          "the new row")
    call("Emulation.setDeviceMetricsOverride", width=1100, height=500, deviceScaleFactor=1, mobile=False)
    shot = call("Page.captureScreenshot", format="png")
    open(png, "wb").write(base64.b64decode(shot["data"]))
    # an update, then a deletion, as the page shows them
    js("%s.querySelector('button').click()" % sel)  # "complete"
    until("%s && %s.innerText.includes('completed')" % (sel, sel), "the update")
    js("[...%s.querySelectorAll('button')].find(b => b.textContent === 'delete').click()" % sel)
    until("%s && %s.className === 'deleted'" % (sel, sel), "the deletion")
    print(tid)
finally:
    proc.kill()
    proc.wait()
    shutil.rmtree(prof, ignore_errors=True)
