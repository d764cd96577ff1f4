"""No page runs a script the site did not serve as a file: the policy says so
(``script-src 'self'``, no ``'unsafe-inline'``), and no page's HTML (from the templates,
from Folium, or from Python) holds an inline script or event handler that would need
it. The browser tests run every page under the policy and see no violation of it."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from html.parser import HTMLParser

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, text

from tests.web.test_club import post_need, post_offer
from tests.web.test_walk import _gets


class Scripts(HTMLParser):
    """What in a page would run as script without being a file: ``<script>`` elements
    with no ``src`` (other than data blocks), ``on...=`` handlers, ``javascript:`` links."""

    def __init__(self) -> None:
        super().__init__()
        self.inline: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "script" and "src" not in named and named.get("type") != "application/json":
            self.inline.append(f"<script {named}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.inline.append(f"<{tag} {name}=...>")
            if (value or "").strip().lower().startswith("javascript:"):
                self.inline.append(f"<{tag} {name}={value}>")


def inline_scripts(html: str) -> list[str]:
    finder = Scripts()
    finder.feed(html)
    return finder.inline


def script_sources(policy: str) -> list[str]:
    """The sources of the policy's ``script-src`` (or ``default-src``, which stands in)."""
    directives = dict(
        (part.split()[0], part.split()[1:]) for part in policy.split(";") if part.strip()
    )
    return directives.get("script-src", directives.get("default-src", []))


def test_the_finder_finds_each_kind_of_inline_script():
    page = (
        '<script>alert(1)</script><script src="/static/js/x.js"></script>'
        '<script type="application/json">{"a": 1}</script>'
        '<img src="x" onerror="alert(2)"><a href="javascript:alert(3)">x</a><p class="on">'
    )
    assert len(inline_scripts(page)) == 3


@pytest.fixture
def club_posts(
    client_as: Callable[[str], FlaskClient], terrier: Engine
) -> Iterator[tuple[int, int]]:
    """A need and an offer, so that their pages are among those read; removed after."""
    editor = client_as("editor")
    need, offer = post_need(editor), post_offer(editor)
    yield need, offer
    with terrier.begin() as conn:
        conn.execute(text("DELETE FROM club_needs WHERE id = :i"), {"i": need})
        conn.execute(text("DELETE FROM club_offers WHERE id = :i"), {"i": offer})
        conn.execute(
            text("DELETE FROM audit_events WHERE subject IN ('need', 'offer') AND subject_id IN"
                 " (:n, :o)"),
            {"n": need, "o": offer},
        )  # fmt: skip


def test_no_page_has_an_inline_script_and_the_policy_allows_none(
    app: Flask,
    client_as: Callable[[str], FlaskClient],
    anonymous: FlaskClient,
    club_posts: tuple[int, int],
):
    editor = client_as("editor")
    need, offer = club_posts
    urls = [*_gets(app), f"/club/needs/{need}", f"/club/offers/{offer}", "/no/such/page"]
    pages = {}
    for url in urls:
        response = editor.get(url)
        if response.mimetype == "text/html":
            pages[url] = response
    for url in ("/sign-in", "/"):  # signed out: the sign-in page, and where it sends you
        pages[f"{url} (signed out)"] = anonymous.get(url, follow_redirects=True)
    assert {"/", "/assets/1/edit", "/club/", f"/club/needs/{need}", "/sign-in (signed out)",
            "/no/such/page"} <= set(pages)  # fmt: skip
    found = {url: inline_scripts(r.get_data(as_text=True)) for url, r in pages.items()}
    assert {url: scripts for url, scripts in found.items() if scripts} == {}
    for url, response in pages.items():
        sources = script_sources(response.headers["Content-Security-Policy"])
        assert sources == ["'self'"], url


def test_the_maps_script_is_a_file_of_the_site(client: FlaskClient):
    page = client.get("/").get_data(as_text=True)
    assert '<script src="/map.js"></script>' in page
    script = client.get("/map.js")
    assert script.status_code == 200 and script.mimetype == "text/javascript"
    body = script.get_data(as_text=True)
    # The map is made under the name the page's element has, whichever build served it.
    assert 'id="terrier_map"' in page and re.search(r'L\.map\(\s*"terrier_map"', body)
    assert "Terrier.start(terrier_map, {" in body
