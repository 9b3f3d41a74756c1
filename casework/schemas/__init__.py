"""Marshmallow schemas: the shape of everything that crosses the edge (API and forms)."""
