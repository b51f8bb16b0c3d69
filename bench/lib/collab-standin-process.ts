// The public-collab stand-in in a process of its own, driven over stdin/stdout as JSON lines, so a benchmark measures the CPU of the client under test alone.
import { createInterface } from 'node:readline';
import { startHfBucketStandin } from '../../tests/helpers/hf-bucket-standin';
import { startPublicCollabStandin } from '../../tests/helpers/public-collab-standin';

interface Command {
  id: number;
  op: 'seedMessages' | 'seedResults' | 'latency' | 'requests' | 'close';
  n?: number;
  ms?: number;
  agents?: string[];
}

const hf = await startHfBucketStandin({ users: [] });
const collab = await startPublicCollabStandin({ hf, org: 'bench-mirror', slug: 'frontier' });
collab.setReadme('# Frontier bench collab\n\nRank by tps.\n');
const send = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);
send({ ready: true, apiUrl: collab.apiUrl, hfUrl: hf.url });

const words = 'draft accepted tokens kv cache decode batch threads verify rollback speculative layer'.split(' ');
const body = (i: number) =>
  Array.from({ length: 40 }, (_, k) => words[(i * 7 + k * 3) % words.length]).join(' ') + `\n\nrun ${i}\n`;

for await (const line of createInterface({ input: process.stdin })) {
  const c = JSON.parse(line) as Command;
  const agents = c.agents ?? ['ada', 'bo', 'cy', 'dee', 'eve'];
  if (c.op === 'seedMessages') send({ id: c.id, filenames: collab.seedMessages(c.n ?? 0, { agents, body }).length });
  else if (c.op === 'seedResults')
    send({ id: c.id, filenames: collab.seedResults(c.n ?? 0, { agents, score: (i) => 20 + ((i * 37) % 180) }).length });
  else if (c.op === 'latency') {
    collab.setLatency(c.ms ?? 0);
    send({ id: c.id });
  } else if (c.op === 'requests') send({ id: c.id, requests: collab.requests.length, parked: collab.parked() });
  else if (c.op === 'close') {
    await collab.close();
    await hf.close();
    send({ id: c.id });
    process.exit(0);
  }
}
