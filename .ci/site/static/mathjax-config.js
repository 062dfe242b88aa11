// MathJax 2 takes its configuration from window.MathJax when this file runs before MathJax.js; a file rather
// than an inline <script type="text/x-mathjax-config"> keeps the TeX delimiters free of HTML/JS escaping.
window.MathJax = {
  tex2jax: {inlineMath: [["$", "$"], ["\\(", "\\)"]], displayMath: [["$$", "$$"], ["\\[", "\\]"]],
            processEscapes: true, processEnvironments: true},
  TeX: {equationNumbers: {autoNumber: "AMS"}},
  MMLorHTML: {prefer: "HTML"},
  // Only the STIX web fonts are shipped with the site: MathJax must not look for others.
  "HTML-CSS": {availableFonts: [], preferredFont: null, webFont: "STIX-Web", imageFont: null,
               linebreaks: {automatic: false}},
  "fast-preview": {disabled: true}, menuSettings: {CHTMLpreview: false, zoom: "None"},
  showMathMenu: false, showProcessingMessages: false, messageStyle: "none",
  AuthorInit: function () {
    // The browser check waits for this attribute before it looks for untypeset TeX.
    MathJax.Hub.Register.StartupHook("End", function () {
      document.documentElement.setAttribute("data-mathjax", "done");
    });
  }
};
