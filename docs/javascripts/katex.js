// Typesets math with the KaTeX copy served from this site (no network), wherever a page
// shows it: the article, the navigation and table of contents, and the search results.
//
// pymdownx.arithmatex (generic mode) wraps inline math as \( ... \) and display math as
// \[ ... \]. In the article only .arithmatex elements are rendered, so a dollar sign
// anywhere else on a page stays text. The table of contents and the search index hold a
// heading's text with its TeX source, so the sidebars and the search results are
// rendered too; search results are rendered as they appear (for each query, and as more
// are shown on scrolling). A formula KaTeX cannot parse is reported on the console (the
// site test treats that as a failure) and left as source.
(() => {
  const options = {
    delimiters: [
      { left: "\\(", right: "\\)", display: false },
      { left: "\\[", right: "\\]", display: true },
    ],
  };
  const typeset = (el) => renderMathInElement(el, options);

  // Search highlighting wraps the words that match in <mark>, and a mark inside a
  // formula splits its source where KaTeX cannot find it: take such marks out first.
  const FORMULA = /\\\([\s\S]*?\\\)|\\\[[\s\S]*?\\\]/g;
  const MARK = /<\/?mark\b[^>]*>/g;
  const typesetResult = (article) => {
    article.setAttribute("data-math-typeset", "");
    const html = article.innerHTML.replace(FORMULA, (tex) => tex.replace(MARK, ""));
    if (html !== article.innerHTML) article.innerHTML = html;
    typeset(article);
  };

  const results = document.querySelector(".md-search-result__list");
  if (results) {
    new MutationObserver(() => {
      results.querySelectorAll(".md-search-result__article:not([data-math-typeset])").forEach(typesetResult);
    }).observe(results, { childList: true, subtree: true });
  }

  document$.subscribe(({ body }) => {
    body.querySelectorAll(".arithmatex").forEach(typeset);
    body.querySelectorAll(".md-nav, .md-header__topic").forEach(typeset);
  });
})();
