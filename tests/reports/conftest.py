"""Fixtures: one real vault's package content, its report and the report's text, per session."""

from __future__ import annotations

import pytest
from reports.report_content import build_content, fingerprints_for, pdf_pages

from reviewstation.package_content import PackageContent
from reviewstation.reports import render_report


@pytest.fixture(scope="session")
def content(tmp_path_factory: pytest.TempPathFactory) -> PackageContent:
    return build_content(tmp_path_factory.mktemp("report-vault"))


@pytest.fixture(scope="session")
def pdf(content: PackageContent) -> bytes:
    return render_report(content, fingerprints_for(content))


@pytest.fixture(scope="session")
def pages(pdf: bytes, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    return pdf_pages(pdf, tmp_path_factory.mktemp("report-text"))
