#!/usr/bin/env python3
"""Open the rendered book in headless Chromium and check what a reader would see.

Usage: browser_check.py SITE_DIR [--pages index.html core.html ...] [--all] [--links] [--shots DIR]

Serves SITE_DIR on 127.0.0.1 and loads the index and the chapter pages (default: index.html plus the
first of data.html / core.html that exists, or every page with --all). On each page it waits for MathJax
to finish, then fails when raw TeX (`$$`, `\\frac`, ...) is visible, when a formula did not typeset, when
an image did not load, when a request left the machine or failed, or when the page has no sidebar; with
--links also when a link points to a page of the site that does not exist.
At least one checked page must contain typeset maths. Full-page screenshots go to SITE_DIR/screenshots/.
Exit status 1 with a clear message on any failure, 2 when Chromium or Playwright is missing.
The browser is Debian's /usr/bin/chromium (or $CHROMIUM): Playwright never downloads one.
"""
from __future__ import annotations

import argparse, functools, http.server, os, shutil, sys, threading, time
from pathlib import Path
from urllib.parse import urlparse

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic"]
# MathJax's assistive MathML (hidden MathML for screen readers) names MathJax's TeX fonts, which the site does not
# ship (formulas are drawn with the STIX-Web fonts): those requests fail harmlessly and the hidden text falls back.
ASSISTIVE_FONTS = "/mathjax/fonts/HTML-CSS/TeX/otf/"
RAW_TEX = ["$$", "\\frac", "\\begin{", "\\sum", "\\partial", "\\mathbf", "\\hat"]


def find_chromium() -> str | None:
    for c in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if c and Path(c).is_file() and os.access(c, os.X_OK): return c
    return None


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a): pass


def serve(root: Path):
    "Serve `root` on 127.0.0.1 (a free port) from a daemon thread; returns (server, base URL)."
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f"http://127.0.0.1:{srv.server_address[1]}/"


# Everything the page can tell about itself once MathJax is done.
_PROBE = """() => {
  const imgs = Array.from(document.images).map(i => ({src: i.currentSrc.slice(0, 80), ok: i.complete && i.naturalWidth > 0}));
  const tex = document.querySelectorAll('script[type^="math/tex"]').length;
  const scripts = Array.from(document.querySelectorAll('script[type^="math/tex"]'));
  // MathJax 2 puts each formula's output right before its source script.
  const typeset = scripts.filter(s => {
    const o = s.previousElementSibling;
    return o && /(^| )MathJax(_Display|_SVG|_SVG_Display|_CHTML|_CHTML_Display)?( |$)/.test(o.className) && o.getBoundingClientRect().width > 0;
  }).length;
  const errors = document.querySelectorAll('.MathJax_Error, merror, .mjx-merror, [data-mjx-error]').length;
  const main = document.querySelector('main');
  const prose = document.body.cloneNode(true);  // code may hold TeX strings (plot labels): only prose must be typeset
  prose.querySelectorAll('pre, code, script, style').forEach(e => e.remove());
  const links = Array.from(document.querySelectorAll('a[href]')).map(a => a.href);
  return {text: prose.textContent, imgs, links, tex, typeset, errors,
          sidebar: document.querySelectorAll('nav.sidebar a').length,
          title: (document.querySelector('h1.title') || {}).innerText || '',
          mainText: main ? main.innerText.length : 0};
}"""


def check_page(page, url: str, shot: Path, local_hosts: set[str], timeout_ms: int) -> tuple[list[str], dict]:
    "Load `url`, wait for MathJax, screenshot it; (problems, facts)."
    problems, failed, remote = [], [], []
    def on_request(req):
        u = urlparse(req.url)
        if u.scheme in ("http", "https", "ws", "wss") and u.hostname not in local_hosts: remote.append(req.url)
    def on_failed(req):
        # MathJax's HTML-CSS output probes font loading with a blank @font-face (`about:blank`): harmless.
        if not req.url.startswith(("about:", "data:")) and ASSISTIVE_FONTS not in req.url: failed.append(f"{req.url} ({req.failure})")
    def on_response(resp):
        if resp.status >= 400 and ASSISTIVE_FONTS not in resp.url: failed.append(f"{resp.url} (HTTP {resp.status})")
    page.on("request", on_request); page.on("requestfailed", on_failed); page.on("response", on_response)
    try:
        page.goto(url, wait_until="load", timeout=timeout_ms)
        try:
            page.wait_for_function("document.documentElement.getAttribute('data-mathjax') === 'done'", timeout=timeout_ms)
        except Exception:
            problems.append("MathJax did not finish (is mathjax/ missing from the site?)")
        page.wait_for_load_state("networkidle", timeout=timeout_ms)
        facts = page.evaluate(_PROBE)
        shot.parent.mkdir(parents=True, exist_ok=True)
        try: page.screenshot(path=str(shot), full_page=True, timeout=timeout_ms)
        except Exception:  # very long pages can be too tall for one full-page capture: keep the first screen
            page.screenshot(path=str(shot), timeout=timeout_ms)
    finally:
        page.remove_listener("request", on_request); page.remove_listener("requestfailed", on_failed)
        page.remove_listener("response", on_response)
    text = facts.pop("text")
    for raw in RAW_TEX:
        if raw in text:
            i = text.index(raw)
            problems.append(f"raw TeX {raw!r} is visible: ...{text[max(0, i - 60):i + 60]!r}...")
    if facts["errors"]: problems.append(f"{facts['errors']} formula(s) failed to typeset")
    if facts["tex"] and facts["typeset"] < facts["tex"]:
        problems.append(f"only {facts['typeset']} of {facts['tex']} formulas typeset")
    bad = [i["src"] for i in facts["imgs"] if not i["ok"]]
    if bad: problems.append(f"{len(bad)} of {len(facts['imgs'])} image(s) did not load: {bad[:3]}")
    if remote: problems.append(f"requests to non-local hosts: {remote[:5]}")
    if failed: problems.append(f"failed requests: {failed[:5]}")
    if facts["sidebar"] < 1: problems.append("no chapter sidebar")
    if not facts["title"]: problems.append("no page title")
    if facts["mainText"] < 200: problems.append(f"the page is nearly empty ({facts['mainText']} characters)")
    facts["images"] = len(facts.pop("imgs"))
    return problems, facts


def dead_links(links: list[str], base: str, site: Path) -> list[str]:
    "Links from a page to pages of the site (resolved by the browser) whose file does not exist."
    dead = []
    for url in links:
        if not url.startswith(base): continue        # other sites, mailto:, javascript: are not checked
        path = urlparse(url).path.lstrip("/")
        target = site / path
        if path == "" or path.endswith("/"): target = target / "index.html"
        if not target.is_file(): dead.append(url[len(base):])
    return [f"links to missing pages: {sorted(set(dead))[:5]}"] if dead else []


def default_pages(site: Path, all_pages: bool) -> list[str]:
    if all_pages:
        pages = (p.relative_to(site) for p in site.rglob("*.html"))
        return sorted((p.as_posix() for p in pages if p.parts[0] not in ("mathjax", "screenshots")),
                      key=lambda n: (n != "index.html", n))
    chapter = next((n for n in ("data.html", "core.html") if (site / n).exists()), None)
    return ["index.html"] + ([chapter] if chapter else [])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("site", help="folder holding the rendered site (index.html)")
    ap.add_argument("--pages", nargs="*", help="pages to check (default: index.html and one chapter)")
    ap.add_argument("--all", action="store_true", help="check every page of the site")
    ap.add_argument("--links", action="store_true", help="also fail on links to pages missing from the site (for a complete book)")
    ap.add_argument("--shots", help="screenshot folder (default: SITE/screenshots)")
    ap.add_argument("--timeout", type=float, default=60, help="seconds to wait for a page and its maths")
    a = ap.parse_args(argv)
    site = Path(a.site).resolve()
    if not (site / "index.html").is_file():
        print(f"browser_check: FAILED: {site}/index.html does not exist (build the site first)", file=sys.stderr); return 1
    chromium = find_chromium()
    if chromium is None:
        print("browser_check: FAILED: Chromium not found at /usr/bin/chromium (apt-get install chromium, "
              "or set CHROMIUM to its path)", file=sys.stderr); return 2
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("browser_check: FAILED: Playwright for Python is missing (pip install playwright; "
              "no browser download is needed)", file=sys.stderr); return 2
    pages = a.pages or default_pages(site, a.all)
    missing = [p for p in pages if not (site / p).is_file()]
    if missing:
        print(f"browser_check: FAILED: page(s) not in the site: {missing}", file=sys.stderr); return 1
    shots = Path(a.shots).resolve() if a.shots else site / "screenshots"
    srv, base = serve(site)
    failures, maths = [], 0
    t0 = time.time()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
            ctx = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
            page = ctx.new_page()
            console_errors = []
            page.on("console", lambda m: console_errors.append(m.text)
                    if m.type == "error" and "about:blank" not in m.text and "net::ERR_FAILED" not in m.text
                    and ASSISTIVE_FONTS not in (m.location or {}).get("url", "") else None)
            page.on("pageerror", lambda e: console_errors.append(str(e)))
            for name in pages:
                console_errors.clear()
                shot = shots / (Path(name).with_suffix("").as_posix().replace("/", "_") + ".png")
                probs, facts = check_page(page, base + name, shot, {"127.0.0.1", "localhost"}, int(a.timeout * 1000))
                probs += [f"JavaScript error: {e}" for e in console_errors]
                links = facts.pop("links")
                if a.links: probs += dead_links(links, base, site)
                maths += facts["typeset"]
                status = "ok" if not probs else "FAILED"
                print(f"browser_check: {name:<22} {status:6} formulas {facts['typeset']:>3}/{facts['tex']:<3} "
                      f"images {facts['images']:>3}  title {facts['title']!r}  screenshot {shot}")
                failures += [f"{name}: {p}" for p in probs]
            browser.close()
    finally:
        srv.shutdown()
    if maths == 0: failures.append("no typeset maths on any checked page (expected formulas on the index page at least)")
    if failures:
        print(f"browser_check: FAILED ({len(failures)} problem(s)):", file=sys.stderr)
        for f in failures: print(f"  - {f}", file=sys.stderr)
        return 1
    print(f"browser_check: {len(pages)} page(s) passed in {time.time() - t0:.1f}s; screenshots in {shots}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
