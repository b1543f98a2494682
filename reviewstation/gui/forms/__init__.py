"""Modules compiled by ``pyside6-uic`` from the Designer forms in ``ui/``; never edit them.

Regenerate with ``python -m reviewstation.gui.build_forms``. They are checked in, so the app
works the same from a checkout, an installed wheel and a frozen build. Only generated code
lives in this package, so linters can exclude it as a whole.
"""
