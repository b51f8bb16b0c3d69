// Sharing a session (POST /v1/traces): read the bundle from the caller's scratch folder, check and stamp its manifest, copy it (and for full, its native log) into central, record it.
import { frontmatterTimestamp } from '../shared/ids';
import type { TracePosted, TraceShare } from '../shared/traces-api';
import { decodeUtf8, rateLimitWrite } from './board';
import type { HubContext } from './hub-context';
import { HubError } from './hub-error';
import type { Caller } from './identity';
import { parseMarkdown } from './markdown';
import { renderMarkdown } from '../shared/record-format';
import { refuseSecrets, SecretScanner } from './secret-scan';
import {
  completeness,
  manifestSession,
  nativeLogFile,
  sourceSession,
  stampManifest,
  validateTraceManifest,
} from './trace-manifest';
import { traceDir } from './trace-stats';

/** What sharing needs: the caller's scratch folder and central, the write limits, the record and its write path. */
export type TraceContext = Pick<HubContext, 'config' | 'limiter' | 'workspace' | 'traces' | 'write' | 'now'>;

/**
 * Shares the session bundle at `scratchPath` (the caller's `traces/<session>/`), in the public collab's order of
 * checks: the folder's shape, the write rate, the manifest (present, its fields, its session), then for `full` the
 * declared log and the size cap. Nothing is copied until every check passed, and nothing holding a token is copied.
 */
export async function shareTrace(
  hub: TraceContext,
  caller: Caller,
  scratchPath: string,
  share: TraceShare,
): Promise<TracePosted> {
  if (caller.kind !== 'agent')
    throw new HubError(
      'INVALID_BODY',
      'the organizer has no scratch folder to share a trace from',
      "agents share their own sessions; the swarm's export shares an agent's as that agent",
    );
  const agent = caller.handle;
  const folder = sourceSession(scratchPath);
  rateLimitWrite(hub, caller);

  const manifestPath = `traces/${folder}/manifest.md`;
  let manifestBytes: Buffer;
  try {
    manifestBytes = await hub.workspace.readSource(agent, manifestPath, hub.config.limits.message_body_bytes);
  } catch (err) {
    if (!(err instanceof HubError) || err.code !== 'SOURCE_NOT_FOUND') throw err;
    throw new HubError(
      'INVALID_PATH',
      'trace bundle is missing manifest.md',
      `write ${manifestPath} into your scratch folder (share_trace.py writes it into traces/<session>/)`,
    );
  }
  const manifestText = decodeUtf8(manifestBytes, `"${manifestPath}"`);
  const { frontmatter: clientFm, body } = parseMarkdown(manifestText);
  validateTraceManifest(clientFm);
  const session = manifestSession(clientFm, folder);
  // The manifest is published whatever the share: checked before anything is copied.
  refuseSecrets(manifestText, manifestPath);

  const now = hub.now();
  const comp = completeness(clientFm);
  const stamped = stampManifest(clientFm, {
    agent,
    promoted_at: frontmatterTimestamp(now),
    share,
    completeness: comp,
  });
  const content = renderMarkdown(stamped, body);
  const dest = traceDir(agent, session);

  let logPaths: string[] = [];
  let bytesCopied = 0;
  if (share === 'full') {
    // Only the log the manifest names: stale files from earlier attempts in the same folder are never published.
    const logFile = nativeLogFile(clientFm);
    const logSource = `traces/${folder}/${logFile}`;
    const found = await hub.workspace.locate(hub.workspace.scratchFolder(agent), logSource);
    if (!found || !found.stat.isFile())
      throw new HubError('INVALID_PATH', 'trace bundle is missing declared native_log_file', `expected ${logSource}`);
    const cap = hub.config.limits.sync_bytes;
    const total = Buffer.byteLength(content) + found.stat.size;
    if (total > cap)
      throw new HubError(
        'SYNC_TOO_LARGE',
        `${total} bytes exceeds cap of ${cap}`,
        'share stats only, or trim the log (the cap is limits.sync_bytes)',
      );
    const copied = await hub.workspace.copyToCentral(
      agent,
      logSource,
      `${dest}${logFile}`,
      'as',
      { files: 1, bytes: cap },
      () => {
        const scanner = new SecretScanner(logSource);
        return (chunk) => scanner.push(chunk);
      },
    );
    logPaths = copied.map((c) => c.dest_path);
    bytesCopied = copied.reduce((n, c) => n + c.bytes, 0);
  }
  await hub.workspace.writeCentral(`${dest}manifest.md`, content);

  return hub.write(() => {
    // A log an earlier full share copied is still in central: it stays listed when the session is shared again.
    const earlier = hub.traces.get(agent, session);
    const logs = [...new Set([...(earlier ? (JSON.parse(earlier.log_files) as string[]) : []), ...logPaths])].sort();
    hub.traces.upsert({
      agent,
      session_id: session,
      share,
      completeness: comp,
      promoted_at: now,
      frontmatter: JSON.stringify(stamped),
      body,
      log_files: JSON.stringify(logs),
    });
    const result: TracePosted = {
      session_id: session,
      agent,
      share,
      path: dest,
      files_copied: logPaths.length,
      bytes_copied: bytesCopied,
      completeness: comp,
    };
    return {
      result,
      effect: {
        actor: agent,
        action: 'trace.shared',
        target: `${agent}/${session}`,
        detail: { share, completeness: comp, files_copied: logPaths.length, bytes_copied: bytesCopied },
      },
    };
  });
}
