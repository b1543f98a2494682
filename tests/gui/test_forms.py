"""The checked-in form modules are exactly what pyside6-uic makes of ui/*.ui today."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewstation.gui import build_forms

FORMS = build_forms.forms()


def test_every_form_has_a_module() -> None:
    assert FORMS, "no Designer forms found in ui/"
    for form in FORMS:
        assert build_forms.module_for(form).is_file(), f"{form.name} was never compiled"


@pytest.mark.parametrize("form", FORMS, ids=[f.name for f in FORMS])
def test_compiled_form_is_current(form: Path) -> None:
    uic = build_forms.find_uic()
    if uic is None:
        pytest.skip("pyside6-uic is not installed")
    expected = build_forms.compile_form(uic, form)
    actual = build_forms.module_for(form).read_text(encoding="utf-8")
    assert actual == expected, (
        f"{build_forms.module_for(form).name} is stale; run "
        "'python -m reviewstation.gui.build_forms'"
    )
