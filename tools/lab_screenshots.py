"""See a notebook as a learner sees it in JupyterLab: run all its cells in a real JupyterLab, in headless Chromium,
and take screenshots while it runs and after.

    python tools/lab_screenshots.py notebooks/07_evaluation.ipynb --at 20,60 --out /tmp/shots
    python tools/lab_screenshots.py demo.ipynb --at 5,15 --smoke --cell -1

For each time in ``--at`` (seconds after the run starts) and once more when the kernel is idle again, it writes a PNG
(``shot_<seconds>s.png``, ``shot_final.png``) and prints the text of the outputs of the cell it shows (``--cell``,
default the last code cell). Open the PNGs with any image viewer. The notebook is copied into a temporary folder
first, so JupyterLab's autosave never touches the original. Needs Debian's ``chromium`` (``apt-get install
chromium``) and the course's environment (JupyterLab, and websocket-client, which jupyter-server brings). Everything
runs on localhost and is stopped at the end.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from helpers.config import SMOKE_ENV  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(what: str, test, seconds: float, step: float = 0.5):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            value = test()
        except OSError:
            value = None
        if value:
            return value
        time.sleep(step)
    raise SystemExit(f"gave up waiting for {what} after {seconds:.0f} s")


class Page:
    """The Chrome DevTools protocol of one browser tab, over its websocket."""

    def __init__(self, port: int):
        import websocket

        tabs = _wait("Chromium", lambda: json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json")), 30)
        page = next(t for t in tabs if t["type"] == "page")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=120, suppress_origin=True)
        self.n = 0

    def call(self, method: str, **params):
        self.n += 1
        self.ws.send(json.dumps({"id": self.n, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.n:
                return message.get("result", message)

    def js(self, expression: str, wait: bool = True):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=wait)
        return result.get("result", {}).get("value")

    def shot(self, path: Path, cell: int) -> str:
        target = f"[...document.querySelectorAll('.jp-CodeCell')].at({int(cell)})"
        text = self.js(
            f"(() => {{ const c = {target}; if (!c) return ''; c.scrollIntoView(); "
            "return [...c.querySelectorAll('.jp-OutputArea-output')].map(e => e.innerText).join('\\n'); })()"
        )
        time.sleep(0.3)
        path.write_bytes(base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"]))
        return text or ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebook", type=Path)
    parser.add_argument("--at", default="10,30", help="seconds after the start, comma-separated (default 10,30)")
    parser.add_argument("--out", type=Path, default=Path("lab_screenshots"), help="folder for the PNGs")
    parser.add_argument("--cell", type=int, default=-1, help="code cell to show: its index (negative: from the end)")
    parser.add_argument("--smoke", action="store_true", help="run the notebook in smoke mode")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=720)
    parser.add_argument("--timeout", type=float, default=600, help="seconds to wait for the run to end")
    args = parser.parse_args(argv)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("Chromium not found. Fix: apt-get install chromium (Debian's package).")
    if not args.notebook.is_file():
        raise SystemExit(f"no notebook at {args.notebook}")
    args.out.mkdir(parents=True, exist_ok=True)
    times = sorted(float(t) for t in args.at.split(",") if t.strip())

    with tempfile.TemporaryDirectory(prefix="lab_screenshots_") as tmp:
        work = Path(tmp) / "lab"
        work.mkdir()
        nb = json.loads(args.notebook.read_text(encoding="utf-8"))
        # Without a kernelspec JupyterLab asks which kernel to start, and nobody is there to answer.
        nb.setdefault("metadata", {}).setdefault(
            "kernelspec", {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
        )
        (work / args.notebook.name).write_text(json.dumps(nb), encoding="utf-8")
        lab_port, cdp_port, token = _free_port(), _free_port(), secrets.token_hex(16)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
        env[SMOKE_ENV] = "1" if args.smoke else "0"
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        # A JupyterLab of its own: no user settings or workspaces, and no "get the news?" prompt over the outputs.
        settings = Path(tmp) / "settings"
        notification = settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
        notification.parent.mkdir(parents=True)
        notification.write_text(json.dumps({"fetchNews": "false"}), encoding="utf-8")
        env["JUPYTERLAB_SETTINGS_DIR"], env["JUPYTERLAB_WORKSPACES_DIR"] = str(settings), str(Path(tmp) / "ws")
        lab = subprocess.Popen(
            [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", f"--port={lab_port}",
             "--ip=127.0.0.1", f"--ServerApp.token={token}", f"--ServerApp.root_dir={work}",
             "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=None"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        browser = subprocess.Popen(
            [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", f"--remote-debugging-port={cdp_port}",
             f"--user-data-dir={Path(tmp) / 'chromium'}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            _wait("JupyterLab", lambda: urllib.request.urlopen(f"http://127.0.0.1:{lab_port}/api?token={token}"), 60)
            page = Page(cdp_port)
            page.call("Page.enable")
            page.call("Emulation.setDeviceMetricsOverride", width=args.width, height=args.height,
                      deviceScaleFactor=1, mobile=False)
            page.call("Page.navigate", url=f"http://127.0.0.1:{lab_port}/lab/tree/{args.notebook.name}?token={token}"
                      "&reset")
            _wait("the notebook", lambda: page.js("!!(window.jupyterapp && document.querySelector('.jp-CodeCell'))"),
                  90)
            page.js("window.jupyterapp.shell.leftCollapsed || "
                    "window.jupyterapp.commands.execute('application:toggle-left-area'); 1")
            # A headless browser has no focus, so find the notebook among the main area's widgets, not as "current".
            notebook = "[...window.jupyterapp.shell.widgets('main')].find(w => w.sessionContext)"
            kernel = f"{notebook}?.sessionContext?.session?.kernel?.status"
            _wait("the kernel", lambda: page.js(f"{kernel} === 'idle'"), 90)
            page.js(f"window.jupyterapp.shell.activateById({notebook}.id); "
                    "window.jupyterapp.commands.execute('notebook:run-all-cells'); 1", wait=False)
            start = time.time()
            for seconds in times:
                time.sleep(max(0.0, start + seconds - time.time()))
                text = page.shot(args.out / f"shot_{seconds:g}s.png", args.cell)
                print(f"--- after {seconds:g} s ---\n{text}", flush=True)
            time.sleep(1)
            _wait("the end of the run", lambda: page.js(f"{kernel} === 'idle'"), args.timeout, step=1)
            text = page.shot(args.out / "shot_final.png", args.cell)
            print(f"--- finished after {time.time() - start:.0f} s ---\n{text}", flush=True)
        finally:
            browser.terminate()
            lab.terminate()
            for process in (browser, lab):
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
    print(f"screenshots in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
