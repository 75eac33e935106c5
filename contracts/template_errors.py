"""What is wrong in an uploaded contract template, in words a clerk can act on (issue 14: a template's syntax
error was shown as raw English Jinja text with the line of the document's XML).

The template is read paragraph by paragraph as Word shows it (body, tables, then headers and footers); the
placeholder `{{ … }}` or command `{% … %}` that breaks it is named with its paragraph, and what to do about it
is said in the user's language. Jinja's own message is only used to find the paragraph when nothing else fits.
"""
import io
import re
import zipfile

from flask_babel import lazy_gettext as _l
from jinja2 import TemplateSyntaxError
from lxml import etree

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
# docxtpl's own variants ({%p if %}, {%tr for %}, {{r x }}) mean the same as the plain tags for the syntax
_DOCXTPL_PREFIX = re.compile(r"(\{%-?)\s*(?:p|tr|tc|r)\s+|(\{\{-?)\s*(?:r|p)\s+")
_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}")
_OPENERS = re.compile(r"\{\{|\{%|\{#")
_CLOSERS = {"{{": "}}", "{%": "%}", "{#": "#}"}
BLOCKS = {"if", "for", "macro", "call", "filter", "with", "raw", "block", "autoescape", "trans"}
INLINE = {"else", "elif", "set", "break", "continue", "colspan", "cellbg", "do", "include", "import", "from",
          "extends", "pluralize"}
_MAX_SHOWN = 60


def _paragraphs(data: bytes) -> list[tuple[object, str]]:
    """(where, text) of every paragraph: the body's in order (tables included), then headers' and footers'."""
    out: list[tuple[object, str]] = []
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = ["word/document.xml"] + sorted(n for n in zf.namelist()
                                               if re.fullmatch(r"word/(header|footer)\d*\.xml", n))
        number = 0
        for name in names:
            root = etree.fromstring(zf.read(name), parser=etree.XMLParser(resolve_entities=False, no_network=True))
            for paragraph in root.iter(f"{W}p"):
                text = "".join(t.text or "" for t in paragraph.iter(f"{W}t"))
                if name == "word/document.xml":
                    number += 1
                    where = _l("paragraph %(n)s", n=number)
                else:
                    where = _l("a header or footer")
                out.append((where, _DOCXTPL_PREFIX.sub(lambda m: (m.group(1) or m.group(2)) + " ", text)))
    return out


def _quoted(text: str) -> str:
    return "„" + text + "“"


def _shown(tag: str) -> str:
    tag = " ".join(tag.split())
    return _quoted(tag if len(tag) <= _MAX_SHOWN else tag[:_MAX_SHOWN] + "…")


def _at(where, what):
    return _l("In %(where)s: %(what)s", where=where, what=what)


def explain_syntax_error(data: bytes, env) -> object | None:
    """A message naming the paragraph and the tag that breaks the template, or None if the template's text
    parses (then the problem lies in the document's structure, and the caller says so in general words)."""
    try:
        paragraphs = _paragraphs(data)
    except (zipfile.BadZipFile, KeyError, etree.XMLSyntaxError, ValueError):
        return None
    try:
        env.parse("\n".join(text for _where, text in paragraphs))
    except TemplateSyntaxError as exc:
        jinja_line = exc.lineno
    else:
        return None
    # 1. a tag opened and never closed within its paragraph: {{ agency.name }
    for where, text in paragraphs:
        position = 0
        while match := _OPENERS.search(text, position):
            closer = _CLOSERS[match.group(0)]
            end = text.find(closer, match.end())
            if end < 0:
                return _at(where, _l("%(tag)s is not closed; end it with %(closer)s.",
                                     tag=_shown(text[match.start():]), closer=_quoted(closer)))
            position = end + len(closer)
    # 2. a placeholder that is not one readable expression: {{ agency name }}
    for where, text in paragraphs:
        for match in _TAG.finditer(text):
            if match.group(0).startswith("{{"):
                try:
                    env.parse(match.group(0))
                except TemplateSyntaxError:
                    return _at(where, _l("the placeholder %(tag)s cannot be read: write one name from the list of "
                                         "variables, its parts joined by dots without spaces (e.g. %(example)s).",
                                         tag=_shown(match.group(0)), example="„{{ agency.name }}“"))
    # 3. commands: unknown, closing what is not open, or a block never closed
    stack: list[tuple[str, object, str]] = []
    for where, text in paragraphs:
        for match in _TAG.finditer(text):
            tag = match.group(0)
            if not tag.startswith("{%"):
                continue
            name = (re.match(r"\{%-?\s*(\w*)", tag).group(1) or "").lower()
            if name in BLOCKS or (name == "set" and "=" not in tag):
                stack.append((name, where, tag))
            elif name.startswith("end") and name[3:] in BLOCKS | {"set"}:
                if stack and stack[-1][0] == name[3:]:
                    stack.pop()
                else:
                    return _at(where, _l("%(tag)s closes a block that is not open: the %(opener)s before it is "
                                         "missing, or this one is one too many.", tag=_shown(tag),
                                         opener=_quoted("{% " + name[3:] + " … %}")))
            elif name in ("else", "elif") and not (stack and stack[-1][0] in ("if", "for")):
                return _at(where, _l("%(tag)s stands outside of an %(opener)s block.", tag=_shown(tag),
                                     opener="„{% if … %}“"))
            elif name not in INLINE:
                return _at(where, _l("%(tag)s is not a known command; commands are if, elif, else, for and set, "
                                     "each block closed by its end (e.g. %(example)s).", tag=_shown(tag),
                                     example="„{% endif %}“"))
    if stack:
        name, where, tag = stack[-1]
        return _at(where, _l("the block %(tag)s is never closed; add %(closer)s where it should end.",
                             tag=_shown(tag), closer=_quoted("{% end" + name + " %}")))
    # 4. Jinja found something else: name its paragraph
    if 0 < jinja_line <= len(paragraphs):
        where, text = paragraphs[jinja_line - 1]
        return _at(where, _l("%(text)s cannot be read; check the spelling of its placeholders and commands.",
                             text=_shown(text)))
    return None


_NO_ATTRIBUTE = re.compile(r"has no attribute '([^']+)'")
_UNDEFINED = re.compile(r"'([^']+)' is undefined")


def explain_render_error(message: str) -> object | None:
    """Jinja's "'dict object' has no attribute 'nmae'" / "'kunde' is undefined" in the user's words."""
    if match := _NO_ATTRIBUTE.search(message) or _UNDEFINED.search(message):
        return _l("The template uses %(name)s, which the contract's data does not contain; check its spelling "
                  "against the list of variables on the help page.", name=_quoted(match.group(1)))
    return None
