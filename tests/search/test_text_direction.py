"""Right-to-left detection (search.text.is_rtl): CLDR's character order through Babel, the one
helper the page direction (web/views/filters.page_dir) and search share."""

from __future__ import annotations

import pytest

from search.text import is_rtl


@pytest.mark.parametrize("lang", ["ar", "he", "fa", "ur", "ar-EG", "fa_IR", "ckb", "yi"])
def test_right_to_left_languages(lang):
    assert is_rtl(lang) is True


@pytest.mark.parametrize("lang", ["en", "es", "sw", "pt-BR", "pt_BR", "fr", "zh-Hant"])
def test_left_to_right_languages(lang):
    assert is_rtl(lang) is False


@pytest.mark.parametrize("lang, rtl", [("pa-Arab", True), ("pa", False), ("sd", True), ("sd-Deva", False)])
def test_the_script_subtag_decides(lang, rtl):
    """Punjabi in Shahmukhi is right-to-left and in Gurmukhi not; a hand-kept set of primary
    language codes could not say so."""
    assert is_rtl(lang) is rtl


@pytest.mark.parametrize("lang", ["xx", "qqq-Latn", "", None, "en--", "not a tag"])
def test_unknown_codes_are_left_to_right_without_an_error(lang):
    assert is_rtl(lang) is False
