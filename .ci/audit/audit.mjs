#!/usr/bin/env node
// Runs the GraphQL-over-HTTP conformance audit of `graphql-http` against a running server.
//
//   node .ci/audit/audit.mjs http://127.0.0.1:8080/graphql
//
// Prints every audit result and, for anything that is not "ok", the reason and the
// server's response. Exits non-zero when any MUST audit fails ("error") or any SHOULD
// audit fails ("warn"). Notices (MAY) are printed but do not fail the run. The last line
// is the summary `N passed, M failed`, where failed = errors + warnings.

import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url || process.argv.length > 3) {
  console.error('usage: node audit.mjs URL   (e.g. http://127.0.0.1:8080/graphql)');
  process.exit(2);
}
try {
  new URL(url);
} catch {
  console.error(`not a URL: ${url}`);
  process.exit(2);
}

/** The response of a failed audit, as text; the body may already have been read. */
async function describeResponse(response) {
  if (!response || typeof response !== 'object') return '';
  const lines = [];
  const status = response.status !== undefined ? `${response.status} ${response.statusText ?? ''}`.trim() : '?';
  lines.push(`HTTP ${status}`);
  if (response.headers && typeof response.headers.get === 'function') {
    const contentType = response.headers.get('content-type');
    if (contentType) lines.push(`content-type: ${contentType}`);
  }
  if (!response.bodyUsed && typeof response.text === 'function') {
    try {
      let body = await response.text();
      if (body.length > 2000) body = `${body.slice(0, 2000)}... (${body.length} characters)`;
      lines.push(`body: ${body}`);
    } catch (err) {
      lines.push(`body: <unreadable: ${err?.message ?? err}>`);
    }
  }
  return lines.join('\n');
}

function indent(text, prefix = '      ') {
  return text
    .split('\n')
    .map((line) => prefix + line)
    .join('\n');
}

let results;
try {
  results = await auditServer({ url });
} catch (err) {
  console.error(`the audit could not run against ${url}: ${err?.stack ?? err}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}

if (!Array.isArray(results) || results.length === 0) {
  console.error('the audit returned no results');
  console.log('0 passed, 1 failed');
  process.exit(1);
}

const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
const label = { ok: 'ok    ', notice: 'notice', warn: 'WARN  ', error: 'ERROR ' };
console.log(`GraphQL-over-HTTP audit (graphql-http) of ${url}: ${results.length} audits`);
for (const result of results) {
  counts[result.status] = (counts[result.status] ?? 0) + 1;
  console.log(`${label[result.status] ?? result.status} ${result.id} ${result.name}`);
  if (result.status !== 'ok') {
    console.log(indent(`reason: ${result.reason}`));
    const response = await describeResponse(result.response);
    if (response) console.log(indent(response));
  }
}

const failed = counts.error + counts.warn;
const passed = results.length - failed;
console.log(
  `MUST failures: ${counts.error}, SHOULD warnings: ${counts.warn}, MAY notices: ${counts.notice}, ok: ${counts.ok}`,
);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
