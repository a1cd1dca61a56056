"""Text from data made safe for each output: HTML, Markdown, JavaScript/JSON and template engines.

Data never becomes code or markup (design guide, section 0).  Names, kinds, ids and
titles come from files a planner may have received from anyone, so every output
inserts them as *text*:

- :func:`escape_html` for HTML (web map, QGIS HTML, report HTML): ``& < > " '`` become
  entities, and so do ``{`` and ``}`` so that no template engine that might still see the
  text can find a ``{{``, ``{%`` or ``{#`` in it;
- :func:`escape_markdown` for ``summary.md`` and other Markdown: one line, every character
  with a meaning in CommonMark/GFM inline syntax backslash-escaped, ``< > &`` as entities
  (no raw HTML can come through), block markers at the start escaped;
- :func:`js_json` for data placed inside ``<script>`` (``<``, ``>``, ``&``, line separators
  and the Jinja delimiters escaped as ``\\uXXXX``, which JSON and JavaScript read back as the
  same characters);
- :func:`neutralise_template` for any other text that might reach a Jinja template.

The web map never lets data pass through Jinja at all (see ``webmap.elements._element_classes``:
finished script text is placed in the page verbatim); the escaping here is the second wall.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

__all__ = ["csv_restore", "csv_safe", "escape_html", "escape_markdown", "js_json", "neutralise_template",
           "plain"]

#: A ``{`` that would open a Jinja variable, statement or comment: ``{{``, ``{%``, ``{#``.
_TEMPLATE_OPEN = re.compile(r"\{(?=[{%#])")
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;", "{": "&#123;", "}": "&#125;"}
_HTML_RE = re.compile("[&<>\"'{}]")
#: Inline Markdown syntax (CommonMark + GFM tables and strikethrough, ``$`` for GitHub math, braces for
#: Liquid/Jinja site generators).  ``(``, ``)`` and ``!`` only act after ``]`` / before ``[``, both escaped.
_MD_INLINE = re.compile(r"([\\`*\[\]|~$#{}])")
#: ``_`` only opens or closes emphasis at a word boundary (CommonMark flanking rules): ``min_km`` stays.
_MD_UNDERSCORE = re.compile(r"(?<![^\W_])_|_(?![^\W_])")
_MD_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
#: Block markers that only count at the start of a line: headings, quotes, lists, rules, setext.
_MD_BLOCK_START = re.compile(r"^(\s*)([#>+\-=]|\d+[.)])")
_LINE_BREAKS = re.compile(r"[\r\n\u0085\u2028\u2029\v\f]+")


def plain(value: Any) -> str:
    """A cell or value as display text: ``''`` for ``None``/NaN/NA, else ``str(value)``."""
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    if not isinstance(value, str):
        try:
            import pandas as pd

            if pd.isna(value) is True:
                return ""
        except (TypeError, ValueError, ImportError):
            pass
    return str(value)


def escape_html(value: Any) -> str:
    """Text for HTML element content or a quoted attribute value.

    ``&``, ``<``, ``>``, ``"``, ``'`` and the braces ``{`` ``}`` become character
    references; a browser shows the same characters, a template engine sees no delimiter.

    Examples
    --------
    >>> escape_html('<img src=x onerror=alert(1)> {{7*7}}')
    '&lt;img src=x onerror=alert(1)&gt; &#123;&#123;7*7&#125;&#125;'
    """
    return _HTML_RE.sub(lambda m: _HTML[m.group(0)], plain(value))


def escape_markdown(value: Any) -> str:
    """Text for one Markdown line or table cell, shown literally by any CommonMark/GFM renderer.

    Line breaks become spaces (a name can not start a new block), inline syntax characters
    (`` \\ ` * [ ] | ~ $ # { } ``, and ``_`` at a word boundary) are backslash-escaped,
    ``& < >`` become entities (no raw HTML, no autolink), and a leading block marker (``#``,
    ``>``, ``-``, ``+``, ``=``, ``1.``) is escaped.  Ordinary names and sentences stay as
    they are (``Sone-03 (nord)``, ``min_plant_t``).

    Examples
    --------
    >>> print(escape_markdown('[x](javascript:alert(1)) | <b>'))
    \\[x\\](javascript:alert(1)) \\| &lt;b&gt;
    """
    text = _LINE_BREAKS.sub(" ", plain(value))
    text = _MD_INLINE.sub(r"\\\1", text)
    text = _MD_UNDERSCORE.sub(r"\\_", text)
    text = re.sub("[&<>]", lambda m: _MD_ENTITIES[m.group(0)], text)
    m = _MD_BLOCK_START.match(text)
    if m and not m.group(2).startswith("#"):  # '#' is already escaped inline
        marker = m.group(2)
        text = m.group(1) + (marker[:-1] + "\\" + marker[-1] if marker[0].isdigit() else "\\" + marker) + \
            text[m.end():]
    return text


def neutralise_template(value: Any, *, context: str = "html") -> str:
    """Text in which no Jinja delimiter (``{{``, ``{%``, ``{#``) remains.

    Parameters
    ----------
    value
        The text.
    context
        Where the text ends up: ``"html"`` (the ``{`` becomes ``&#123;``, shown as ``{``),
        ``"js"`` (``\\u007b`` inside a JavaScript/JSON string literal, read as ``{``).
    """
    if context not in ("html", "js"):
        raise ValueError(f"context: expected 'html' or 'js', got {context!r}")
    rep = "&#123;" if context == "html" else "\\u007b"
    return _TEMPLATE_OPEN.sub(lambda _m: rep, plain(value))


def js_json(obj: Any) -> str:
    """JSON that is safe inside ``<script>`` and inert for template engines.

    ``<``, ``>``, ``&``, U+2028/U+2029 are written as ``\\uXXXX`` (``</script>`` in a name
    cannot close the element), and a ``{`` that opens ``{{``, ``{%`` or ``{#`` as ``\\u007b``.
    JSON structure never produces those pairs (an object opens with ``{"`` or ``{}``), so
    only string contents are touched; the parsed value is unchanged.  NaN/inf are refused.
    """
    s = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    s = (s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
         .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))
    return _TEMPLATE_OPEN.sub(lambda _m: "\\u007b", s)


#: A spreadsheet reads a CSV cell starting with one of these as a formula (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(frame: Any) -> Any:
    """A copy of ``frame`` whose text cells cannot become spreadsheet formulas.

    Text (object/string) cells that start with ``= + - @``, a tab or a carriage return get a leading
    apostrophe, which Excel and LibreOffice show as text (OWASP, "CSV Injection"); numeric columns are
    left as they are, so numbers keep their sign.
    """
    import pandas as pd

    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_object_dtype(out[col]) or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(
                lambda v: "'" + v if isinstance(v, str) and v.startswith(_FORMULA_START) else v)
    return out


def csv_restore(frame: Any) -> Any:
    """Undo :func:`csv_safe` on a frame read back from a CSV written with it (exact round trip)."""
    import pandas as pd

    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_object_dtype(out[col]) or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(
                lambda v: v[1:] if isinstance(v, str) and v[:1] == "'" and v[1:].startswith(_FORMULA_START)
                else v)
    return out
