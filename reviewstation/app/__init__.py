"""The application layer: every use case the two front ends offer has its one home here.

The CLI and the GUI call these functions and render what they return; they hold no logic of
their own. Below this package are the packages/formats/reports, the feature modules and the
vault; above it only ``cli/`` and ``gui/``.
"""
