"""Authorities: public, so that a body can find the code of the authority it writes to."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import select

from casework.api.pagination import paginate
from casework.context import db
from casework.models import Authority
from casework.schemas.common import AuthoritySchema, PageSchema

blp = Blueprint(
    "authorities",
    __name__,
    url_prefix="/api/v1/authorities",
    description="Public service authorities and relevant authorities",
)


class AuthorityPage(Schema):
    items = fields.List(fields.Nested(AuthoritySchema))
    page = fields.Integer()
    page_size = fields.Integer()
    total = fields.Integer()


@blp.route("")
class Authorities(MethodView):
    @blp.arguments(PageSchema, location="query")
    @blp.response(200, AuthorityPage)
    def get(self, args):
        """List authorities by name."""
        return paginate(
            db(), select(Authority).order_by(Authority.name), args["page"], args["page_size"]
        )
