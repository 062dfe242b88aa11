#!/usr/bin/env python3
"""Open the rendered book in headless Chromium and check what a reader would see.

Usage: browser_check.py SITE_DIR [--pages index.html core.html ...] [--all] [--links] [--search WORD]
                        [--shots DIR]

Serves SITE_DIR on 127.0.0.1 and loads the index and the chapter pages (default: index.html plus the
first of data.html / core.html that exists, or every page with --all). On each page it waits for MathJax
to finish, then fails when raw TeX (`$$`, `\\frac`, ...) is visible, when a formula did not typeset, when
an image did not load, when a request left the machine or failed, or when the page has no sidebar; with
--links also when a link points to a page of the site that does not exist.
At least one checked page must contain typeset maths. Then it types a word into the search box of a
chapter (over http and from a file:// URL, and from a page in a sub-folder if one is checked): results
must appear, link to pages of the site, include the page the word was taken from (a heading word of the
chapter, unless --search names one), and following that result must land on an existing section.
Full-page screenshots go to SITE_DIR/screenshots/ (search.png shows the results).

With --slides, SITE_DIR holds the workshop's reveal.js decks (make_slides.py): every deck must initialise
reveal.js, typeset its maths and request nothing from outside; a screenshot of each deck's slides with maths
goes to SITE_DIR/screenshots/.

Exit status 1 with a clear message on any failure. The browser is Debian's /usr/bin/chromium (or $CHROMIUM):
Playwright never downloads one. Without Chromium or Playwright the check is skipped with one line saying how
to install it (exit status 0), unless FSTML_REQUIRE_BROWSER=1, which makes that a failure (exit status 2).
"""
from __future__ import annotations

import argparse, functools, http.server, json, os, re, shutil, sys, threading, time
from pathlib import Path
from urllib.parse import unquote, urlparse

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic"]
# MathJax's assistive MathML (hidden MathML for screen readers) names MathJax's TeX fonts, which the site does
# not ship (formulas are drawn with the STIX-Web fonts): those requests fail harmlessly and the text falls back.
ASSISTIVE_FONTS = "/mathjax/fonts/HTML-CSS/TeX/otf/"
RAW_TEX = ["$$", "\\frac", "\\begin{", "\\sum", "\\partial", "\\mathbf", "\\hat"]
INSTALL_HINT = "install it with `apt-get install chromium`, or set CHROMIUM to its path"
NO_SUCH_WORD = "qzxqvjkw"


def find_chromium() -> str | None:
    "$CHROMIUM when set (and nothing else, so a wrong path is noticed), else Debian's chromium."
    wanted = os.environ.get("CHROMIUM")
    cands = [wanted] if wanted else ["/usr/bin/chromium", shutil.which("chromium"),
                                     shutil.which("chromium-browser")]
    return next((c for c in cands if c and Path(c).is_file() and os.access(c, os.X_OK)), None)


def browser_problem() -> str | None:
    "Why the pages cannot be opened in a browser here, or None."
    if find_chromium() is None:
        wanted = os.environ.get("CHROMIUM")
        where = f"CHROMIUM={wanted} is not an executable file" if wanted else "Chromium is not installed"
        return f"{where} ({INSTALL_HINT})"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is missing (pip install playwright; no browser download is needed)"
    return None


def browser_required() -> bool:
    return os.environ.get("FSTML_REQUIRE_BROWSER", "") == "1"


def no_browser(problem: str, what: str) -> int:
    "One line, then the exit status: a skip for a newcomer's machine, a failure where CI requires the check."
    if browser_required():
        print(f"browser_check: FAILED: {problem}; FSTML_REQUIRE_BROWSER=1 requires the browser check",
              file=sys.stderr)
        return 2
    print(f"browser_check: SKIPPED ({what} not checked): {problem}")
    return 0


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a):
        pass


def serve(root: Path):
    "Serve `root` on 127.0.0.1 (a free port) from a daemon thread; returns (server, base URL)."
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f"http://127.0.0.1:{srv.server_address[1]}/"


# Everything the page can tell about itself once MathJax is done.
_PROBE = """() => {
  const imgs = Array.from(document.images).map(i => ({src: i.currentSrc.slice(0, 80),
                                                       ok: i.complete && i.naturalWidth > 0}));
  const tex = document.querySelectorAll('script[type^="math/tex"]').length;
  const scripts = Array.from(document.querySelectorAll('script[type^="math/tex"]'));
  // MathJax 2 puts each formula's output right before its source script.
  const typeset = scripts.filter(s => {
    const o = s.previousElementSibling;
    return o && /(^| )MathJax(_Display|_SVG|_SVG_Display|_CHTML|_CHTML_Display)?( |$)/.test(o.className)
           && o.getBoundingClientRect().width > 0;
  }).length;
  const errors = document.querySelectorAll('.MathJax_Error, merror, .mjx-merror, [data-mjx-error]').length;
  const main = document.querySelector('main');
  // Code may hold TeX strings (plot labels): only prose must be typeset.
  const prose = document.body.cloneNode(true);
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
        if u.scheme in ("http", "https", "ws", "wss") and u.hostname not in local_hosts:
            remote.append(req.url)
    def on_failed(req):
        # MathJax's HTML-CSS output probes font loading with a blank @font-face (`about:blank`): harmless.
        if not req.url.startswith(("about:", "data:")) and ASSISTIVE_FONTS not in req.url:
            failed.append(f"{req.url} ({req.failure})")
    def on_response(resp):
        if resp.status >= 400 and ASSISTIVE_FONTS not in resp.url:
            failed.append(f"{resp.url} (HTTP {resp.status})")
    page.on("request", on_request)
    page.on("requestfailed", on_failed)
    page.on("response", on_response)
    try:
        page.goto(url, wait_until="load", timeout=timeout_ms)
        try:
            page.wait_for_function("document.documentElement.getAttribute('data-mathjax') === 'done'",
                                   timeout=timeout_ms)
        except Exception:
            problems.append("MathJax did not finish (is mathjax/ missing from the site?)")
        page.wait_for_load_state("networkidle", timeout=timeout_ms)
        facts = page.evaluate(_PROBE)
        shot.parent.mkdir(parents=True, exist_ok=True)
        try:
            page.screenshot(path=str(shot), full_page=True, timeout=timeout_ms)
        except Exception:  # very long pages can be too tall for one full-page capture: keep the first screen
            page.screenshot(path=str(shot), timeout=timeout_ms)
    finally:
        page.remove_listener("request", on_request)
        page.remove_listener("requestfailed", on_failed)
        page.remove_listener("response", on_response)
    text = facts.pop("text")
    for raw in RAW_TEX:
        if raw in text:
            i = text.index(raw)
            problems.append(f"raw TeX {raw!r} is visible: ...{text[max(0, i - 60):i + 60]!r}...")
    if facts["errors"]:
        problems.append(f"{facts['errors']} formula(s) failed to typeset")
    if facts["tex"] and facts["typeset"] < facts["tex"]:
        problems.append(f"only {facts['typeset']} of {facts['tex']} formulas typeset")
    bad = [i["src"] for i in facts["imgs"] if not i["ok"]]
    if bad:
        problems.append(f"{len(bad)} of {len(facts['imgs'])} image(s) did not load: {bad[:3]}")
    if remote:
        problems.append(f"requests to non-local hosts: {remote[:5]}")
    if failed:
        problems.append(f"failed requests: {failed[:5]}")
    if facts["sidebar"] < 1:
        problems.append("no chapter sidebar")
    if not facts["title"]:
        problems.append("no page title")
    if facts["mainText"] < 200:
        problems.append(f"the page is nearly empty ({facts['mainText']} characters)")
    facts["images"] = len(facts.pop("imgs"))
    return problems, facts


def dead_links(links: list[str], base: str, site: Path) -> list[str]:
    "Links from a page to pages of the site (resolved by the browser) whose file does not exist."
    dead = []
    for url in links:
        target = site_path(url, base)
        if target is not None and not (site / target).is_file():
            dead.append(url[len(base):])
    return [f"links to missing pages: {sorted(set(dead))[:5]}"] if dead else []


def site_path(url: str, base: str) -> str | None:
    "The file below the site that `url` (absolute, as the browser resolved it) names; None for other sites."
    if not url.startswith(base):  # other sites, mailto:, javascript: are not checked
        return None
    path = unquote(urlparse(url).path)[len(unquote(urlparse(base).path)):]
    return path + "index.html" if path == "" or path.endswith("/") else path


# ------------------------------------------------------------------------------------------------ search
def load_search_index(site: Path) -> dict:
    "The index build_site writes as a script (`window.SEARCH_INDEX = {...};`)."
    text = (site / "search_index.js").read_text(encoding="utf-8").strip()
    m = re.fullmatch(r"window\.SEARCH_INDEX\s*=\s*(\{.*\})\s*;?", text, flags=re.S)
    if not m:
        raise ValueError("search_index.js does not set window.SEARCH_INDEX")
    return json.loads(m.group(1))


def search_word(index: dict, page_name: str) -> str | None:
    "A word of 6+ letters from a heading of `page_name` (else from its text): a search must find that page."
    p = next((i for i, pg in enumerate(index["pages"]) if pg["url"] == page_name), None)
    sections = [s for s in index["sections"] if s["p"] == p]
    for field in ("h", "x"):
        for s in sections:
            words = re.findall(r"[A-Za-z]{6,}", s[field])
            if words:
                return words[0].lower()
    return None


_LANDED = """() => {
  const id = decodeURIComponent(location.hash.slice(1));
  return {url: location.href, anchor: id, found: !id || document.getElementById(id) !== null};
}"""


def check_search(page, url: str, base: str, site: Path, word: str, expect: str, shot: Path | None,
                 timeout_ms: int) -> tuple[list[str], int]:
    "Search `word` on the page at `url`; (problems, number of results)."
    page.goto(url, wait_until="load", timeout=timeout_ms)
    if page.locator("#search-input").count() != 1:
        return ["no search box (#search-input) on the page"], 0
    page.locator("#search-input").fill(word)
    try:
        page.wait_for_selector("#search-results a", state="visible", timeout=timeout_ms)
    except Exception:
        shown = page.locator("#search-results").text_content() or ""
        return [f"searching {word!r} showed no result link (the results box says {shown.strip()[:100]!r})"], 0
    hrefs = page.eval_on_selector_all("#search-results a", "as => as.map(a => a.href)")
    targets = [site_path(h, base) for h in hrefs]
    problems = []
    missing = sorted({h for h, t in zip(hrefs, targets) if t is None or not (site / t).is_file()})
    if missing:
        problems.append(f"search results link to missing pages: {missing[:3]}")
    if shot is not None:
        page.screenshot(path=str(shot))
    if expect not in targets:
        return problems + [f"no result for {word!r} links to {expect} (results: {targets[:5]})"], len(hrefs)
    # Following the result must show the section it names.
    i = targets.index(expect)
    want = hrefs[i]
    page.locator("#search-results a").nth(i).click()
    page.wait_for_url(lambda u: u.split("#")[0] == want.split("#")[0], timeout=timeout_ms)
    landed = page.evaluate(_LANDED)
    if landed["url"] != want:
        problems.append(f"the result {want} led to {landed['url']}")
    elif not landed["found"]:
        problems.append(f"the result {want} names a section #{landed['anchor']} that the page does not have")
    page.locator("#search-input").fill(NO_SUCH_WORD)
    try:
        page.wait_for_function("() => { const b = document.getElementById('search-results');"
                               " return !b.hidden && b.querySelectorAll('a').length === 0"
                               " && /No section/.test(b.textContent); }", timeout=timeout_ms)
    except Exception:
        problems.append(f"searching a word in no page ({NO_SUCH_WORD!r}) did not say that nothing matched")
    return problems, len(hrefs)


def default_pages(site: Path, all_pages: bool) -> list[str]:
    if all_pages:
        pages = (p.relative_to(site) for p in site.rglob("*.html"))
        # The workshop's slide decks (slides/) are reveal.js pages, not book pages: --slides checks them.
        return sorted((p.as_posix() for p in pages if p.parts[0] not in ("mathjax", "screenshots", "slides")),
                      key=lambda n: (n != "index.html", n))
    chapter = next((n for n in ("data.html", "core.html") if (site / n).exists()), None)
    return ["index.html"] + ([chapter] if chapter else [])


def search_plan(site: Path, pages: list[str], word: str | None) -> tuple[list[str], str, str] | str:
    "(pages to search from, word, page it must find), or why search cannot be checked."
    if not (site / "search_index.js").is_file():
        return "search_index.js is missing from the site"
    try:
        index = load_search_index(site)
    except ValueError as e:
        return str(e)
    chapter = next((p for p in pages if p != "index.html"), pages[0])
    if word is None:
        word = search_word(index, chapter)
        if word is None:
            return f"no word of 6+ letters in {chapter} to search for"
        expect = chapter
    else:
        low = word.lower()
        hit = next((s for s in index["sections"] if low in (s["h"] + " " + s["x"]).lower()), None)
        if hit is None:
            return f"{word!r} occurs in no page of the search index"
        expect = index["pages"][hit["p"]]["url"]
    nested = next((p for p in pages if "/" in p), None)  # results there must climb out of the folder
    return [chapter] + ([nested] if nested else []), word, expect


# A deck once reveal.js and MathJax are done: slide count, formulas typeset or not, and the first slide with maths.
_DECK_PROBE = """() => {
  const scripts = Array.from(document.querySelectorAll('script[type^="math/tex"]'));
  const typeset = scripts.filter(s => s.previousElementSibling &&
                                      /(^| )MathJax(_Display)?( |$)/.test(s.previousElementSibling.className)).length;
  const slides = Array.from(document.querySelectorAll('.reveal .slides > section'));
  const prose = document.querySelector('.reveal .slides').cloneNode(true);
  prose.querySelectorAll('pre, code, script, style').forEach(e => e.remove());
  return {ready: !!(window.Reveal && Reveal.isReady()), total: window.Reveal ? Reveal.getTotalSlides() : 0,
          tex: scripts.length, typeset, text: prose.textContent,
          errors: document.querySelectorAll('.MathJax_Error, merror').length,
          mathSlide: slides.findIndex(s => s.querySelector('script[type^="math/tex"]'))};
}"""


def check_decks(folder: Path, timeout: float) -> int:
    "Open every deck in `folder`: reveal.js ready, maths typeset, nothing requested from outside."
    decks = sorted(p.name for p in folder.glob("*.html") if p.name != "index.html")
    if not decks:
        print(f"browser_check: FAILED: no decks in {folder} (run make_slides.py first)", file=sys.stderr)
        return 1
    problem = browser_problem()
    if problem:
        return no_browser(problem, f"the slide decks in {folder}")
    from playwright.sync_api import sync_playwright
    srv, base = serve(folder)
    failures, timeout_ms = [], int(timeout * 1000)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS, headless=True)
            page = browser.new_context(viewport={"width": 1280, "height": 800}, service_workers="block").new_page()
            for name in decks:
                remote, failed, errors = [], [], []
                def on_request(r):
                    u = urlparse(r.url)
                    if u.scheme in ("http", "https", "ws", "wss") and u.hostname not in ("127.0.0.1", "localhost"):
                        remote.append(r.url)
                def on_failed(r):
                    if not r.url.startswith(("about:", "data:")) and ASSISTIVE_FONTS not in r.url:
                        failed.append(f"{r.url} ({r.failure})")
                def on_error(e): errors.append(str(e))
                page.on("request", on_request)
                page.on("requestfailed", on_failed)
                page.on("pageerror", on_error)
                probs = []
                page.goto(base + name, wait_until="load", timeout=timeout_ms)
                try:
                    page.wait_for_function("window.Reveal && Reveal.isReady() && "
                                           "document.documentElement.getAttribute('data-mathjax') === 'done'",
                                           timeout=timeout_ms)
                except Exception:
                    probs.append("reveal.js did not initialise or MathJax did not finish")
                facts = page.evaluate(_DECK_PROBE)
                if facts["mathSlide"] >= 0:  # show the first slide with maths, for the screenshot
                    page.evaluate(f"Reveal.slide({facts['mathSlide']})")
                    page.wait_for_timeout(300)
                (folder / "screenshots").mkdir(exist_ok=True)
                page.screenshot(path=str(folder / "screenshots" / (Path(name).stem + ".png")))
                page.remove_listener("request", on_request)
                page.remove_listener("requestfailed", on_failed)
                page.remove_listener("pageerror", on_error)
                if not facts["ready"]: probs.append("reveal.js is not ready")
                if facts["total"] < 2: probs.append(f"only {facts['total']} slide(s)")
                if facts["tex"] == 0: probs.append("no maths in the deck")
                elif facts["typeset"] < facts["tex"] or facts["errors"]:
                    probs.append(f"{facts['typeset']} of {facts['tex']} formulas typeset, {facts['errors']} errors")
                raw = [t for t in RAW_TEX if t in facts["text"]]
                if raw: probs.append(f"raw TeX visible: {raw}")
                if remote: probs.append(f"requests to non-local hosts: {remote[:5]}")
                if failed: probs.append(f"failed requests: {failed[:5]}")
                probs += [f"JavaScript error: {e}" for e in errors]
                print(f"browser_check: {name:<12} {'ok' if not probs else 'FAILED':6} slides {facts['total']:>3}  "
                      f"formulas {facts['typeset']}/{facts['tex']}")
                failures += [f"{name}: {p}" for p in probs]
            browser.close()
    finally:
        srv.shutdown()
    if failures:
        print(f"browser_check: FAILED ({len(failures)} problem(s)):", file=sys.stderr)
        for f in failures: print(f"  - {f}", file=sys.stderr)
        return 1
    print(f"browser_check: {len(decks)} deck(s) passed")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("site", help="folder holding the rendered site (index.html)")
    ap.add_argument("--pages", nargs="*", help="pages to check (default: index.html and one chapter)")
    ap.add_argument("--all", action="store_true", help="check every page of the site")
    ap.add_argument("--links", action="store_true",
                    help="also fail on links to pages missing from the site (for a complete book)")
    ap.add_argument("--search", metavar="WORD",
                    help="word to search for (default: a heading word of a chapter)")
    ap.add_argument("--shots", help="screenshot folder (default: SITE/screenshots)")
    ap.add_argument("--timeout", type=float, default=60, help="seconds to wait for a page and its maths")
    ap.add_argument("--slides", action="store_true", help="SITE holds reveal.js decks: check every deck")
    a = ap.parse_args(argv)
    if a.slides:
        return check_decks(Path(a.site).resolve(), a.timeout)
    site = Path(a.site).resolve()
    if not (site / "index.html").is_file():
        print(f"browser_check: FAILED: {site}/index.html does not exist (build the site first)",
              file=sys.stderr)
        return 1
    problem = browser_problem()
    if problem:
        return no_browser(problem, f"maths, figures, offline loading and search of {a.site}")
    from playwright.sync_api import sync_playwright
    chromium = find_chromium()
    pages = a.pages or default_pages(site, a.all)
    missing = [p for p in pages if not (site / p).is_file()]
    if missing:
        print(f"browser_check: FAILED: page(s) not in the site: {missing}", file=sys.stderr)
        return 1
    shots = Path(a.shots).resolve() if a.shots else site / "screenshots"
    plan = search_plan(site, pages, a.search)
    srv, base = serve(site)
    failures, maths = [], 0
    if isinstance(plan, str):
        failures.append(f"search: {plan}")
    t0 = time.time()
    timeout_ms = int(a.timeout * 1000)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
            ctx = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
            page = ctx.new_page()
            console_errors = []
            def on_console(m):
                if (m.type == "error" and "about:blank" not in m.text and "net::ERR_FAILED" not in m.text
                        and ASSISTIVE_FONTS not in (m.location or {}).get("url", "")):
                    console_errors.append(m.text)
            page.on("console", on_console)
            page.on("pageerror", lambda e: console_errors.append(str(e)))
            for name in pages:
                console_errors.clear()
                shot = shots / (Path(name).with_suffix("").as_posix().replace("/", "_") + ".png")
                probs, facts = check_page(page, base + name, shot, {"127.0.0.1", "localhost"}, timeout_ms)
                probs += [f"JavaScript error: {e}" for e in console_errors]
                links = facts.pop("links")
                if a.links:
                    probs += dead_links(links, base, site)
                maths += facts["typeset"]
                status = "ok" if not probs else "FAILED"
                print(f"browser_check: {name:<22} {status:6} formulas {facts['typeset']:>3}/{facts['tex']:<3} "
                      f"images {facts['images']:>3}  title {facts['title']!r}  screenshot {shot}")
                failures += [f"{name}: {p}" for p in probs]
            if not isinstance(plan, str):
                from_pages, word, expect = plan
                # From disk too: there the index must arrive by <script>, as browsers refuse fetch() on file://.
                tries = [(p, base) for p in from_pages] + [(from_pages[0], site.as_uri() + "/")]
                for i, (name, root) in enumerate(tries):
                    console_errors.clear()
                    shot = shots / "search.png" if i == 0 else None
                    probs, n = check_search(page, root + name, root, site, word, expect, shot, timeout_ms)
                    probs += [f"JavaScript error: {e}" for e in console_errors]
                    where = f"{name} ({root.split(':')[0]})"
                    print(f"browser_check: search {where:<24} {'ok' if not probs else 'FAILED':6} "
                          f"{word!r}: {n} result(s), expected {expect}")
                    failures += [f"search from {where}: {p}" for p in probs]
            browser.close()
    finally:
        srv.shutdown()
    if maths == 0:
        failures.append("no typeset maths on any checked page (expected formulas on the index page at least)")
    if failures:
        print(f"browser_check: FAILED ({len(failures)} problem(s)):", file=sys.stderr)
        for f in failures:
            print(f"  - {f}", file=sys.stderr)
        return 1
    print(f"browser_check: {len(pages)} page(s) and search passed in {time.time() - t0:.1f}s; "
          f"screenshots in {shots}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
