"""The property club: bodies post what space they need and what they can offer, and the
club finds what could meet each need.

A **need** says what a body is looking for (how much floor space, of what use, within
what distance of a point, by when); an **offer** says what a body can give (spare space
in a building, or a whole site, and from when). Both move through the same statuses::

    open -> in_discussion -> agreed
    open, in_discussion -> withdrawn

and ``agreed`` and ``withdrawn`` are final. Agreeing a need may name the offer or the
asset it was agreed on.

**Matching** finds, for a need, what other bodies have within its radius of its point
(a match exactly at the radius counts):

1. ``offer``: offers open or in discussion, at least the need's minimum area, available
   on the date needed (from on or before it, until on or after it, or open-ended), of a
   compatible use (the same use, or either side saying none);
2. ``surplus``: assets declared surplus or in disposal, not sensitive, whose usable area
   (NIA, else 80% of GIA) is at least the minimum;
3. ``spare``: space the analysis finds spare in operational sites
   (:func:`estate.analysis.assets.derive`: usable area less what the occupants need at
   the NIA-per-FTE target), at least the minimum, not sensitive.

An asset whose body already offers it to the club (an offer open or in discussion naming
it) is matched as that offer, never twice; assets whose point is only a postcode
district or a probable centroid are left out (their distance says nothing). The search
is set-based: one SQL statement per source, on the GiST indexes of the points
(``ST_DWithin``), and the spare space of the sites found is derived vectorised.

Who may do what: an editor (or above) posts and changes their own body's needs and
offers; a club admin or an admin any body's. Every post and every status change is an
audit event (:mod:`estate.audit`) written in the caller's transaction. Callers own the
transaction: nothing here commits.

The package, by what each module holds:

- :mod:`estate.club.errors`: :class:`ClubError`, :class:`NotAllowed`, :class:`NotFound`;
- :mod:`estate.club.rules`: statuses and their moves, match sources, limits, and the
  readers of typed values (:mod:`estate.forms`) raising :class:`ClubError`;
- :mod:`estate.club.posts`: who may post or change what, where a post is, posting;
- :mod:`estate.club.status`: status moves of needs and offers;
- :mod:`estate.club.listing`: lists and single posts, as a viewer may see them;
- :mod:`estate.club.matching`: need and offer matches and their counts;
- :mod:`estate.club.geojson`: the map's GeoJSON.

Everything public is importable from :mod:`estate.club` itself.
"""

from __future__ import annotations

from estate.club.errors import ClubError, NotAllowed, NotFound
from estate.club.geojson import (
    need_matches_geojson,
    needs_geojson,
    offer_matches_geojson,
    offers_geojson,
)
from estate.club.listing import as_json, get_need, get_offer, list_needs, list_offers, plain
from estate.club.matching import (
    need_match_counts,
    need_matches,
    offer_match_counts,
    offer_matches,
)
from estate.club.posts import may_change, post_need, post_offer
from estate.club.rules import (
    DEFAULT_RADIUS_M,
    LIVE,
    MATCH_FIELDS,
    MAX_AREA_M2,
    MAX_NOTES,
    MAX_RADIUS_M,
    MAX_TITLE,
    MOVES,
    NEED_MATCH_FIELDS,
    OFFER_KIND_LABELS,
    SOURCES,
    STATUS_LABELS,
    read_use,
)
from estate.club.status import set_need_status, set_offer_status

__all__ = [
    "DEFAULT_RADIUS_M",
    "LIVE",
    "MATCH_FIELDS",
    "MAX_AREA_M2",
    "MAX_NOTES",
    "MAX_RADIUS_M",
    "MAX_TITLE",
    "MOVES",
    "NEED_MATCH_FIELDS",
    "OFFER_KIND_LABELS",
    "SOURCES",
    "STATUS_LABELS",
    "ClubError",
    "NotAllowed",
    "NotFound",
    "as_json",
    "get_need",
    "get_offer",
    "list_needs",
    "list_offers",
    "may_change",
    "need_match_counts",
    "need_matches",
    "need_matches_geojson",
    "needs_geojson",
    "offer_match_counts",
    "offer_matches",
    "offer_matches_geojson",
    "offers_geojson",
    "plain",
    "post_need",
    "post_offer",
    "read_use",
    "set_need_status",
    "set_offer_status",
]
