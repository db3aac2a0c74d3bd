"""Mermaid diagrams are generated from the dialogs themselves."""

from __future__ import annotations

from bot.engine.diagram import mermaid
from bot.service import Content


def test_diagram_shows_every_node_and_edge_of_a_dialog(content: Content) -> None:
    chart = mermaid(content.dialogs, "external_exam")
    assert chart.startswith("flowchart TD")
    for node in content.dialogs.dialogs["external_exam"].nodes.values():
        assert node.key.replace(".", "__") in chart
    assert "-- exam_eligible --> external_exam__eligible" in chart
    assert "-- else --> external_exam__not_yet" in chart
    assert "main__" not in chart.split("-->")[0]  # starts inside the dialog
    assert "recognition__" not in chart
