"""The API reference ``docs/api.md``, generated from the numpydoc docstrings of the public API.

Run ``python -m arealsirk._apidoc > docs/api.md`` (or ``make docs``); a test checks that the
committed page equals a fresh one.

The public API is every module of the package without a ``_`` in its dotted path (the old flat
names kept as shims, e.g. ``arealsirk.proximity``, are the same module as the new one and are
documented there) and, in each, the names of its ``__all__``.  An object exported by several
modules (a package re-exporting its submodule) is documented once, under the first module in
alphabetical order -- the package, whose path is the shorter import -- and linked from the others.
The docstrings are parsed with :mod:`numpydoc.docscrape` (the ``numpydoc`` package of the
``test`` extra); nothing here executes analysis code.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any

__all__ = ["ApiObject", "markdown", "public_modules", "public_objects"]

#: the name of the root package
ROOT = "arealsirk"

_SECTIONS = ("Parameters", "Other Parameters", "Attributes", "Returns", "Yields", "Raises", "Warns")
_TEXT_SECTIONS = ("Notes", "Warnings", "References", "Examples")


@dataclass(frozen=True)
class ApiObject:
    """One documented name of the public API.

    Attributes
    ----------
    module
        The public module whose section documents it (``arealsirk.network``).
    name
        The name in that module's ``__all__``.
    obj
        The object itself (function, class or value).
    """

    module: str
    name: str
    obj: Any

    @property
    def qualname(self) -> str:
        """``module.name``, the import path of the object."""
        return f"{self.module}.{self.name}"


def public_modules() -> list[ModuleType]:
    """Every public module of the package, sorted by dotted name, shims left out.

    Returns
    -------
    list of module
        The root package first, then each module or package whose dotted path has no part
        starting with ``_`` and whose ``__name__`` is its own (an old flat name kept as an alias
        of a moved module is skipped: the moved module is documented under its new name).
    """
    root = importlib.import_module(ROOT)
    names = [
        ROOT,
        *sorted(
            info.name
            for info in pkgutil.walk_packages(root.__path__, ROOT + ".")
            if not any(part.startswith("_") for part in info.name.split(".")[1:])
        ),
    ]
    modules = []
    for name in names:
        module = importlib.import_module(name)
        if module.__name__ == name:
            modules.append(module)
    return modules


def public_objects() -> Iterator[ApiObject]:
    """Every name of every public module's ``__all__``, each object once.

    Yields
    ------
    ApiObject
        In the order of :func:`public_modules` and of each ``__all__``; an object already
        yielded for an earlier module (a re-export) is not yielded again.  The root package's
        lazy names are left to the modules that define them.
    """
    seen: set[int] = set()
    for module in public_modules():
        if module.__name__ == ROOT:
            continue
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if _is_documented_once(obj):
                if id(obj) in seen:
                    continue
                seen.add(id(obj))
            yield ApiObject(module.__name__, name, obj)


def _is_documented_once(obj: Any) -> bool:
    """Everything but a scalar value is documented once (equal numbers or strings of two modules
    may be one interned object and still be two constants)."""
    return not isinstance(obj, (int, float, complex, str, bytes, type(None)))


def markdown() -> str:
    """The whole API reference as Markdown.

    Returns
    -------
    str
        ``docs/api.md``: a contents list, then one section per public module with its docstring
        summary and each name of its ``__all__`` (signature, parameters, returns, raises).
    """
    modules = public_modules()
    documented = {id(o.obj): o for o in public_objects() if _is_documented_once(o.obj)}
    by_module: dict[str, list[ApiObject]] = {}
    for o in public_objects():
        by_module.setdefault(o.module, []).append(o)
    out = [
        "# API reference",
        "",
        "Generated from the numpydoc docstrings by `python -m arealsirk._apidoc > docs/api.md` "
        "(`make docs`); do not edit by hand.  The public API is every module below and, in each, "
        "the names of its `__all__`; a name re-exported by several modules is documented once "
        "and linked from the others.  Modules and names starting with `_` are private.",
        "",
        "## Contents",
        "",
    ]
    out += [f"- [`{m.__name__}`](#{_anchor(m.__name__)})" for m in modules]
    for module in modules:
        out += ["", *_module_section(module, by_module.get(module.__name__, []), documented)]
    return "\n".join(out).rstrip() + "\n"


def _module_section(
    module: ModuleType, objects: list[ApiObject], documented: dict[int, ApiObject]
) -> list[str]:
    """The section of one module: its summary, its names, links to names documented elsewhere."""
    name = module.__name__
    out = [f'<a id="{_anchor(name)}"></a>', "", f"## `{name}`", ""]
    out += _paragraphs(inspect.getdoc(module) or "")
    exported = list(getattr(module, "__all__", []))
    here = {o.name for o in objects}
    elsewhere = []
    for key in exported:
        obj = getattr(module, key)
        home = documented.get(id(obj))
        if key not in here and home is not None:
            elsewhere.append(f"[`{key}`](#{_anchor(home.qualname)})")
    if name == ROOT:
        elsewhere = [_root_link(key, documented) for key in exported]
    if elsewhere:
        out += ["", "Also exported here: " + ", ".join(elsewhere) + "."]
    subs = _submodule_names(module) if not exported else []
    if subs:
        out += ["", "No names of its own; see " + ", ".join(f"[`{s}`](#{_anchor(s)})" for s in subs) + "."]
    for o in objects:
        out += ["", *_object_section(o)]
    return out


def _root_link(key: str, documented: dict[int, ApiObject]) -> str:
    """A link to where a lazy name of the root package is documented (or the name alone)."""
    if key == "__version__":
        return "`__version__` (the installed version, from the package metadata)"
    import arealsirk

    home = documented.get(id(getattr(arealsirk, key)))
    return f"[`{key}`](#{_anchor(home.qualname)})" if home is not None else f"`{key}`"


def _submodule_names(module: ModuleType) -> list[str]:
    """The public submodules of a package that has no ``__all__`` of its own."""
    if not hasattr(module, "__path__"):
        return []
    return sorted(
        info.name
        for info in pkgutil.iter_modules(module.__path__, module.__name__ + ".")
        if not info.name.rsplit(".", 1)[-1].startswith("_")
    )


def _object_section(o: ApiObject) -> list[str]:
    """One name: a heading, its signature and its docstring sections."""
    out = [f'<a id="{_anchor(o.qualname)}"></a>', "", f"### `{o.name}`", ""]
    obj = o.obj
    if inspect.ismodule(obj):
        return [*out, f"The module [`{obj.__name__}`](#{_anchor(obj.__name__)})."]
    if not (inspect.isfunction(obj) or inspect.isclass(obj)):
        comment = _paragraphs(_comment(o.module, o.name))
        return [*out, *comment, *([""] if comment else []), _value(obj)]
    out += ["```python", _signature(o.name, obj), "```", ""]
    doc = _parsed(obj)
    if doc is None:
        return [*out, "*(no docstring)*"]
    out += _paragraphs(" ".join(doc["Summary"]))
    out += _paragraphs("\n".join(doc["Extended Summary"]))
    for section in _SECTIONS:
        items = doc[section]
        if items:
            out += ["", f"**{section}**", ""]
            out += [_item(p.name, p.type, p.desc) for p in items]
    for section in _TEXT_SECTIONS:
        text = doc[section]
        text = "\n".join(text) if isinstance(text, list) else str(text)
        if text.strip():
            out += ["", f"**{section}**", "", *_paragraphs(text)]
    if inspect.isclass(obj):
        out += _methods(obj)
    return out


def _parsed(obj: Any) -> Any:
    """The numpydoc parse of ``obj``'s own docstring (``None`` without one)."""
    from numpydoc.docscrape import ClassDoc, FunctionDoc

    text = inspect.getdoc(obj) if inspect.isfunction(obj) else obj.__dict__.get("__doc__")
    if not text or (inspect.isclass(obj) and text.startswith(f"{obj.__name__}(")):
        return None  # a dataclass without a docstring gets its signature as __doc__
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if inspect.isclass(obj):
            return ClassDoc(obj, doc=inspect.cleandoc(text), config={"show_class_members": False})
        return FunctionDoc(obj)


def _methods(cls: type) -> list[str]:
    """The public methods and properties a class defines itself, one line each."""
    rows = []
    for key, member in cls.__dict__.items():
        if key.startswith("_"):
            continue
        func = member.__func__ if isinstance(member, (classmethod, staticmethod)) else member
        if isinstance(member, property):
            rows.append(f"- `{key}` (property): {_summary_line(member.fget)}")
        elif inspect.isfunction(func):
            rows.append(f"- `{_signature(key, func, one_line=True)}`: {_summary_line(func)}")
    return ["", "**Methods**", "", *rows] if rows else []


def _summary_line(func: Any) -> str:
    doc = inspect.getdoc(func) or ""
    return _inline(_first_paragraph(doc).replace("\n", " ")) or "*(no docstring)*"


def _signature(name: str, obj: Any, *, one_line: bool = False) -> str:
    """``name(a, b, *, c=1) -> T`` with the annotations as written; one parameter a line when long."""
    if inspect.isclass(obj) and issubclass(obj, BaseException):
        bases = ", ".join(b.__name__ for b in obj.__bases__)
        return f"class {name}({bases})"
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return f"{name}(...)"
    parts: list[str] = []
    star_done = False
    params = list(sig.parameters.values())
    if params and params[0].name in ("self", "cls") and inspect.isfunction(obj) and one_line:
        params = params[1:]
    for p in params:
        if p.kind is p.KEYWORD_ONLY and not star_done:
            parts.append("*")
            star_done = True
        if p.kind is p.VAR_POSITIONAL:
            star_done = True
        parts.append(_parameter(p))
    no_return = sig.return_annotation is sig.empty or inspect.isclass(obj)
    ret = "" if no_return else f" -> {_annotation(sig.return_annotation)}"
    prefix = "class " if inspect.isclass(obj) else "def " if not one_line else ""
    flat = f"{prefix}{name}({', '.join(parts)}){ret}"
    if one_line or len(flat) <= 100:
        return flat
    return f"{prefix}{name}(\n" + "".join(f"    {x},\n" for x in parts) + f"){ret}"


def _parameter(p: inspect.Parameter) -> str:
    star = "*" if p.kind is p.VAR_POSITIONAL else "**" if p.kind is p.VAR_KEYWORD else ""
    text = star + p.name
    if p.annotation is not p.empty:
        text += f": {_annotation(p.annotation)}"
    if p.default is not p.empty:
        text += (" = " if p.annotation is not p.empty else "=") + _repr(p.default)
    return text


def _annotation(annotation: Any) -> str:
    return annotation if isinstance(annotation, str) else inspect.formatannotation(annotation)


def _repr(value: Any) -> str:
    """``repr`` that is the same run after run: sets sorted (their order follows the string hash,
    which changes per process), no memory addresses."""
    if isinstance(value, (set, frozenset)):
        inner = ", ".join(sorted(_repr(v) for v in value))
        if isinstance(value, frozenset) or not value:
            return f"{type(value).__name__}({{{inner}}})" if value else f"{type(value).__name__}()"
        return f"{{{inner}}}"
    if isinstance(value, (list, tuple)):
        inner = ", ".join(_repr(v) for v in value)
        if isinstance(value, list):
            return f"[{inner}]"
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_repr(k)}: {_repr(v)}" for k, v in value.items()) + "}"
    return re.sub(r" at 0x[0-9a-fA-F]+", "", repr(value))


def _comment(module: str, name: str) -> str:
    """The ``#:`` comment lines right above ``name = ...`` in the module's source (Sphinx's
    convention for documenting a constant) or, for a package re-exporting it, in one of its
    submodules; ``""`` without one."""
    import sys

    pattern = re.compile(rf"^{re.escape(name)}\s*(:[^=]*)?=")
    candidates = [module, *sorted(m for m in sys.modules if m.startswith(module + "."))]
    for candidate in candidates:
        try:
            lines = inspect.getsource(sys.modules[candidate]).splitlines()
        except (OSError, TypeError, KeyError):
            continue
        for i, line in enumerate(lines):
            if pattern.match(line):
                above = []
                for prev in reversed(lines[:i]):
                    if not prev.startswith("#:"):
                        break
                    above.append(prev[2:].strip())
                return " ".join(reversed(above))
    return ""


def _value(obj: Any) -> str:
    """A constant: its type and, when short, its value."""
    text = _repr(obj)
    kind = type(obj).__name__
    if len(text) <= 160 and "\n" not in text and "`" not in text:
        return f"`{kind}`: `{text}`"
    size = f" of {len(obj)} items" if hasattr(obj, "__len__") else ""
    return f"`{kind}`{size}."


def _item(name: str, type_: str, desc: list[str]) -> str:
    """One entry of a Parameters/Returns/Raises list."""
    head = f"`{name}`" if name else ""
    if type_:
        head += f" ({_inline(type_)})" if name else f"`{type_}`"
    body = _inline(" ".join(line.strip() for line in desc))
    return f"- {head}: {body}" if body else f"- {head}"


def _first_paragraph(text: str) -> str:
    return text.strip().split("\n\n", 1)[0]


def _paragraphs(text: str) -> list[str]:
    """Docstring prose as Markdown paragraphs (reST literals and roles as code, math as ``$``)."""
    if not text.strip():
        return []
    out: list[str] = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = block.splitlines()
        first = lines[0].strip()
        if first.startswith(".. math::"):
            formula = " ".join([first.split("::", 1)[1].strip()] + [x.strip() for x in lines[1:]])
            out += ["$$", formula.strip(), "$$", ""]
        elif all(x.startswith("    ") for x in lines):  # a literal block (after a "::" paragraph)
            out += ["```", *(x[4:] for x in lines), "```", ""]
        elif lines[0].startswith("  ") or any(x.lstrip().startswith(("* ", "- ")) for x in lines):
            out += [_inline(x.rstrip()) for x in lines] + [""]  # a list, or a list item's next paragraph
        else:
            prose = " ".join(x.strip() for x in lines)
            out += [_inline(prose[:-1] if prose.endswith("::") else prose), ""]
    return out[:-1]


def _inline(text: str) -> str:
    """reST inline markup to Markdown: roles and ``literals`` to code spans, :math: to ``$``."""
    text = re.sub(r":math:`([^`]+)`", r"$\1$", text)
    text = re.sub(r":(?:[a-z]+:)?[a-z]+:`~?([^`<]+?)(?:\s*<[^>]+>)?`", r"`\1`", text)
    return text.replace("``", "`")


def _anchor(name: str) -> str:
    """The HTML id of a module or name: its dotted path (unique, and readable in a link)."""
    return name


if __name__ == "__main__":  # pragma: no cover
    print(markdown(), end="")
