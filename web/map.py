"""The terrier map page: a Folium map whose layers ask the server for what is in view.

Folium builds the page (the Leaflet map, the basemap from the settings or none, the
scale) with every script and style pointed at the app's own ``/static`` (Folium's
defaults are CDN links). The estate's own layers are one script, ``terrier.js``,
started by a Folium element with the bodies, colours and vocabularies as JSON: it
fetches clusters or assets for the view from ``/api/map``, so the page's size does
not grow with the estate.

Folium writes its script inline, which a Content-Security-Policy without
``'unsafe-inline'`` does not run (and that policy is what keeps a script slipped into
a record's text from running). So the page is Folium's header and body parts in
``map.html``, and its script part is served on its own, from ``/map.js``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import folium
from branca.element import Element, MacroElement
from flask import Blueprint, redirect, render_template, url_for
from jinja2 import Template

from estate import labels, mapsummary
from estate.web.basemap import basemap
from estate.web.cache import cached, organisations
from estate.web.presentation import body_styles, vocabularies
from estate.web.state import connection

bp = Blueprint("map", __name__)


class TerrierLayers(MacroElement):
    """Starts terrier.js on the Folium map, with its configuration as JSON (Jinja's
    ``tojson`` escapes <, > and & so text from the register cannot end the script)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            Terrier.start({{ this._parent.get_name() }}, {{ this.config|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, config: dict):
        super().__init__()
        self._name = "TerrierLayers"
        self.config = config


class TerrierMap(folium.Map):
    """Folium's map under a fixed name. The page and its script are built and cached
    apart, by whichever worker is asked, so the script must find the map's element by
    the same name whichever build the page came from (Folium's names are random)."""

    def get_name(self) -> str:
        return "terrier_map"


@dataclass(frozen=True)
class MapPage:
    """The map page in Folium's three parts."""

    header: str
    """The head: the scripts' and styles' links, the title, Folium's styles."""
    body: str
    """The navigation and the map's element."""
    script: str
    """What makes the map: Folium's script, served as ``/map.js``."""


# Folium's own markup, never the register's: an inline script has no attributes.
INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def build_map() -> MapPage:
    """The map page's parts (each cached by its route per data version)."""
    conn = connection()
    # Bodies by their display names, and every vocabulary's labels: the popups and the
    # legend show words, while /api keeps the codes (see the README's plain words).
    bodies = [
        {**b, "name": labels.body_display_name(b["code"], b["name"], b["kind"])}
        for b in body_styles(organisations())
    ]
    box = mapsummary.extent(conn) or (-2.5, 53.35, -2.2, 53.5)
    static = lambda path: url_for("static", filename=path)  # noqa: E731
    # Leaflet first: the draw plugin and terrier.js extend it.
    local_js = [
        ("leaflet", static("vendor/leaflet/leaflet.js")),
        ("leaflet_draw", static("vendor/leaflet-draw/leaflet.draw.js")),
        ("terrier", static("js/terrier.js")),
    ]
    local_css = [
        ("leaflet_css", static("vendor/leaflet/leaflet.css")),
        ("leaflet_draw_css", static("vendor/leaflet-draw/leaflet.draw.css")),
        ("estate_css", static("css/estate.css")),
    ]

    m = TerrierMap(
        location=[(box[1] + box[3]) / 2, (box[0] + box[2]) / 2],
        zoom_start=12,
        tiles=None,
        control_scale=True,
        prefer_canvas=True,
        max_zoom=19,
    )
    # Folium's defaults load Leaflet, jQuery, Bootstrap and fonts from CDNs: this page
    # needs only Leaflet, served by the app.
    m.default_js = local_js
    m.default_css = local_css
    base = basemap()
    if base is not None:
        folium.TileLayer(
            tiles=base.url,
            attr=base.attribution,
            name="Basemap",
            min_zoom=base.min_zoom,
            max_zoom=base.max_zoom,
            max_native_zoom=base.max_native_zoom or base.max_zoom,
            control=False,
        ).add_to(m)
    m.fit_bounds([[box[1], box[0]], [box[3], box[2]]])

    root = m.get_root()
    root.header.add_child(Element("<title>Estate terrier map</title>"), name="title")
    root.header.add_child(
        Element(f'<link rel="icon" href="{static("favicon.svg")}" type="image/svg+xml">'),
        name="icon",
    )
    # One page for every viewer (nothing in it is any body's): the nav links to the
    # account page rather than naming whoever asked first.
    nav = render_template("_nav.html", active="map.index", account=None, account_link=True)
    root.html.add_child(Element(nav), name="nav")

    TerrierLayers(
        {
            "bodies": bodies,
            "vocab": vocabularies(),
            "labels": labels.vocabularies(),
            "body_names": labels.SPECIAL_BODIES,
            "urls": {
                "map": url_for("api.map_features"),
                "asset": url_for("api.asset", asset_id=0).removesuffix("0"),
                "page": url_for("analysis.asset", asset_id=0).removesuffix("0"),
                "search": url_for("api.search"),
                "clusters": url_for("api.clusters"),
                "candidates": url_for("api.candidates"),
                "radar": url_for("places.radar_geojson"),
                "colocation_page": url_for("analysis.colocation"),
                "cluster_page": url_for("places.cluster", key=0).removesuffix("0"),
                "disposals_page": url_for("analysis.disposals"),
                "areas": url_for("api.areas", kind="ward").removesuffix("ward"),
                "summary": url_for("api.summary"),
            },
            "points_from_zoom": POINTS_FROM_ZOOM,
            "analysis_from_zoom": ANALYSIS_FROM_ZOOM,
            "footprints_from_zoom": FOOTPRINTS_FROM_ZOOM,
        }
    ).add_to(m)
    m.render()  # each element writes its header, body and script parts into the page
    header = root.header.render()
    # Folium's header sets Leaflet's L_NO_TOUCH and L_DISABLE_3D inline, to their defaults,
    # after Leaflet has read them: moved to the script, they still do nothing.
    switches = INLINE_SCRIPT.findall(header)
    return MapPage(
        header=INLINE_SCRIPT.sub("", header),
        body=root.html.render(),
        script="\n".join([*switches, root.script.render()]),
    )


# From this zoom the map shows assets one by one (a town's view, a few thousand at
# most); below it, grid clusters. Outlines of buildings from this zoom.
POINTS_FROM_ZOOM = 14
FOOTPRINTS_FROM_ZOOM = 16
# Co-location clusters and disposal candidates are drawn from this zoom (a district).
ANALYSIS_FROM_ZOOM = 11


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico whatever the page says."""
    return redirect(url_for("static", filename="favicon.svg"), 301)


@bp.get("/")
def index():
    """The terrier map: Folium's header and body in ``map.html``, which loads the rest."""
    return cached(
        "text/html", lambda: render_template("map.html", page=build_map()), per_viewer=False
    )


@bp.get("/map.js")
def script():
    """What makes the map on the page: the Leaflet map, its basemap and scale, and
    terrier.js started with its configuration (the bodies, vocabularies and links)."""
    return cached("text/javascript", lambda: build_map().script, per_viewer=False)
