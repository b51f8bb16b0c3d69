// Electron security scan (Doyensec's electronegativity) over the app's sources; fails on any high-severity finding.
// Offline by design: the scanner's one network call (fetching translations) is answered locally with a refusal.
import Module, { createRequire } from 'node:module';
import { resolve } from 'node:path';

const require = createRequire(import.meta.url);
const load = Module._load;
Module._load = function (request, parent, isMain) {
  if (request === 'got' && parent?.filename?.includes('electronegativity'))
    return () => Promise.reject(new Error('offline'));
  return load.call(this, request, parent, isMain);
};
const run = require('@doyensec/electronegativity/dist/runner.js');

const input = resolve(process.argv[2] ?? 'src');
const quietLog = console.log;
console.log = () => {}; // the scanner prints progress chatter even when used as a library
let report;
try {
  report = await run(
    {
      input,
      electronVersionOverride: require('electron/package.json').version,
      output: undefined,
      isRelative: true,
      severitySet: undefined,
      confidenceSet: undefined,
      customScan: [],
      excludeFromScan: [],
      electronUpgrade: undefined,
      parserPlugins: [],
    },
    false,
  );
} finally {
  console.log = quietLog;
}
const { issues, errors } = report;
const bySeverity = (s) => issues.filter((i) => i.severity.name === s);
for (const issue of issues) {
  console.log(
    `${issue.severity.name.padEnd(13)} ${issue.confidence.name.padEnd(9)} ${issue.id.padEnd(40)} ${issue.file}:${issue.location.line}  ${issue.manualReview ? '(review) ' : ''}${issue.description}`,
  );
}
for (const e of errors)
  console.log(`parse error (${e.tolerable ? 'tolerable' : 'not tolerable'}): ${e.file}: ${e.message}`);
const high = bySeverity('HIGH');
console.log(
  `electronegativity: ${issues.length} findings over ${input} (${high.length} high, ${bySeverity('MEDIUM').length} medium, ${bySeverity('LOW').length} low, ${bySeverity('INFORMATIONAL').length} informational)`,
);
if (high.length > 0) {
  console.error(
    'High-severity Electron security findings: fix them (see the lines above and https://github.com/doyensec/electronegativity/wiki).',
  );
  process.exit(1);
}
// A file the scanner could not read was not checked: "0 high" would say nothing about it.
const unread = errors.filter((e) => !e.tolerable);
if (unread.length > 0) {
  console.error(`The scanner could not parse ${unread.length} file(s) (above), so they were not checked.`);
  process.exit(1);
}
