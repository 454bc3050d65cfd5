"""Start-up validation: every knowledge file loads and every name it uses exists in the core."""

from __future__ import annotations

import pytest

from cnocare.clinical.criteria import registry
from cnocare.clinical.criteria.common import check_names, checked
from cnocare.clinical.criteria.jansson import definition


def test_every_knowledge_file_and_every_name_it_uses_validates() -> None:
    registry.validate_all()


def test_an_instrument_file_naming_an_unknown_fact_is_refused_with_the_file_named() -> None:
    broken = definition().model_copy(update={"items": (
        definition().items[0].model_copy(update={"when": definition().items[0].when.model_copy(
            update={"feature": "normal_blod_count"})}),)})
    with pytest.raises(ValueError, match=r"jansson-2009\.yaml: unknown feature 'normal_blod_count'"):
        checked(broken)


def test_an_unknown_measure_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown measure 'crp_mg'"):
        check_names("a site table", (set(), {"crp_mg"}))
