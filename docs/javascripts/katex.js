// Typesets the math of every page with the KaTeX copy served from this site (no network).
// pymdownx.arithmatex (generic mode) wraps inline math as \( ... \) and display math as
// \[ ... \] inside .arithmatex elements; only those elements are rendered, so a dollar
// sign anywhere else on a page stays text. A formula KaTeX cannot parse is reported on
// the console (the site test treats that as a failure) and left as source.
document$.subscribe(({ body }) => {
  for (const el of body.querySelectorAll(".arithmatex")) {
    renderMathInElement(el, {
      delimiters: [
        { left: "\\(", right: "\\)", display: false },
        { left: "\\[", right: "\\]", display: true },
      ],
    });
  }
});
