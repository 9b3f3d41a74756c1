"""The register of land (s.94): public to read; each authority's officers keep their own."""

from __future__ import annotations

import io

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from casework import land as register
from casework.access import keeps_land_register
from casework.api import json_body, load
from casework.api.pagination import paginate
from casework.context import commit, current_user, db, today
from casework.errors import Forbidden, Invalid, NotFound
from casework.models import LandEntry
from casework.schemas.land import (
    ImportResultSchema,
    LandChangesSchema,
    LandQuerySchema,
    LandSchema,
)

blp = Blueprint(
    "land",
    __name__,
    url_prefix="/api/v1/land",
    description="The register of land (s.94), with disposal-freeze status",
)
SECURED = [{"bearer": []}]
MAX_CSV = 20 * 1024 * 1024


def officer_only() -> None:
    """Checked before anything sent is read: the same 403 whatever the payload."""
    if not keeps_land_register(current_user()):
        raise Forbidden("Only an authority's officers can change its register of land.")


def editable(entry_id: int) -> LandEntry:
    """An entry of the caller's own register: 404 if there is no such entry, then 403 for
    a caller who keeps no register, then 404 for another authority's entry."""
    if db().get(LandEntry, entry_id) is None:
        raise NotFound("There is no such entry on the register of land.")
    return register.editable(db(), entry_id, current_user())


@blp.route("")
class Land(MethodView):
    @blp.arguments(LandQuerySchema, location="query")
    @blp.response(200, LandSchema(many=True))
    @blp.doc(description="Paginated; the total is in the X-Total-Count header.")
    def get(self, args):
        """Search the register by authority, place and text."""
        query = register.search(
            select(LandEntry),
            authority=args.get("authority"),
            place=args.get("place"),
            text=args.get("q"),
            frozen=args.get("frozen"),
            include_retired=args["include_retired"],
        ).order_by(LandEntry.name, LandEntry.id)
        page = paginate(db(), query, args["page"], args["page_size"])
        return register.with_freeze(db(), page["items"]), 200, {"X-Total-Count": str(page["total"])}

    @blp.doc(
        security=SECURED, requestBody={"content": {"application/json": {"schema": LandSchema}}}
    )
    @blp.response(201, LandSchema)
    def post(self):
        """Add an entry to your authority's register."""
        officer_only()
        data = load(LandSchema(), json_body())
        entry = register.create(db(), data, current_user())
        commit()
        return register.with_freeze(db(), [entry])[0]


@blp.route("/<int:entry_id>")
class LandItem(MethodView):
    @blp.response(200, LandSchema)
    def get(self, entry_id: int):
        """One entry, with whether it is frozen and by which requests."""
        entry = db().get(LandEntry, entry_id)
        if entry is None:
            raise NotFound("There is no such entry on the register of land.")
        return register.with_freeze(db(), [entry])[0]

    @blp.doc(
        security=SECURED,
        requestBody={
            "description": "Only the fields to change.",
            "content": {"application/json": {"schema": LandChangesSchema}},
        },
    )
    @blp.response(200, LandSchema)
    def patch(self, entry_id: int):
        """Edit an entry on your authority's register."""
        entry = editable(entry_id)
        data = load(LandChangesSchema(), json_body())
        register.update(db(), entry, data, current_user())
        commit()
        return register.with_freeze(db(), [entry])[0]


@blp.route("/<int:entry_id>/retire", methods=["POST"])
@blp.doc(security=SECURED)
@blp.response(200, LandSchema)
def retire(entry_id: int):
    """Take land off the register. Refused (409) while a request freezes it (s.84)."""
    entry = editable(entry_id)
    register.retire(db(), entry, current_user(), today())
    commit()
    return register.with_freeze(db(), [entry])[0]


@blp.route("/import", methods=["POST"])
@blp.doc(
    security=SECURED,
    requestBody={
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            },
        }
    },
)
@blp.response(200, ImportResultSchema)
def import_csv(_args=None):
    """Import a CSV of land into your register. Columns: name, tenure (owned or leased),
    address, uprn, description, latitude and longitude, or location (GeoJSON text). Bad
    rows are reported by row number and the good rows are kept; importing the same file
    again creates no duplicates."""
    officer_only()
    if request.content_length and request.content_length > MAX_CSV:
        raise Invalid({"file": [f"The file is larger than {MAX_CSV // 1024 // 1024} MB."]})
    upload = request.files.get("file")
    raw = upload.read(MAX_CSV + 1) if upload else request.get_data(cache=False)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Invalid({"file": ["The file must be UTF-8 text."]}) from exc
    if not text.strip():
        raise Invalid({"file": ["Send a CSV file."]})
    result = register.import_csv(db(), io.StringIO(text), current_user())
    commit()
    return result
