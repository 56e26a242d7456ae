// Digital Bazaar's verifier, run by tests/badges/test_db_verifier.py: @digitalbazaar/vc with a
// DataIntegrityProof of the eddsa-rdfc-2022 cryptosuite (keys: @digitalbazaar/ed25519-multikey)
// and @digitalbazaar/vc-bitstring-status-list for credentialStatus, in jsonld.js's default
// safe mode. Installed by `npm ci` from package.json / package-lock.json.
//
// stdin: {"credential": {...}, "documents": {URL: document}, "contexts": {URL: file path},
//         "now": ISO date-time (optional)}
// stdout: one JSON line {"verified": bool, "revoked": bool | null, "error": string | null}
//
// The document loader answers only with the bundled contexts and the documents the test hands
// over (key document, issuer profile, status list credential); any other URL is an error, so
// nothing is fetched. (jsonld-signatures adds its own security contexts on top.)
import {readFileSync} from 'node:fs';

import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';

const request = JSON.parse(readFileSync(0, 'utf8'));
const documents = new Map(Object.entries(request.documents || {}));
const contexts = new Map(Object.entries(request.contexts || {}).map(
  ([url, path]) => [url, JSON.parse(readFileSync(path, 'utf8'))]));

async function documentLoader(url) {
  const document = contexts.get(url) ?? documents.get(url);
  if(document === undefined) {
    throw new Error(`refusing to load ${url}: neither a bundled context nor a document of the test`);
  }
  return {contextUrl: null, documentUrl: url, document: structuredClone(document)};
}

function message(error) {
  if(!error) {
    return null;
  }
  const errors = Array.isArray(error) ? error : [error];
  return errors.map(e => {
    const parts = [e.message || String(e)];
    if(e.details?.event?.code) {  // jsonld.js safe mode: which rule, about what
      parts.push(`${e.details.event.code}: ${JSON.stringify(e.details.event.details || {})}`);
    }
    if(Array.isArray(e.errors) && e.errors.length) {  // jsonld-signatures' "Verification error(s)."
      parts.push(message(e.errors));
    }
    if(e.cause) {
      parts.push(`cause: ${message(e.cause)}`);
    }
    return parts.join(' | ');
  }).join('; ');
}

const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});
let out;
try {
  const result = await vc.verifyCredential({
    credential: request.credential, suite, documentLoader, checkStatus,
    ...(request.now ? {now: request.now} : {})
  });
  const statuses = result.statusResult?.results || [];
  out = {
    verified: result.verified,
    revoked: statuses.length ? statuses.some(s => s.status === true) : null,
    error: message(result.error || result.statusResult?.error ||
      result.results?.filter(r => !r.verified).map(r => r.error))
  };
} catch(e) {
  out = {verified: false, revoked: null, error: message(e)};
}
process.stdout.write(JSON.stringify(out) + '\n');
