// The copy button of a ```pycon block copies code that runs when pasted: the ">>> " and
// "... " prompts are removed and the expected output is left out, as doctest reads the
// block (a "..." line continues an example only right after its ">>>" or "..." lines;
// anywhere else it is output), except that a ">>> # comment" line is kept, as the reader
// sees it (doctest skips it). After an example of several lines a blank line follows,
// so that the interactive interpreter ends the statement there. A block without prompts,
// and a block in any other language, is copied as mkdocs-material copies it: as shown.
//
// mkdocs-material copies with clipboard.js, which takes a button's data-clipboard-text in
// preference to the text of the block the button points at. That attribute is set on
// each click, in the capture phase, before clipboard.js handles the click.
(() => {
  const PS1 = /^[ \t]*>>>(?: |$)/;
  const PS2 = /^[ \t]*\.\.\.(?: |$)/;

  const pyconSource = (text) => {
    const lines = text.replace(/\n$/, "").split("\n");
    if (!lines.some((line) => PS1.test(line))) return null;
    const code = [];
    let length = 0; // lines of the example being read; 0 while reading output
    const end = () => {
      if (length > 1 && code[code.length - 1] !== "") code.push("");
      length = 0;
    };
    for (const line of lines) {
      const prompt = line.match(PS1) || (length > 0 && line.match(PS2));
      if (!prompt) {
        end(); // expected output
        continue;
      }
      if (PS1.test(line)) end();
      code.push(line.slice(prompt[0].length));
      length += 1;
    }
    end();
    return code.map((line) => `${line}\n`).join("");
  };

  document.addEventListener(
    "click",
    (ev) => {
      const button = ev.target instanceof Element && ev.target.closest("[data-clipboard-target]");
      if (!button) return;
      const code = document.querySelector(button.getAttribute("data-clipboard-target"));
      if (!code || !code.closest(".language-pycon")) return;
      const text = pyconSource(code.textContent);
      if (text === null) button.removeAttribute("data-clipboard-text");
      else button.setAttribute("data-clipboard-text", text);
    },
    true,
  );
})();
