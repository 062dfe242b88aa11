// Full-text search of the book. It must work on pages opened straight from disk, where browsers refuse
// fetch() of a local file: the index is therefore a script (search_index.js sets window.SEARCH_INDEX),
// added to the page on first use so that reading a chapter never waits for it.
(function () {
  "use strict";
  var input = document.getElementById("search-input");
  var box = document.getElementById("search-results");
  if (!input || !box) return;
  var root = document.documentElement.getAttribute("data-root") || "";
  var MAX_RESULTS = 30;
  var SNIPPET = 180;
  var entries = null;
  var requested = false;

  // Lower-cased copies are made once, not on every keystroke.
  function prepare(index) {
    return index.sections.map(function (s) {
      var page = index.pages[s.p];
      return {page: page, heading: s.h, anchor: s.a, text: s.x, lowHeading: s.h.toLowerCase(),
              lowText: s.x.toLowerCase(), lowPage: page.title.toLowerCase()};
    });
  }

  function withIndex(then) {
    if (!entries && window.SEARCH_INDEX) entries = prepare(window.SEARCH_INDEX);
    if (entries) {
      then();
      return;
    }
    if (requested) return;
    requested = true;
    var script = document.createElement("script");
    script.src = root + "search_index.js";
    // The query may have changed while the index loaded: search for what the box holds now.
    script.onload = function () { withIndex(function () { run(); }); };
    script.onerror = function () {
      requested = false;
      message("The search index (search_index.js) could not be loaded.");
    };
    document.head.appendChild(script);
  }

  function count(hay, term, cap) {
    var n = 0, i = hay.indexOf(term);
    while (i >= 0 && n < cap) {
      n++;
      i = hay.indexOf(term, i + term.length);
    }
    return n;
  }

  // Every word of the query must occur in the section (its heading, text or page title); a word in a heading
  // weighs most, then the number of times the words occur in the text.
  function search(query) {
    var terms = query.toLowerCase().split(/\s+/).filter(function (t, i, all) {
      return t && all.indexOf(t) === i;
    });
    var hits = [];
    entries.forEach(function (e, order) {
      var score = 0;
      for (var j = 0; j < terms.length; j++) {
        var t = terms[j];
        var inHeading = e.lowHeading.indexOf(t) >= 0, inPage = e.lowPage.indexOf(t) >= 0;
        var n = count(e.lowText, t, 10);
        if (!inHeading && !inPage && !n) return;
        score += (inHeading ? 20 : 0) + (inPage ? 4 : 0) + n;
      }
      hits.push({entry: e, score: score, order: order});
    });
    hits.sort(function (a, b) { return b.score - a.score || a.order - b.order; });
    return {terms: terms, hits: hits};
  }

  // A window of the text around the first match, with every match marked.
  function snippet(e, terms) {
    var first = -1;
    terms.forEach(function (t) {
      var i = e.lowText.indexOf(t);
      if (i >= 0 && (first < 0 || i < first)) first = i;
    });
    var start = Math.max(0, first - 60);
    if (start > 0) {
      var space = e.text.indexOf(" ", start);
      if (space >= 0 && space < first) start = space + 1;
    }
    var end = Math.min(e.text.length, start + SNIPPET);
    var low = e.lowText.slice(start, end), ranges = [];
    terms.forEach(function (t) {
      for (var i = low.indexOf(t); i >= 0; i = low.indexOf(t, i + t.length)) ranges.push([i, i + t.length]);
    });
    ranges.sort(function (a, b) { return a[0] - b[0]; });
    var span = document.createElement("span");
    span.className = "search-snippet";
    var text = e.text.slice(start, end), at = 0;
    if (start > 0) span.appendChild(document.createTextNode("… "));
    ranges.forEach(function (r) {
      if (r[0] < at) return;
      span.appendChild(document.createTextNode(text.slice(at, r[0])));
      var mark = document.createElement("mark");
      mark.textContent = text.slice(r[0], r[1]);
      span.appendChild(mark);
      at = r[1];
    });
    span.appendChild(document.createTextNode(text.slice(at) + (end < e.text.length ? " …" : "")));
    return span;
  }

  function message(text) {
    box.textContent = "";
    var p = document.createElement("p");
    p.className = "search-count";
    p.textContent = text;
    box.appendChild(p);
    box.hidden = false;
  }

  function render(query, found) {
    var hits = found.hits;
    if (!hits.length) {
      message("No section of the book contains \u201c" + query + "\u201d.");
      return;
    }
    message(hits.length === 1 ? "1 section" : hits.length + " sections" +
            (hits.length > MAX_RESULTS ? " (the first " + MAX_RESULTS + " shown)" : ""));
    var list = document.createElement("ol");
    hits.slice(0, MAX_RESULTS).forEach(function (h) {
      var e = h.entry, a = document.createElement("a");
      a.href = root + e.page.url + (e.anchor ? "#" + e.anchor : "");
      var where = document.createElement("span");
      where.className = "search-where";
      where.textContent = e.heading;
      if (e.heading !== e.page.title) {
        var page = document.createElement("span");
        page.className = "search-page";
        page.textContent = " \u2014 " + e.page.title;
        where.appendChild(page);
      }
      a.appendChild(where);
      a.appendChild(snippet(e, found.terms));
      var li = document.createElement("li");
      li.appendChild(a);
      list.appendChild(li);
    });
    box.appendChild(list);
  }

  function run() {
    var query = input.value.trim();
    if (query.length < 2) {
      box.hidden = true;
      box.textContent = "";
      return;
    }
    withIndex(function () { render(query, search(query)); });
  }

  function links() { return Array.prototype.slice.call(box.querySelectorAll("a")); }

  input.addEventListener("input", run);
  input.addEventListener("focus", function () {
    if (input.value.trim().length >= 2) run();
    else withIndex(function () {});
  });
  input.addEventListener("keydown", function (ev) {
    var all = links();
    if (ev.key === "Enter" && all.length) {
      ev.preventDefault();
      all[0].click();
    } else if (ev.key === "ArrowDown" && all.length) {
      ev.preventDefault();
      all[0].focus();
    } else if (ev.key === "Escape") {
      box.hidden = true;
      input.blur();
    }
  });
  box.addEventListener("keydown", function (ev) {
    var all = links(), i = all.indexOf(document.activeElement);
    if (ev.key === "ArrowDown" && i + 1 < all.length) all[i + 1].focus();
    else if (ev.key === "ArrowUp") (i > 0 ? all[i - 1] : input).focus();
    else if (ev.key === "Escape") input.focus();
    else return;
    ev.preventDefault();
  });
  // A result on the current page only moves to its section: close the results so the section shows.
  box.addEventListener("click", function (ev) {
    if (ev.target.closest("a")) box.hidden = true;
  });
  document.addEventListener("click", function (ev) {
    if (!ev.target.closest(".search")) box.hidden = true;
  });
  document.addEventListener("keydown", function (ev) {
    var tag = (ev.target.tagName || "").toLowerCase();
    if (ev.key === "/" && tag !== "input" && tag !== "textarea" && !ev.target.isContentEditable) {
      ev.preventDefault();
      input.focus();
    }
  });
})();
