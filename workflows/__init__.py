"""The statutory rules of the Community Empowerment (Scotland) Act 2015, as data.

Pure Python: periods, working-day definitions, eligibility tests and the state
machines. No Flask, no SQLAlchemy, no I/O, so it can be read and tried in a REPL.
"""
