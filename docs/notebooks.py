"""MkDocs build hook: a Jupyter notebook made from every page that has examples.

Each page with ```` ```pycon ```` examples becomes ``notebooks/<page>.ipynb`` in the built
site (nothing is written into ``docs/``), and the page gets a link "Download this page as
a notebook" under its title. The notebook is the page itself, cell by cell:

* the first cell is a code cell holding the imports of the page's examples;
* the prose becomes Markdown cells, its links pointing into the built site;
* each example becomes a code cell: the ``>>>`` statements of a ``pycon`` block up to one
  with output, which is stored as the cell's output exactly as the page shows it (text
  printed, the value of the last expression, or the exception of a ``Traceback``
  example, whose cell is tagged ``raises-exception``);
* the starter and the self-check of each exercise become code cells tagged ``exercise``,
  for the reader to fill in and run; the solutions stay folded in the Markdown.

The test suite runs every notebook in a Jupyter kernel and compares the output of each
cell with the page.
"""

from __future__ import annotations

import ast
import doctest
import posixpath
import re
import textwrap
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple, cast

import nbformat
from nbformat import NotebookNode

if TYPE_CHECKING:
    from mkdocs.structure.files import Files

# nbformat's constructors have no type annotations: the same functions, typed.
new_notebook = cast("Callable[..., NotebookNode]", nbformat.v4.new_notebook)
new_code_cell = cast("Callable[..., NotebookNode]", nbformat.v4.new_code_cell)
new_markdown_cell = cast("Callable[..., NotebookNode]", nbformat.v4.new_markdown_cell)
new_output = cast("Callable[..., NotebookNode]", nbformat.v4.new_output)

FOLDER = "notebooks"
"""Where the notebooks go in the built site."""

LINK_TEXT = "Download this page as a notebook"

EXERCISE_TAG = "exercise"
"""The tag of the starter and self-check cells of an exercise."""

FENCE = re.compile(r"^(?P<indent>[ \t]*)```(?P<info>[^\n]*)\n(?P<body>.*?)^(?P=indent)```[ \t]*(?:\n|\Z)", re.M | re.S)
"""A fenced code block; its info string names the language (``pycon``, ``python title="Starter"``)."""

EXERCISE_TITLES = {"Starter": "starter", "Self-check": "check", "Solution": "solution"}
"""The titles that mark the code blocks of an exercise: ```` ```python title="Starter" ````."""

_TITLE = re.compile(r'^python\s+title="(?P<title>[^"]+)"\s*$')
_FIGURE = re.compile(
    r'<figure[^>]*>\s*!\[(?P<alt>[^\]]*)\]\((?P<src>[^)\s]+)\)\s*<figcaption>(?P<caption>.*?)</figcaption>\s*</figure>',
    re.S,
)
_LINK = re.compile(r"(?P<bang>!?)\[(?P<text>[^\]]*)\]\((?P<target>[^)\s]+)\)(?:\{[^}\n]*\})?")
_HEADING_ID = re.compile(r"^(?P<heading>#{1,6} .*?)\s*\{\s*#[\w-]+\s*\}\s*$", re.M)
_ADMONITION = re.compile(r'^(?P<kind>!!!|\?\?\?\+?) +(?P<type>[\w-]+)(?: +"(?P<title>[^"]*)")? *$')


class Block(NamedTuple):
    """A piece of a page: prose, or a fenced code block that becomes code cells."""

    kind: str
    """``"prose"``, ``"pycon"`` (examples), ``"starter"`` or ``"check"`` (of an exercise)."""
    text: str
    line: int
    """The page line the piece starts on, counted from 1."""


def page_blocks(markdown: str) -> list[Block]:
    """Split a page into prose and the top-level code blocks that become code cells.

    A fenced block becomes code if it is not indented and is either ``pycon`` (examples,
    the blocks the page's doctests run) or the starter or self-check of an exercise.
    Every other fence, and anything indented (an admonition's or a solution's content),
    stays in the prose.
    """
    blocks: list[Block] = []
    start = 0
    for m in FENCE.finditer(markdown):
        info = m.group("info").strip()
        title = _TITLE.match(info)
        kind = "pycon" if info.startswith("pycon") else EXERCISE_TITLES.get(title["title"], "") if title else ""
        if m.group("indent") or kind not in ("pycon", "starter", "check"):
            continue
        if markdown[start : m.start()].strip():
            blocks.append(Block("prose", markdown[start : m.start()], markdown.count("\n", 0, start) + 1))
        line = markdown.count("\n", 0, m.start("body")) + 1
        blocks.append(Block(kind, m.group("body"), line))
        start = m.end()
    if markdown[start:].strip():
        blocks.append(Block("prose", markdown[start:], markdown.count("\n", 0, start) + 1))
    return blocks


def _bound_names(tree: ast.AST) -> set[str]:
    """The names a piece of code assigns, defines or imports, anywhere in it."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names


def _imports_only(source: str) -> list[ast.stmt] | None:
    """The statements of an example made only of imports, else None."""
    try:
        body = ast.parse(source).body
    except SyntaxError:
        return None
    if body and all(isinstance(s, (ast.Import, ast.ImportFrom)) for s in body):
        return body
    return None


def _hoisted(examples: list[doctest.Example]) -> list[str]:
    """The import examples that can move to the first cell, in page order, without repeats.

    An import moves unless a name it binds is also bound by any other statement of the page
    (moving it would then change which value that name has at some point).
    """
    other: dict[str, int] = {}
    for ex in examples:
        try:
            tree = ast.parse(ex.source)
        except SyntaxError:
            continue
        for name in _bound_names(tree):
            other[name] = other.get(name, 0) + 1
    seen: list[str] = []
    for ex in examples:
        stmts = _imports_only(ex.source)
        if stmts is None or ex.want or ex.exc_msg:
            continue
        source = ex.source.strip()
        names = _bound_names(ast.Module(body=stmts, type_ignores=[]))
        repeats = sum(1 for e in examples if e.source.strip() == source)
        if all(other.get(n, 0) == repeats for n in names) and source not in seen:
            seen.append(source)
    return seen


def _shows_value(source: str) -> bool:
    """Whether the last statement is an expression whose value the notebook displays (not a ``print``)."""
    body = ast.parse(source).body
    if not body or not isinstance(body[-1], ast.Expr):
        return False
    value = body[-1].value
    return not (isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "print")


def _outputs(source: str, example: doctest.Example, count: int) -> list[NotebookNode]:
    """The page's output of an example, in the form a kernel produces it."""
    if example.exc_msg is not None:
        name, _, evalue = example.exc_msg.strip().partition(":")
        ename = name.rsplit(".", 1)[-1]  # a kernel names the class alone: DivergenceError, not backprop.DivergenceError
        trace = ["Traceback (most recent call last):", "  ...", f"{ename}: {evalue.strip()}"]
        return [new_output("error", ename=ename, evalue=evalue.strip(), traceback=trace)]
    if not example.want:
        return []
    if _shows_value(source):
        data = {"text/plain": example.want.rstrip("\n")}
        return [new_output("execute_result", data=data, execution_count=count)]
    return [new_output("stream", name="stdout", text=example.want)]


def _site_link(target: str, page_dir: str, to_root: str, directory_urls: bool) -> str:
    """A page's relative link as seen from the notebook: into the built site."""
    if re.match(r"[a-z][a-z0-9+.-]*:", target) or target.startswith("//"):
        return target
    path, hash_, anchor = target.partition("#")
    path = posixpath.normpath(posixpath.join(page_dir, path)) if path else ""
    if path.endswith(".md"):
        stem = path[: -len(".md")]
        index = posixpath.basename(stem) in ("index", "README")
        if directory_urls:
            path = (posixpath.dirname(stem) if index else stem) + "/"
            path = "" if path in ("/", "./") else path
        else:
            path = stem + ".html"
    return to_root + path + hash_ + anchor


def _markdown(text: str, page: str, to_root: str, directory_urls: bool) -> str:
    """Page prose as notebook Markdown: figures as images, admonitions as quotes or folds, links into the site."""
    page_dir = posixpath.dirname(page)
    text = _FIGURE.sub(lambda m: f"![{m['alt']}]({m['src']})\n\n*{' '.join(m['caption'].split())}*", text)

    def link(m: re.Match[str]) -> str:
        target = m["target"]
        if target.startswith("#"):  # an anchor of this page: its heading ids are the site's
            target = page + target
        return f"{m['bang']}[{m['text']}]({_site_link(target, page_dir, to_root, directory_urls)})"

    text = _LINK.sub(link, text)
    text = _HEADING_ID.sub(r"\g<heading>", text)
    out: list[str] = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        m = _ADMONITION.match(lines[i])
        if m is None:
            out.append(lines[i])
            i += 1
            continue
        body: list[str] = []
        i += 1
        while i < len(lines) and (not lines[i].strip() or lines[i].startswith("    ")):
            body.append(lines[i])
            i += 1
        while body and not body[-1].strip():
            body.pop()
        content = textwrap.dedent("\n".join(body)).strip("\n")
        title = m["title"] if m["title"] is not None else m["type"].capitalize()
        if m["kind"].startswith("???"):
            out += [f"<details><summary>{title}</summary>", "", content, "", "</details>", ""]
        else:
            out += [f"> **{title}**", ">", *(f"> {line}".rstrip() for line in content.split("\n")), ""]
    return "\n".join(out).strip("\n")


def page_notebook(markdown: str, page: str, *, directory_urls: bool = False) -> NotebookNode | None:
    """The notebook of a page, or None if the page has no examples.

    Args:
        markdown: the page's source.
        page: its path in the docs folder, e.g. ``"ann.md"`` (for the links).
        directory_urls: MkDocs' ``use_directory_urls`` (how pages are addressed).
    """
    blocks = page_blocks(markdown)
    parser = doctest.DocTestParser()
    examples = {id(b): parser.get_examples(textwrap.dedent(b.text)) for b in blocks if b.kind == "pycon"}
    every = [ex for exs in examples.values() for ex in exs]
    if not every:
        return None
    hoisted = _hoisted(every)
    to_root = posixpath.relpath(".", FOLDER) + "/"
    heading = re.search(r"^# (.+)$", markdown, re.M)
    title = heading[1].strip() if heading else page
    html = _site_link(page, "", "", directory_urls)
    intro = f"# The imports of every example below, from the page {html} ({title})\n"
    cells: list[NotebookNode] = [new_code_cell(intro + "\n".join(hoisted), execution_count=1)]
    cells[0].metadata["page_line"] = 1
    count = 1
    for block in blocks:
        if block.kind == "prose":
            cells.append(new_markdown_cell(_markdown(block.text, page, to_root, directory_urls)))
        elif block.kind in ("starter", "check"):
            cell = new_code_cell(block.text.rstrip("\n"))
            cell.metadata.update(tags=[EXERCISE_TAG], page_line=block.line)
            cells.append(cell)
        else:
            group: list[doctest.Example] = []
            for ex in examples[id(block)]:
                if ex.source.strip() not in hoisted:
                    group.append(ex)
                if group and (ex.want or ex.exc_msg is not None):
                    count += 1
                    cells.append(_example_cell(group, block.line, count))
                    group = []
            if group:
                count += 1
                cells.append(_example_cell(group, block.line, count))
    for n, cell in enumerate(cells):
        cell["id"] = f"cell-{n}"  # fixed ids: the same page gives the same notebook, byte for byte
    nb = new_notebook(cells=cells)
    nb.metadata.update(
        kernelspec={"name": "python3", "display_name": "Python 3", "language": "python"},
        language_info={"name": "python"},
    )
    nbformat.validate(nb)
    return nb


def _example_cell(group: list[doctest.Example], block_line: int, count: int) -> NotebookNode:
    """One code cell from consecutive examples; the last one's output is the cell's."""
    source = "".join(ex.source for ex in group)
    last = group[-1]
    cell = new_code_cell(source.rstrip("\n"), execution_count=count)
    cell.outputs = _outputs(source, last, count)
    cell.metadata["page_line"] = block_line + group[0].lineno
    if last.exc_msg is not None:
        cell.metadata["tags"] = ["raises-exception"]
    return cell


def notebook_text(nb: NotebookNode) -> str:
    """The notebook's file, as the build writes it."""
    return cast(str, nbformat.writes(nb)) + "\n"  # type: ignore[no-untyped-call]


def notebook_uri(page: str) -> str:
    """Where a page's notebook goes in the site: ``ann.md`` → ``notebooks/ann.ipynb``."""
    return posixpath.join(FOLDER, page[: -len(".md")] + ".ipynb")


_notebooks: dict[str, str] = {}
"""Page → its notebook's address in the site, for the pages that have one (this build)."""


def on_files(files: Files, config: Any) -> Files:
    """Generate the notebook of every page with examples."""
    from mkdocs.structure.files import File

    _notebooks.clear()
    directory_urls = bool(config["use_directory_urls"])
    for file in list(files.documentation_pages()):
        nb = page_notebook(file.content_string, file.src_uri, directory_urls=directory_urls)
        if nb is None:
            continue
        uri = notebook_uri(file.src_uri)
        files.append(File.generated(config, uri, content=notebook_text(nb)))
        _notebooks[file.src_uri] = uri
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """Put the notebook's download link under the page's title."""
    uri = _notebooks.get(page.file.src_uri)
    if uri is None:
        return markdown
    href = posixpath.relpath(uri, posixpath.dirname(page.file.src_uri) or ".")
    link = f'[{LINK_TEXT}]({href}){{ download="{posixpath.basename(uri)}" }}'
    heading = re.search(r"^# .+$", markdown, re.M)
    if heading is None:
        return f"{link}\n\n{markdown}"
    return f"{markdown[: heading.end()]}\n\n{link}\n{markdown[heading.end() :]}"
