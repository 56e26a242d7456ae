"""The W3C SHACL Core test suite (98 ``sht:Validate`` cases), for both validators.

Each case is validated by pySHACL (the reference, also the fallback for refused shapes) and
by the compiled checks of :mod:`graph.shacl`, and compared with the expected report:
conformance and the set of (focus node, path, source shape, constraint component, severity).
The compiled validator must also agree with pySHACL on every case it does not refuse. The
allowed disagreements with the suite are listed below with their reasons; a case on the list
that starts to pass fails the run, so the list stays exact.
"""

from __future__ import annotations

import warnings

import pytest

from graph.validation import CompiledValidator, pyshacl_violations, validate_graph

from .w3c_suite import cases, result_key

CASES = {c.name: c for c in cases()}

RDFLIB_BOOLEAN = ("rdflib normalises the lexical form \"1\"^^xsd:boolean to \"true\" while parsing, "
                  "so no validator built on rdflib can tell that sh:uniqueLang is not \"true\"")

# (validator, case) -> why its report differs from the expected one
ALLOWED = {
    ("pyshacl", "core/property/uniqueLang-002"): RDFLIB_BOOLEAN,
    ("compiled", "core/property/uniqueLang-002"): RDFLIB_BOOLEAN,
}

# cases in which the compiled validator refuses a shape (it is then checked by pySHACL)
REFUSED: dict[str, str] = {}


def _pyshacl(case):
    with warnings.catch_warnings():
        # qualified-001 puts sh:qualifiedValueShape on a node shape on purpose; pySHACL warns
        warnings.filterwarnings("ignore", category=Warning, module="pyshacl")
        return pyshacl_violations(case.data, case.shapes)


def _compiled(case):
    validator = CompiledValidator(case.shapes)
    if validator.refused:
        return None
    return validate_graph(case.data, case.shapes, validator)


def _report(violations) -> tuple[bool, frozenset]:
    return not violations, frozenset(map(result_key, violations))


def test_the_suite_is_complete():
    assert len(CASES) == 98
    assert all(c.results or c.conforms for c in CASES.values())


@pytest.mark.parametrize("validator", ["pyshacl", "compiled"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_w3c_case(name, validator):
    case = CASES[name]
    violations = _pyshacl(case) if validator == "pyshacl" else _compiled(case)
    if violations is None:
        assert name in REFUSED, f"the compiled validator refuses a shape of {name}: add it to REFUSED with why"
        return
    report = _report(violations)
    expected = (case.conforms, case.results)
    if (validator, name) in ALLOWED:
        assert report != expected, f"{name} now passes with {validator}: remove it from ALLOWED"
        return
    assert report == expected


@pytest.mark.parametrize("name", sorted(CASES))
def test_compiled_agrees_with_pyshacl(name):
    case = CASES[name]
    compiled = _compiled(case)
    if compiled is None:
        assert name in REFUSED
        return
    assert _report(compiled) == _report(_pyshacl(case))


def test_refused_cases_are_the_listed_ones():
    refused = {name for name, case in CASES.items() if CompiledValidator(case.shapes).refused}
    assert refused == set(REFUSED)
