"""The register of land: entries, GeoJSON locations, and CSV import results."""

from __future__ import annotations

import json
import math
from typing import Any

from marshmallow import (
    Schema,
    ValidationError,
    fields,
    pre_load,
    validate,
    validates_schema,
)

from casework.schemas.common import PageSchema, text

TENURES = ("owned", "leased")


def _position(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) in (2, 3)
        and all(
            isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
            for v in value
        )
        and -180 <= value[0] <= 180
        and -90 <= value[1] <= 90
    )


def validate_geojson(value: Any) -> None:
    """A GeoJSON Point or Polygon (RFC 7946), longitude first."""
    if not isinstance(value, dict) or value.get("type") not in ("Point", "Polygon"):
        raise ValidationError("Give a GeoJSON Point or Polygon.")
    coords = value.get("coordinates")
    if value["type"] == "Point":
        if not _position(coords):
            raise ValidationError("A Point's coordinates are [longitude, latitude].")
        return
    if not isinstance(coords, list) or not coords:
        raise ValidationError("A Polygon's coordinates are a list of linear rings.")
    for ring in coords:
        if not isinstance(ring, list) or len(ring) < 4 or not all(_position(p) for p in ring):
            raise ValidationError("Each ring has at least four [longitude, latitude] positions.")
        if ring[0] != ring[-1]:
            raise ValidationError("Each ring must end where it starts.")


class LandSchema(Schema):
    id = fields.Integer(dump_only=True)
    authority = fields.Function(lambda e: e.authority.code, dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=300))
    address = text(2000, load_default="")
    uprn = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(r"^\d{1,12}$", error="A UPRN is up to 12 digits."),
    )
    description = text(10000, load_default="")
    tenure = fields.String(
        required=True,
        validate=validate.OneOf(TENURES),
        metadata={"description": "whether the authority owns or leases it"},
    )
    location = fields.Dict(
        load_default=None,
        allow_none=True,
        validate=validate_geojson,
        metadata={"description": "a GeoJSON Point or Polygon"},
    )
    retired_on = fields.Date(dump_only=True, allow_none=True)
    frozen = fields.Boolean(
        dump_only=True,
        metadata={
            "description": "the authority may not dispose of it while a request is pending (s.84)"
        },
    )
    frozen_by = fields.List(fields.String(), dump_only=True)

    @pre_load
    def _strip(self, data: Any, **_) -> Any:
        if isinstance(data, dict):
            return {
                k: (v.strip() or None if k == "uprn" else v.strip()) if isinstance(v, str) else v
                for k, v in data.items()
            }
        return data


class LandChangesSchema(LandSchema):
    """The body of a PATCH: only the fields to change, none of them required."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("partial", True)
        super().__init__(*args, **kwargs)


class LandQuerySchema(PageSchema):
    authority = fields.String(metadata={"description": "an authority code"})
    place = fields.String(
        validate=validate.Length(max=200), metadata={"description": "words in the address"}
    )
    q = fields.String(
        validate=validate.Length(max=200),
        metadata={"description": "words in the name, address or description"},
    )
    frozen = fields.Boolean()
    include_retired = fields.Boolean(load_default=False)


class GeoJsonText(fields.Field):
    """A CSV cell holding GeoJSON text, for a polygon that two columns cannot express."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        try:
            geometry = json.loads(value) if isinstance(value, str) else value
        except ValueError as exc:
            raise ValidationError(
                'Give the location as GeoJSON, e.g. {"type": "Point", "coordinates": '
                "[-3.17, 56.07]}, or use the latitude and longitude columns."
            ) from exc
        validate_geojson(geometry)
        return geometry


class LandCsvRow(LandSchema):
    """A CSV row: the location may be given as latitude and longitude columns."""

    latitude = fields.Float(
        load_default=None, allow_none=True, validate=validate.Range(min=-90, max=90)
    )
    longitude = fields.Float(
        load_default=None, allow_none=True, validate=validate.Range(min=-180, max=180)
    )
    location = GeoJsonText(load_default=None, allow_none=True)

    @pre_load
    def _blanks(self, data: Any, **_) -> Any:
        return {k: v for k, v in data.items() if v not in ("", None)}

    @validates_schema
    def _both_coordinates(self, data: dict[str, Any], **_) -> None:
        """Half a position is a mistake in the file, not a row without a location."""
        lat, lon = data.get("latitude"), data.get("longitude")
        if (lat is None) != (lon is None):
            missing = "longitude" if lon is None else "latitude"
            raise ValidationError(
                "Give both latitude and longitude, or neither.", field_name=missing
            )


class ImportResultSchema(Schema):
    created = fields.Integer()
    updated = fields.Integer()
    unchanged = fields.Integer()
    errors = fields.List(fields.Dict(), metadata={"description": "{row, errors} for each bad row"})
