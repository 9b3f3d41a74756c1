"""The README's diagrams and rule table are generated from the code, and must be current."""

from casework import docs
from workflows.participation import WORKFLOW


def test_readme_blocks_are_current():
    text = docs.README.read_text()
    assert docs.render(text) == text, "run `casework docs` and commit README.md"


def test_the_participation_diagram_has_every_transition_of_the_machine():
    diagram = WORKFLOW.mermaid()
    for event in WORKFLOW.machine.events.values():
        for source, transitions in event.transitions.items():
            for t in transitions:
                assert f"{source} --> {t.dest or source} : {event.name}" in diagram
    assert diagram in docs.README.read_text()
