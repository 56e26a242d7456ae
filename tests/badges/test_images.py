"""Badge images: PNG and SVG only; baking and unbaking OB 2.0 and OB 3.0."""

from __future__ import annotations

import json

import pytest

from badges import BadImage, Verifier, ob2, ob3
from badges.images import (bake, bake_ob3, decode_data_uri, default_png, default_svg, load_image, save_image, sniff,
                           unbake_any)


@pytest.mark.parametrize("data, message", [
    (b"\xff\xd8\xff\xe0 JFIF", "a JPEG"),
    (b"GIF89a....", "a GIF"),
    (b"hello", "neither PNG nor SVG"),
    (b"", "empty"),
    (b"<svg><unclosed></svg>", "not a well-formed SVG"),
    (b"<?xml version='1.0'?><html><svg/></html>", "root element is not <svg>"),
])
def test_images_that_are_not_png_or_svg_are_refused(tmp_path, data, message):
    with pytest.raises(BadImage, match=message):
        save_image(tmp_path, "commons", data)
    assert not (tmp_path / "badge-images").exists() or not any((tmp_path / "badge-images").iterdir())


def test_stored_and_default_images(tmp_path):
    assert sniff(default_png()) == "png" and sniff(default_svg("About Commons")) == "svg"
    assert load_image(tmp_path, "commons", "About Commons")[1] == "svg"
    save_image(tmp_path, "commons", default_png())
    assert load_image(tmp_path, "commons")[1] == "png"
    with pytest.raises(BadImage):
        decode_data_uri("data:image/png;base64,%%%")


@pytest.mark.parametrize("image", [default_png(), default_svg("Commons")])
def test_bake_and_verify_every_form(service, keys, image):
    award = service.issue("commons", "ada").award
    verifier = Verifier(service, keys)
    hosted = json.dumps(ob2.assertion(service.issuer, award))
    signed = ob2.jws_sign(ob2.signed_assertion(service.issuer, award), keys)
    credential = json.dumps(ob3.signed_credential(service.issuer, award, keys))
    for payload, baker in ((hosted, bake), (signed, bake), (credential, bake_ob3),
                           (ob3.jwt(service.issuer, award, keys), bake_ob3)):
        baked, kind = baker(image, payload)
        assert kind == sniff(image)
        result = verifier.verify(baked, recipient="ada@example.org")
        assert result.valid, result.summary()
        assert result.kind.startswith("baked")
    assert json.loads(unbake_any(bake_ob3(image, credential)[0])) == json.loads(credential)


def test_image_without_baked_data_is_reported(service, keys):
    result = Verifier(service, keys).verify(default_png())
    assert not result.valid and "no baked Open Badges data" in result.errors[0]
