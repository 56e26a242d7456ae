"""Every failure the web fuzz targets found (issue 13 item 3), as a named test with its minimal
example; each failed before its fix. :meth:`FuzzNode.call` checks the property (below 500, a
message naming what is wrong, nothing changed)."""

from __future__ import annotations

from .mutations import dump_json, nested


def test_patch_body_nested_deeper_than_the_parser_reads_is_a_400(web_node):
    """Found by test_api_patch_person: a RecursionError of the JSON reader was a 500."""
    body = dump_json({"name": nested("x", 5_000)}).encode("utf-8")
    answer = web_node.call("PATCH", "/api/people/fred", caller="self", data=body,
                           headers={"Content-Type": "application/json"}, names=["json"])
    assert answer.status == 400


def test_badgr_body_nested_deeper_than_the_parser_reads_is_a_400(web_node):
    """The same reader behind every Badgr body (web/badgr_requests.py json_body)."""
    body = dump_json({"recipient": nested({}, 5_000)}).encode("utf-8")
    answer = web_node.call("POST", "/v2/badgeclasses/budgets/assertions", caller="trainer", data=body,
                           headers={"Content-Type": "application/json"}, names=["json"])
    assert answer.status == 400 and "nested too deeply" in answer.message


def test_mentors_per_mentee_of_more_digits_than_python_reads_is_a_400(web_node):
    """Found by test_api_mentors: int() refuses texts of more than 4300 digits with a ValueError (a 500)."""
    answer = web_node.call("GET", "/api/mentors", query=[("per_mentee", "9" * 100_000)])
    assert answer.status == 400 and "per_mentee" in answer.message


def test_path_no_route_matches_is_a_404_naming_the_path(web_node):
    """Found by test_api_patch_person: a username holding ``/`` (``%2F``) matches no route, and
    Werkzeug's 404 text named nothing."""
    answer = web_node.call("PATCH", "/api/people/%3Cb%3Ex%3C%2Fb%3E", caller="self", json={"name": "x"},
                           values=["/api/people/<b>x</b>"])
    assert answer.status == 404


def test_removing_a_claim_nobody_has_names_remove_claims(web_node):
    """Found by test_api_patch_person: "no claim on budgeting to remove" named no field."""
    answer = web_node.call("PATCH", "/api/people/fred", caller="self",
                           json={"remove_claims": [{"skill": "12", "status": "known"}]}, names=["remove_claims"])
    assert answer.status == 400 and answer.message.startswith("remove_claims:")


def test_linked_data_path_that_no_iri_can_be_is_a_404(web_node):
    """Found by test_linked_data_and_sparql_reads: /id/%20 made pyoxigraph refuse the IRI (a 500)."""
    answer = web_node.call("GET", "/id/%20x", headers={"Accept": "text/turtle"}, values=["/id/ x"])
    assert answer.status == 404


def test_disabled_login_method_is_named(web_node):
    """Found by test_ui_pages: the 404 of /login/<provider> did not say which method."""
    answer = web_node.call("GET", "/login/wikimedia", values=["wikimedia"])
    assert answer.status == 404 and "wikimedia" in answer.message


def test_dataset_graph_that_is_no_iri_is_a_400_naming_the_parameter(web_node):
    """Found by test_linked_data_and_sparql_reads: default-graph-uri=%20 reached the store, whose
    "Invalid IRI code point ' '" named neither the parameter nor the value."""
    for name in ("default-graph-uri", "named-graph-uri"):
        answer = web_node.call("GET", "/sparql", query=[("query", "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1"),
                                                        (name, " ")])
        assert answer.status == 400 and answer.message.startswith(f"{name}:")


def test_accept_header_nothing_matches_is_a_406_naming_it(web_node):
    """Found by test_linked_data_and_sparql_reads: the 406 names the Accept header, which the
    property now counts among what a request carried."""
    answer = web_node.call("GET", "/id/person/pia", headers={"Accept": "application/json"})
    assert answer.status == 406 and "Accept" in answer.message


def test_award_id_of_a_zero_width_space_is_a_404(web_node):
    """Found by test_open_badges_documents: /badges/verify/%E2%80%8B (U+200B) cannot be shown in a
    message; the property counts an invisible value as blank."""
    answer = web_node.call("GET", "/badges/verify/%E2%80%8B", values=["\u200b"])
    assert answer.status == 404


def test_claims_field_that_is_not_a_list_is_a_400_naming_it(web_node):
    """Found by test_api_patch_person: ``"remove_claims": 5`` was a TypeError (a 500)."""
    for field in ("remove_claims", "add_claims", "claims"):
        answer = web_node.call("PATCH", "/api/people/fred", caller="self", json={field: 5}, names=[field])
        assert answer.status == 400 and answer.message.startswith(f"{field} is a list")


def test_email_that_is_no_address_names_the_email_field(web_node):
    """Found by test_api_patch_person: "e-mail 'xxx…' is not an e-mail address" named no field
    (the body's field is ``email``) and showed the whole huge value."""
    answer = web_node.call("PATCH", "/api/people/fred", caller="self", json={"email": "x" * 10_000}, names=["email"])
    assert answer.status == 400 and answer.message.startswith("email ") and len(answer.message) < 200


def test_badgr_entity_id_that_no_iri_can_be_is_a_404(web_node):
    """Found by the long run of test_badgr_reads and test_badgr_issue: an award or badge class id
    such as ``<!ENTITY x 'y'>`` or ESC made pyoxigraph refuse the IRI (a 500)."""
    answer = web_node.call("GET", "/v2/assertions/%3C%21ENTITY%20x%20%27y%27%3E", caller="trainer",
                           values=["<!ENTITY x 'y'>"])
    assert answer.status == 404
    answer = web_node.call("POST", "/v2/badgeclasses/%1B/assertions", caller="trainer", values=["\x1b"],
                           json={"recipient": {"identity": "pia@example.org", "type": "email"}})
    assert answer.status == 404
