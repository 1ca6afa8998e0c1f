"""report.md is inert: nothing from the input, the codebook or the command line renders live (issue 13).

Rendered with Python-Markdown (with the extensions the docs site uses, plus ones that add syntax)
and markdown-it-py (CommonMark + tables); every value must show as written and no tag, attribute or
link may come out of it.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from insightkit.codebook import Codebook, Theme
from insightkit.report.markdown import md_escape, write_markdown

markdown = pytest.importorskip("markdown")

HOSTILE = [
    "<script>alert('x')</script>",
    '"><img src=x onerror=alert(1)>',
    "<a href='javascript:alert(1)'>click</a>",
    "[click](javascript:alert(1)) ![i](http://evil.example/p.png)",
    "a | b || c",
    "line one\nline two\r\n# heading\n- item\n> quoted\n\n<script>",
    "`code` *em* _em_ **strong** ~~del~~ ==mark== ^sup^",
    "snake_case_id, __dunder__, _lead and trail_ x_",
    "{: onclick=alert(1) }",
    "see https://evil.example/x and www.evil.example and mail@evil.example",
    "<https://evil.example>",
    "--8<-- \"/etc/passwd\"",
    "&lt;script&gt; &amp; R&D",
    "- starts like a list",
    "1. starts like a numbered list",
    "=HYPERLINK(\"http://evil.example\",\"x\")",
    "\\<script\\>",
    "<!-- comment --> <?php ?> <![CDATA[x]]>",
]

SAFE_TAGS = {"h1", "h2", "h3", "p", "table", "thead", "tbody", "tr", "th", "td", "blockquote", "ul", "li"}


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.attrs, self.text, self.other = [], [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend(name for name, _ in attrs)

    def handle_data(self, data):
        self.text.append(data)

    def handle_comment(self, data):
        self.other.append(("comment", data))

    def handle_pi(self, data):
        self.other.append(("pi", data))

    def unknown_decl(self, data):
        self.other.append(("decl", data))


def _renderings(md_text: str) -> list[str]:
    out = [
        markdown.markdown(md_text, extensions=["tables"]),
        markdown.markdown(md_text, extensions=["tables", "attr_list", "md_in_html", "def_list", "admonition"]),
    ]
    try:  # the docs site's Python-Markdown extensions, and ones that add more syntax
        import pymdownx  # noqa: F401

        out.append(markdown.markdown(md_text, extensions=[
            "tables", "attr_list", "md_in_html", "pymdownx.magiclink", "pymdownx.tilde", "pymdownx.caret",
            "pymdownx.mark", "pymdownx.inlinehilite", "pymdownx.superfences", "pymdownx.betterem"]))
    except ImportError:
        pass
    try:
        from markdown_it import MarkdownIt

        out.append(MarkdownIt("commonmark", {"html": True}).enable("table").enable("strikethrough").render(md_text))
    except ImportError:
        pass
    return out


def _inert(rendered: str):
    c = _Collect()
    c.feed(rendered)
    c.close()
    assert set(c.tags) <= SAFE_TAGS, sorted(set(c.tags) - SAFE_TAGS)
    assert not c.attrs or set(c.attrs) <= {"id", "style", "align"}, c.attrs  # toc ids, table alignment
    assert not c.other, c.other
    return " ".join(" ".join(c.text).split())


def _shown(value: str) -> str:
    return " ".join(str(value).split())


@pytest.mark.parametrize("value", HOSTILE)
def test_escaped_value_is_shown_as_written_and_nothing_renders(value):
    md_text = "\n".join([f"# {md_escape(value)}", "", f"> {md_escape(value)}", "",
                         "| a | b |", "|---|---|", f"| {md_escape(value)} | x |", "", f"- {md_escape(value)}"])
    for rendered in _renderings(md_text):
        text = _inert(rendered)
        assert text.count(_shown(value)) == 4, (value, rendered)
        assert rendered.count("<tr>") == 2 and rendered.count("<td") == 2, rendered  # the | stayed in its cell


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>&\"'|`*_~^=[]{}()\\#$@!:/.-+ \n\tabcxyz0123456789é€")), max_size=40))
def test_any_text_is_inert_and_kept(value):
    md_text = "\n".join([f"## {md_escape(value)}", "", "| a | b |", "|---|---|", f"| {md_escape(value)} | x |", "",
                         f"> {md_escape(value)}"])
    for rendered in _renderings(md_text):
        text = _inert(rendered)
        if _shown(value):
            assert _shown(value) in text, (value, rendered)


def test_report_md_from_hostile_input(tmp_path):
    payload = '"><img src=x onerror=alert(1)> <script>alert(1)</script> | x'
    cb = Codebook(name="hostile", themes=(
        Theme(id="epr", label="<script>alert('label')</script> | EPR", description="d"),
        Theme(id="data", label="# [data](javascript:alert(1))", description="d"),
    ))
    tagged = pd.DataFrame({
        "participant_id": [f"p{i}" for i in range(12)],
        "trust_type": ["<b>Acute</b> | A", payload] * 6,
        "theme_epr": [1, 0] * 6,
        "theme_data": [1] * 12,
    })
    from insightkit.report.prevalence import theme_prevalence

    prevalence = {"overall": theme_prevalence(tagged, by=None, min_count=1),
                  "trust_type": theme_prevalence(tagged, by="trust_type", min_count=1)}
    quotes = pd.DataFrame([{"theme": "epr", "rank": 1, "quote": payload + "\n# not a heading\n<script>x</script>",
                            "attribution": "<img src=x onerror=alert(2)>, London"}])
    topics = pd.DataFrame([{"topic": 1, "label": payload, "keywords": "`a`, *b*, [c](d)", "size": 3, "emergent": True}])
    path = tmp_path / "report.md"
    write_markdown(path, "Title <script>alert('t')</script>\n# injected heading\n| a |", tagged, prevalence, quotes,
              topics, cb, {}, [f"note with {payload}"], 1)
    md_text = path.read_text(encoding="utf-8")
    assert "<" not in md_text.replace("&#60;", "")  # no raw angle bracket anywhere
    for rendered in _renderings(md_text):
        text = _inert(rendered)
        assert rendered.count("<h1") == 1  # the title's newline did not start a heading
        assert _shown(payload) in text and "<script>alert('label')</script> | EPR" in text
        # every table row has as many cells as its header
        for table in re.findall(r"<table.*?</table>", rendered, flags=re.S):
            rows = re.findall(r"<tr.*?</tr>", table, flags=re.S)
            head = rows[0].count("<th")
            assert len(rows) > 1 and all(r.count("<td") == head for r in rows[1:]), table


def test_md_escape_is_readable_for_plain_text():
    assert md_escape("Acute trust, London") == "Acute trust, London"
    assert html.unescape(md_escape("a | b")) == "a | b"
