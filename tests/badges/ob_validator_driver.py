"""Runs inside the openbadges 1.1.2 validator's own virtual environment (not ours).

Reads a JSON request on stdin: {"input": URL or JSON/JWS text, or "file": path of a baked
image, "recipient": {"email": ...} or {"url": ...}, "context": path of the bundled OB 2.0
context}. Prints {"valid": report.valid, "report": ...}. The validator's document loader is
replaced by one that serves https://w3id.org/openbadges/v2 from the bundled copy (it would
otherwise fetch it from the internet); every other URL goes to the node on 127.0.0.1.
"""

import json
import sys

from openbadges.verifier import utils as ob_utils
from openbadges.verifier import verifier as ob_verifier
from openbadges.verifier.openbadges_context import OPENBADGES_CONTEXT_V2_URI

request = json.load(sys.stdin)
with open(request["context"], encoding="utf-8") as handle:
    CONTEXT_TEXT = handle.read()
BUNDLED = {OPENBADGES_CONTEXT_V2_URI, OPENBADGES_CONTEXT_V2_URI + "/", "https://openbadgespec.org/v2/context.json"}


class BundledContextLoader(ob_utils.CachableDocumentLoader):
    def __call__(self, url):
        if url in BUNDLED:
            return {"contextUrl": None, "documentUrl": url, "document": CONTEXT_TEXT}
        if not url.startswith(("http://127.0.0.1", "http://localhost")):
            raise RuntimeError("refusing to fetch %s: only the node under test and bundled contexts" % url)
        return super().__call__(url)


ob_verifier.CachableDocumentLoader = BundledContextLoader

if "file" in request:
    badge_input = open(request["file"], "rb")
else:
    badge_input = request["input"]
result = ob_verifier.verify(badge_input, recipient_profile=request.get("recipient"), use_cache=False)
messages = result["report"].get("messages", [])
print(json.dumps({"valid": result["report"]["valid"], "errorCount": result["report"]["errorCount"],
                  "messages": messages}, default=str))
