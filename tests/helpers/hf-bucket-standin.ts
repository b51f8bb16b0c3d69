// A Hugging Face Hub stand-in on loopback for buckets: whoami, bucket create/info/tree/batch/resolve and the Xet CAS (xorbs, shards, reconstructions), decoded back to the exact bytes, with faults to inject; and sign-in by the OAuth device authorization grant (RFC 8628), so one HF_ENDPOINT serves both.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
// The same hash primitives @huggingface/hub uses (they come with it): the stand-in checks every hash the client sends.
import { Hasher } from '@huggingface/blake3-jit';
import { fileHash, hashToHex, hexToBytes, hmac, verificationHash, xorbHash } from '@huggingface/xetchunk-wasm';

export type OrgRole = 'admin' | 'write' | 'contributor' | 'read';

export interface StandinUser {
  name: string;
  token: string;
  orgs?: Array<{ name: string; role: OrgRole }>;
  /**
   * What the token may do: a classic `write` token (default) acts with all of the user's rights, a `read` token
   * writes nowhere, a `fineGrained` token writes only to `writeNamespaces` (and only where the user may write).
   */
  tokenRole?: 'read' | 'write' | 'fineGrained';
  writeNamespaces?: string[];
}

/** Every endpoint the stand-in answers, as named for fault injection and in the request log. */
export type BucketRequestKind =
  | HfJobsRequestKind
  | 'whoami'
  | 'bucket-create'
  | 'bucket-info'
  | 'bucket-delete'
  | 'xet-write-token'
  | 'xet-read-token'
  | 'tree'
  | 'paths-info'
  | 'batch'
  | 'resolve'
  | 'chunk'
  | 'xorb'
  | 'shard'
  | 'reconstruction'
  | 'transfer'
  | 'device-code'
  | 'oauth-authorize'
  | 'openid-configuration'
  | 'spaces'
  | 'device-token';

export interface BucketStandinRequest {
  /** `hub`: huggingface.co's API; `cas`: the Xet CAS and its transfer URLs (another host, as cas-server.xethub.hf.co). */
  server: 'hub' | 'cas';
  kind: BucketRequestKind | 'unknown';
  method: string;
  /** Path and query, with signatures of transfer URLs blanked. */
  path: string;
  /** Whether an Authorization header came with it (never its value). */
  authorization: boolean;
  status: number;
  /** Answered by an injected fault. */
  injected: boolean;
}

export interface BucketFault {
  kind: BucketRequestKind;
  status: number;
  /** How many of the next requests of this kind fail (default 1). */
  times?: number;
  /** Seconds, sent as Retry-After (429 and 503 answers). */
  retryAfter?: number;
}

export interface BucketStandinStats {
  xorbsStored: number;
  /** Bytes of xorbs received (compressed, as sent). */
  xorbBytesReceived: number;
  shardsReceived: number;
  chunksStored: number;
  /** Chunks received by compression scheme: what the client chose for each. */
  compression: { none: number; lz4: number; byteGroupingLz4: number };
  /** Chunk dedup queries answered with a shard (the client then skips uploading those chunks). */
  dedupHits: number;
}

export interface HfBucketStandin extends HfJobsControls {
  /** The endpoint to use as hubUrl / HF_ENDPOINT. */
  url: string;
  /** The CAS origin handed out in xet tokens. */
  casUrl: string;
  requests: BucketStandinRequest[];
  /** The files of a bucket (`ns/name`) as the stand-in would serve them, rebuilt from the xorbs the client sent. */
  files(bucketId: string): Map<string, Buffer>;
  /** Whether a bucket exists, and its visibility. */
  bucket(bucketId: string): { private: boolean } | null;
  /** A Space the Hub lists under GET /api/spaces (a collab's dashboard carries the tag `agent-collab`). */
  addSpace(space: { id: string; tags: string[]; likes?: number; title?: string; private?: boolean }): void;
  /** A bucket made outside the client (as a collab server does at registration). */
  addBucket(bucketId: string, options?: { private?: boolean }): void;
  /**
   * Writes a file from outside the client (a collab server's own writes): stored as a real xorb and shard entry,
   * so every route (tree, resolve, reconstruction) serves it as if it had been uploaded.
   */
  putFile(bucketId: string, path: string, content: string | Uint8Array): void;
  /** Hash-copies a file between buckets, as a batch `copyFile` does: same xet hash, no bytes moved. */
  copyFile(srcBucketId: string, srcPath: string, destBucketId: string, destPath: string): void;
  /** Gives a user a role in an org from now on (whoami lists it; writes follow it). */
  addOrgMember(userName: string, org: string, role?: OrgRole): void;
  /** Fail the next `times` requests of a kind. */
  inject(fault: BucketFault): void;
  /** Delay every answer (or those of one kind) by `ms`; 0 removes it. */
  setLatency(ms: number, kind?: BucketRequestKind): void;
  /** The client id the device endpoints accept (huggingface_hub's public one, unless given). */
  deviceClientId: string;
  /**
   * The user code of the next device sign-in started and not yet handed out by this call: resolves at once when one
   * is waiting, else when the next POST /oauth/device comes (as a person would read it off the screen).
   */
  nextDeviceCode(): Promise<string>;
  /**
   * Approves a device sign-in as the person named would in the browser: the token endpoint's next poll answers that
   * user's token (the first of theirs not revoked). Returns that token.
   */
  approveDevice(userCode: string, userName: string): string;
  /** Declines it: the next poll answers access_denied. */
  denyDevice(userCode: string): void;
  /** Lets it expire now: the next poll answers expired_token. */
  expireDevice(userCode: string): void;
  /** The next poll of this code answers slow_down (as the Hub does to a client polling faster than `interval`). */
  slowDownDevice(userCode: string): void;
  /** A device sign-in's state: pending until approved, denied or expired; redeemed once its token was handed out. */
  deviceState(userCode: string): DeviceGrantState | null;
  // --- signing in in the browser (OAuth code + PKCE, RFC 7636) and refresh tokens (RFC 6749 §6) ---
  /**
   * What the person does on the next authorize page: approve as this user (the page redirects to the loopback
   * callback with ?code&state) or deny (?error=access_denied&state). Until one is set, the page waits (200, HTML).
   */
  approveAuthorization(userName: string, options?: { withhold?: string[] }): void;
  denyAuthorization(): void;
  /** Resolves with the query of the next valid GET /oauth/authorize (as a test reads the consent page). */
  nextAuthorization(): Promise<URLSearchParams>;
  /** Access tokens minted from now on (code and refresh grants) expire after this many seconds (whoami-v2: 401). */
  setAccessTokenTtl(seconds: number): void;
  /** The refresh tokens that still work for a user (each rotation replaces one). */
  liveRefreshTokens(userName: string): string[];
  /** A refresh token stops working (the person revoked the app's access). */
  revokeRefreshToken(token: string): void;
  /** The token stops working on the Hub API. Xet tokens already handed out stay valid until they expire, as JWTs do, unless `casTokens`. */
  revokeToken(token: string, options?: { casTokens?: boolean }): void;
  stats(): BucketStandinStats;
  /** Forget recorded requests. */
  reset(): void;
  close(): Promise<void>;
}

export type DeviceGrantState = 'pending' | 'approved' | 'denied' | 'expired' | 'redeemed';

/** One device authorization (RFC 8628 §3.2): what the person does in the browser, the test does through the controls. */
interface DeviceGrant {
  deviceCode: string;
  userCode: string;
  state: DeviceGrantState;
  /** When the code stops working (ms since the epoch). */
  expiresAt: number;
  slowDownNext: boolean;
  /** The user's token the approval hands out. */
  token: string | null;
}

/** huggingface_hub's public device-code client (DEVICE_CODE_OAUTH_CLIENT_ID). */
const HF_DEVICE_CLIENT_ID = '26be6b09-91c5-47da-9861-d2d2bb7a7e36';
const DEVICE_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:device_code';

interface BucketFile {
  xetHash: string;
  size: number;
  mtime: number;
  uploadedAt: number;
  contentType?: string;
}

interface Bucket {
  id: string;
  private: boolean;
  createdAt: number;
  files: Map<string, BucketFile>;
}

interface StoredChunk {
  hash: string;
  hashBytes: Uint8Array;
  length: number;
  /** Where the chunk's header starts in the xorb as sent. */
  offset: number;
  data: Buffer;
}

interface StoredXorb {
  raw: Buffer;
  chunks: StoredChunk[];
  /** End of the last chunk in `raw` (a footer, if one came, is not served). */
  end: number;
}

interface Term {
  xorb: string;
  start: number;
  end: number;
  length: number;
}

interface CasToken {
  userToken: string;
  bucketId: string;
  mode: 'read' | 'write';
  exp: number;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

// Xet constants from the public protocol (https://huggingface.co/docs/xet): the chunk hash key and the shard magic.
const BLAKE3_DATA_KEY = new Uint8Array([
  102, 151, 245, 119, 91, 149, 80, 222, 49, 53, 203, 172, 165, 151, 24, 28, 157, 228, 33, 16, 155, 235, 43, 88, 180,
  208, 176, 75, 147, 173, 242, 41,
]);
const SHARD_MAGIC = Buffer.concat([
  Buffer.from('HFRepoMetaData\0', 'latin1'),
  Buffer.from([85, 105, 103, 69, 106, 123, 129, 87, 131, 165, 189, 217, 92, 205, 209, 74, 169]),
]);
const SHARD_HEADER_SIZE = 48;
const SHARD_FOOTER_SIZE = 200;
const FILE_FLAG_WITH_VERIFICATION = 0x80000000;
const FILE_FLAG_WITH_METADATA_EXT = 0x40000000;
const CHUNK_HEADER_SIZE = 8;
const HASH_RE = /^[0-9a-f]{64}$/;

const chunkHasher = Hasher.newKeyed(BLAKE3_DATA_KEY);

/** Decodes an LZ4 frame (what lz4js and lz4_flex write for xet chunks): header, blocks, end mark. */
export function lz4DecompressFrame(src: Uint8Array, expectedSize: number): Buffer {
  const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
  if (src.length < 7 || view.getUint32(0, true) !== 0x184d2204) throw new Error('LZ4 frame: bad magic number');
  const flags = src[4]!;
  if (flags >> 6 !== 1) throw new Error('LZ4 frame: unsupported version');
  let i = 6 + (flags & 0x08 ? 8 : 0) + (flags & 0x01 ? 4 : 0) + 1; // FLG, BD, content size, dictionary id, header checksum
  const out = Buffer.alloc(expectedSize);
  let o = 0;
  for (;;) {
    if (i + 4 > src.length) throw new Error('LZ4 frame: truncated');
    const word = view.getUint32(i, true);
    i += 4;
    if (word === 0) break;
    const size = word & 0x7fffffff;
    if (i + size > src.length) throw new Error('LZ4 frame: truncated block');
    if (word & 0x80000000) {
      if (o + size > out.length) throw new Error('LZ4 frame: larger than announced');
      out.set(src.subarray(i, i + size), o);
      o += size;
    } else {
      o = lz4DecompressBlock(src, i, i + size, out, o);
    }
    i += size + (flags & 0x10 ? 4 : 0); // block checksum
  }
  if (o !== expectedSize) throw new Error(`LZ4 frame: ${o} bytes, header says ${expectedSize}`);
  return out;
}

/** LZ4 block format: sequences of literals then a match (offset, length); the last sequence has literals only. */
function lz4DecompressBlock(src: Uint8Array, start: number, end: number, dst: Uint8Array, at: number): number {
  let s = start;
  let d = at;
  const readLength = (base: number) => {
    let n = base;
    if (base === 15) {
      let b: number;
      do {
        if (s >= end) throw new Error('LZ4 block: truncated length');
        b = src[s++]!;
        n += b;
      } while (b === 255);
    }
    return n;
  };
  while (s < end) {
    const token = src[s++]!;
    const literals = readLength(token >> 4);
    if (s + literals > end || d + literals > dst.length) throw new Error('LZ4 block: literals out of bounds');
    dst.set(src.subarray(s, s + literals), d);
    s += literals;
    d += literals;
    if (s >= end) break;
    if (s + 2 > end) throw new Error('LZ4 block: truncated offset');
    const offset = src[s]! | (src[s + 1]! << 8);
    s += 2;
    if (offset === 0 || offset > d) throw new Error('LZ4 block: bad offset');
    const matchLength = readLength(token & 15) + 4;
    if (d + matchLength > dst.length) throw new Error('LZ4 block: match out of bounds');
    // Byte by byte: a match may overlap the bytes it produces (offset < length repeats a pattern).
    for (let k = 0; k < matchLength; k++) dst[d + k] = dst[d - offset + k]!;
    d += matchLength;
  }
  return d;
}

/** Undoes xet's byte grouping: byte j of every 4-byte word was stored in group j. */
function bg4Regroup(bytes: Buffer): Buffer {
  const n = bytes.length;
  const split = Math.floor(n / 4);
  const rem = n % 4;
  const g1 = split + (rem >= 1 ? 1 : 0);
  const g2 = g1 + split + (rem >= 2 ? 1 : 0);
  const g3 = g2 + split + (rem === 3 ? 1 : 0);
  const starts = [0, g1, g2, g3];
  const out = Buffer.alloc(n);
  for (let lane = 0; lane < 4; lane++) {
    for (let i = lane, j = starts[lane]!; i < n; i += 4, j++) out[i] = bytes[j]!;
  }
  return out;
}

/** Hashes are 32 bytes; their hex form prints each of the four little-endian u64 words big-endian. */
const readHash = (buf: Buffer, offset: number) => hashToHex(buf.subarray(offset, offset + 32));
const isBookend = (buf: Buffer, offset: number) => buf.subarray(offset, offset + 32).every((b) => b === 0xff);

export function parseXorb(raw: Buffer): { chunks: StoredChunk[]; end: number; schemes: number[] } {
  const chunks: StoredChunk[] = [];
  const schemes: number[] = [];
  let off = 0;
  while (off < raw.length) {
    // A full client may append the xorb footer (CasObjectInfo, "XETBLOB"): the chunks end there.
    if (raw.subarray(off, off + 7).toString('latin1') === 'XETBLOB') break;
    if (raw.length - off < CHUNK_HEADER_SIZE) throw new Error(`xorb: truncated chunk header at ${off}`);
    if (raw[off] !== 0) throw new Error(`xorb: chunk version ${raw[off]} at ${off}`);
    const compressed = raw.readUIntLE(off + 1, 3);
    const scheme = raw[off + 4]!;
    const length = raw.readUIntLE(off + 5, 3);
    const body = raw.subarray(off + CHUNK_HEADER_SIZE, off + CHUNK_HEADER_SIZE + compressed);
    if (body.length !== compressed) throw new Error(`xorb: truncated chunk at ${off}`);
    let data: Buffer;
    if (scheme === 0) data = Buffer.from(body);
    else if (scheme === 1) data = lz4DecompressFrame(body, length);
    else if (scheme === 2) data = bg4Regroup(lz4DecompressFrame(body, length));
    else throw new Error(`xorb: unknown compression scheme ${scheme}`);
    if (data.length !== length) throw new Error(`xorb: chunk at ${off} is ${data.length} bytes, header says ${length}`);
    const hashBytes = chunkHasher.reset().update(data).finalize(32);
    chunks.push({ hash: hashToHex(hashBytes), hashBytes, length, offset: off, data });
    schemes.push(scheme);
    off += CHUNK_HEADER_SIZE + compressed;
  }
  return { chunks, end: off, schemes };
}

interface ParsedShard {
  files: Array<{ hash: string; terms: Term[]; rangeHashes: string[] | null; sha256: string | null }>;
  xorbs: Array<{ hash: string; chunks: Array<{ hash: string; offset: number; length: number }> }>;
}

/** The shard format the client writes (uploadShards.ts): header, file info section, xorb info section, footer. */
export function parseShard(shard: Buffer): ParsedShard {
  if (shard.length < SHARD_HEADER_SIZE + SHARD_FOOTER_SIZE) throw new Error('shard: too short');
  if (!shard.subarray(0, 32).equals(SHARD_MAGIC)) throw new Error('shard: bad magic tag');
  if (shard.readBigUInt64LE(32) !== 2n) throw new Error('shard: header version is not 2');
  const footerSize = Number(shard.readBigUInt64LE(40));
  const footer = shard.length - footerSize;
  if (footer < SHARD_HEADER_SIZE || shard.readBigUInt64LE(footer) !== 1n) throw new Error('shard: bad footer');
  const fileInfo = Number(shard.readBigUInt64LE(footer + 8));
  const xorbInfo = Number(shard.readBigUInt64LE(footer + 16));
  const need = (off: number, n: number) => {
    if (off + n > footer) throw new Error('shard: section overruns the footer');
  };

  const files: ParsedShard['files'] = [];
  let off = fileInfo;
  for (;;) {
    need(off, 48);
    if (isBookend(shard, off)) break;
    const hash = readHash(shard, off);
    const flags = shard.readUInt32LE(off + 32);
    const count = shard.readUInt32LE(off + 36);
    off += 48;
    const terms: Term[] = [];
    need(off, count * 48);
    for (let i = 0; i < count; i++, off += 48) {
      terms.push({
        xorb: readHash(shard, off),
        length: shard.readUInt32LE(off + 36),
        start: shard.readUInt32LE(off + 40),
        end: shard.readUInt32LE(off + 44),
      });
    }
    let rangeHashes: string[] | null = null;
    if (flags & FILE_FLAG_WITH_VERIFICATION) {
      need(off, count * 48);
      rangeHashes = [];
      for (let i = 0; i < count; i++, off += 48) rangeHashes.push(readHash(shard, off));
    }
    let sha256: string | null = null;
    if (flags & FILE_FLAG_WITH_METADATA_EXT) {
      need(off, 48);
      sha256 = readHash(shard, off);
      off += 48;
    }
    files.push({ hash, terms, rangeHashes, sha256 });
  }

  const xorbs: ParsedShard['xorbs'] = [];
  off = xorbInfo;
  for (;;) {
    need(off, 48);
    if (isBookend(shard, off)) break;
    const hash = readHash(shard, off);
    const count = shard.readUInt32LE(off + 36);
    off += 48;
    need(off, count * 48);
    const chunks = [];
    for (let i = 0; i < count; i++, off += 48) {
      chunks.push({
        hash: readHash(shard, off),
        offset: shard.readUInt32LE(off + 32),
        length: shard.readUInt32LE(off + 36),
      });
    }
    xorbs.push({ hash, chunks });
  }
  return { files, xorbs };
}

/** A shard answering a chunk dedup query: the xorb holding the chunk, its chunk hashes keyed with a fresh HMAC key. */
function dedupShard(xorbHashHex: string, xorb: StoredXorb): Buffer {
  const key = randomBytes(32);
  const xorbEntry = 48 + xorb.chunks.length * 48;
  const size = SHARD_HEADER_SIZE + 48 + xorbEntry + 48 + SHARD_FOOTER_SIZE;
  const out = Buffer.alloc(size);
  SHARD_MAGIC.copy(out, 0);
  out.writeBigUInt64LE(2n, 32);
  out.writeBigUInt64LE(BigInt(SHARD_FOOTER_SIZE), 40);
  let off = SHARD_HEADER_SIZE;
  out.fill(0xff, off, off + 32); // empty file info section: its bookend only
  off += 48;
  const xorbInfo = off;
  out.set(hexToBytes(xorbHashHex), off);
  out.writeUInt32LE(xorb.chunks.length, off + 36);
  out.writeUInt32LE(
    xorb.chunks.reduce((n, c) => n + c.length, 0),
    off + 40,
  );
  out.writeUInt32LE(xorb.end, off + 44);
  off += 48;
  let unpacked = 0;
  for (const c of xorb.chunks) {
    out.set(hmac(c.hashBytes, key), off);
    out.writeUInt32LE(unpacked, off + 32);
    out.writeUInt32LE(c.length, off + 36);
    unpacked += c.length;
    off += 48;
  }
  out.fill(0xff, off, off + 32);
  off += 48;
  const footer = off;
  out.writeBigUInt64LE(1n, footer);
  out.writeBigUInt64LE(BigInt(SHARD_HEADER_SIZE), footer + 8);
  out.writeBigUInt64LE(BigInt(xorbInfo), footer + 16);
  // No lookup tables: the file lookup offset points at the footer, where the sections end.
  out.writeBigUInt64LE(BigInt(footer), footer + 24);
  key.copy(out, footer + 72);
  const now = Math.floor(Date.now() / 1000);
  out.writeBigUInt64LE(BigInt(now), footer + 104);
  out.writeBigUInt64LE(BigInt(now + 3600), footer + 112);
  out.writeBigUInt64LE(BigInt(footer), footer + 192);
  return out;
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
};

const readBody = (req: IncomingMessage) =>
  new Promise<Buffer>((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (b: Buffer) => parts.push(b));
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });

const listen = (server: Server) =>
  new Promise<string>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
  );

const iso = (ms: number) => new Date(ms).toISOString();

/** A path the Hub accepts in a bucket: relative, no empty, `.` or `..` segment. */
const validPath = (p: unknown): p is string =>
  typeof p === 'string' && p.length > 0 && p.length <= 1024 && p.split('/').every((s) => s && s !== '.' && s !== '..');

export async function startHfBucketStandin(options: {
  users: StandinUser[];
  /** Entries per page of a tree listing (the Hub's is 1000): small values exercise `Link` pagination. */
  treePageSize?: number;
  /** Lifetime of xet tokens (seconds; the Hub's are about an hour). */
  casTokenTtl?: number;
  /** Answer chunk dedup queries with a shard when the chunk is known, as the CAS does (default true); else always 404. */
  globalDedup?: boolean;
  /** The device sign-in: the client id accepted, the poll interval and the code's lifetime (seconds; 5 and 300). */
  deviceClientId?: string;
  deviceInterval?: number;
  deviceExpiresIn?: number;
  /** HF Jobs (the section at the end of this file): the harness jobs run, the flavors and prices. */
  jobs?: HfJobsOptions;
  /** OAuth code + PKCE: seconds an access token it mints lives (default 3600), an authorization code (default 60). */
  oauthAccessTtl?: number;
  oauthCodeTtl?: number;
}): Promise<HfBucketStandin> {
  const secret = randomBytes(32);
  const users = new Map(options.users.map((u) => [u.token, u]));
  const revoked = new Set<string>();
  const buckets = new Map<string, Bucket>();
  const spaces: Array<{
    id: string;
    tags: string[];
    likes: number;
    lastModified: number;
    title?: string;
    /** Listed only to its owner and the owner org's members (the caller's token). */
    private?: boolean;
  }> = [];
  const xorbs = new Map<string, StoredXorb>();
  const cas = new Map<string, { terms: Term[]; size: number }>();
  const chunkToXorb = new Map<string, string>();
  const casTokens = new Map<string, CasToken>();
  const faults: Array<BucketFault & { left: number }> = [];
  const latency = new Map<BucketRequestKind | '*', number>();
  const requests: BucketStandinRequest[] = [];
  const stats: BucketStandinStats = {
    xorbsStored: 0,
    xorbBytesReceived: 0,
    shardsReceived: 0,
    chunksStored: 0,
    compression: { none: 0, lz4: 0, byteGroupingLz4: 0 },
    dedupHits: 0,
  };
  const pageSize = options.treePageSize ?? 1000;
  const ttl = options.casTokenTtl ?? 3600;
  const globalDedup = options.globalDedup ?? true;
  const deviceClientId = options.deviceClientId ?? HF_DEVICE_CLIENT_ID;
  const grants = new Map<string, DeviceGrant>();
  const unclaimedCodes: string[] = [];
  const codeWaiters: Array<(userCode: string) => void> = [];
  let hubUrl = '';
  let casUrl = '';

  // --- who may do what ---------------------------------------------------------------------------------------------
  const bearer = (req: IncomingMessage) => /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
  /** The caller: a user, nobody (no header), or 401 for a token the Hub does not know. */
  const caller = (req: IncomingMessage): StandinUser | null => {
    const token = bearer(req);
    if (token === undefined) return null;
    const user = users.get(token);
    if (!user || revoked.has(token)) throw new HttpError(401, 'Invalid credentials in Authorization header');
    if (oauthExpired(token)) throw new HttpError(401, 'Access token expired');
    return user;
  };
  const memberRole = (user: StandinUser, ns: string) => user.orgs?.find((o) => o.name === ns)?.role;
  const canRead = (user: StandinUser | null, bucket: Bucket) =>
    !bucket.private ||
    (!!user && (user.name === bucket.id.split('/')[0] || !!memberRole(user, bucket.id.split('/')[0]!)));
  const canWrite = (user: StandinUser, ns: string) => {
    const role = user.tokenRole ?? 'write';
    if (role === 'read') return false;
    if (role === 'fineGrained' && !(user.writeNamespaces ?? []).includes(ns)) return false;
    const orgRole = memberRole(user, ns);
    return ns === user.name || orgRole === 'admin' || orgRole === 'write';
  };
  /** A bucket the caller may see (private ones are 404 to others, as the Hub hides them), optionally write to. */
  const bucketFor = (
    req: IncomingMessage,
    id: string,
    write: boolean,
  ): { bucket: Bucket; user: StandinUser | null } => {
    const user = caller(req);
    const bucket = buckets.get(id);
    if (!bucket || !canRead(user, bucket)) throw new HttpError(404, 'Bucket not found', 'RepoNotFound');
    if (write) {
      if (!user) throw new HttpError(401, 'You must be authenticated to write to a bucket');
      if (!canWrite(user, id.split('/')[0]!)) throw new HttpError(403, `You don't have write access to bucket ${id}`);
    }
    return { bucket, user };
  };
  const casAuth = (req: IncomingMessage, write: boolean): CasToken => {
    const token = bearer(req);
    const entry = token === undefined ? undefined : casTokens.get(token);
    if (!entry || entry.exp * 1000 < Date.now()) throw new HttpError(401, 'invalid or expired xet token');
    if (write && entry.mode !== 'write') throw new HttpError(403, 'read-only xet token');
    return entry;
  };
  const issueCasToken = (userToken: string | undefined, bucketId: string, mode: 'read' | 'write') => {
    const accessToken = `xet_${randomBytes(18).toString('base64url')}`;
    const exp = Math.floor(Date.now() / 1000) + ttl;
    casTokens.set(accessToken, { userToken: userToken ?? '', bucketId, mode, exp });
    return { accessToken, casUrl, exp };
  };

  // --- content ---------------------------------------------------------------------------------------------------
  const reconstruct = (hash: string): Buffer => {
    const file = cas.get(hash);
    if (!file) throw new Error(`stand-in has no file ${hash}`);
    const parts: Buffer[] = [];
    for (const t of file.terms) for (const c of xorbs.get(t.xorb)!.chunks.slice(t.start, t.end)) parts.push(c.data);
    return Buffer.concat(parts);
  };

  /** Checks a file entry of a shard as the CAS does: known xorbs, valid chunk ranges, range hashes, file hash. */
  const verifyFile = (f: ParsedShard['files'][number]) => {
    const all: Array<{ hash: Uint8Array; length: number }> = [];
    f.terms.forEach((t, i) => {
      const x = xorbs.get(t.xorb);
      if (!x) throw new HttpError(400, `shard references unknown xorb ${t.xorb}`);
      if (t.start >= t.end || t.end > x.chunks.length) throw new HttpError(400, `bad chunk range in xorb ${t.xorb}`);
      const chunks = x.chunks.slice(t.start, t.end);
      if (chunks.reduce((n, c) => n + c.length, 0) !== t.length)
        throw new HttpError(400, `unpacked length mismatch in xorb ${t.xorb}`);
      const expected = f.rangeHashes?.[i];
      if (expected !== undefined && hashToHex(verificationHash(chunks.map((c) => c.hashBytes))) !== expected)
        throw new HttpError(400, `range verification hash mismatch for file ${f.hash}`);
      for (const c of chunks) all.push({ hash: c.hashBytes, length: c.length });
    });
    if (hashToHex(fileHash(all)) !== f.hash)
      throw new HttpError(400, `file reconstruction does not produce hash ${f.hash}`);
    return all.reduce((n, c) => n + c.length, 0);
  };

  const treeEntries = (bucket: Bucket, prefix: string, recursive: boolean) => {
    const paths = [...bucket.files.keys()].sort();
    const fileEntry = (path: string) => {
      const f = bucket.files.get(path)!;
      return {
        type: 'file',
        path,
        size: f.size,
        xetHash: f.xetHash,
        mtime: iso(f.mtime),
        uploadedAt: iso(f.uploadedAt),
      };
    };
    // Recursive listings match the prefix as a string (the Hub may answer "submarine.txt" for "sub") and list files only.
    if (recursive) return paths.filter((p) => p.startsWith(prefix)).map(fileEntry);
    const dir = prefix && !prefix.endsWith('/') ? `${prefix}/` : prefix;
    const out: Array<Record<string, unknown>> = [];
    const seenDirs = new Set<string>();
    for (const p of paths) {
      if (!p.startsWith(dir)) continue;
      const rest = p.slice(dir.length);
      const slash = rest.indexOf('/');
      if (slash === -1) out.push(fileEntry(p));
      else {
        const d = dir + rest.slice(0, slash);
        if (seenDirs.has(d)) continue;
        seenDirs.add(d);
        const newest = Math.max(
          ...paths.filter((q) => q.startsWith(`${d}/`)).map((q) => bucket.files.get(q)!.uploadedAt),
        );
        out.push({ type: 'directory', path: d, uploadedAt: iso(newest) });
      }
    }
    return out;
  };

  const sign = (hash: string, range: string, exp: number) =>
    createHmac('sha256', secret).update(`${hash}\n${range}\n${exp}`).digest('base64url');

  /** The v2 reconstruction of bytes [first, last] of a file: terms narrowed to the chunks needed, signed fetch URLs. */
  const reconstruction = (hash: string, first: number, last: number) => {
    const file = cas.get(hash)!;
    const terms: Array<{ hash: string; unpacked_length: number; range: { start: number; end: number } }> = [];
    let offsetIntoFirstRange = 0;
    let pos = 0;
    for (const t of file.terms) {
      const chunks = xorbs.get(t.xorb)!.chunks;
      const termStart = pos;
      pos += t.length;
      if (pos <= first || termStart > last) continue;
      let start = t.start;
      let at = termStart;
      while (start < t.end && at + chunks[start]!.length <= first) at += chunks[start++]!.length;
      if (terms.length === 0) offsetIntoFirstRange = first - at;
      let end = start;
      let length = 0;
      while (end < t.end && at + length <= last) length += chunks[end++]!.length;
      terms.push({ hash: t.xorb, unpacked_length: length, range: { start, end } });
    }
    // One fetch entry per disjoint chunk interval of each xorb, each a single signed byte range.
    const exp = Math.floor(Date.now() / 1000) + ttl;
    const byXorb: Record<string, Array<{ url: string; ranges: unknown[] }>> = {};
    for (const xorbHashHex of new Set(terms.map((t) => t.hash))) {
      const x = xorbs.get(xorbHashHex)!;
      const intervals = terms
        .filter((t) => t.hash === xorbHashHex)
        .map((t) => ({ ...t.range }))
        .sort((a, b) => a.start - b.start);
      const merged: Array<{ start: number; end: number }> = [];
      for (const r of intervals) {
        const lastMerged = merged[merged.length - 1];
        if (lastMerged && r.start <= lastMerged.end) lastMerged.end = Math.max(lastMerged.end, r.end);
        else merged.push(r);
      }
      byXorb[xorbHashHex] = merged.map((r) => {
        const bytes = { start: x.chunks[r.start]!.offset, end: (x.chunks[r.end]?.offset ?? x.end) - 1 };
        const signed = `bytes=${bytes.start}-${bytes.end}`;
        const query = new URLSearchParams({ 'X-Xet-Signed-Range': signed, Expires: String(exp) });
        query.set('Signature', sign(xorbHashHex, signed, exp));
        return { url: `${casUrl}/transfer/xorbs/default/${xorbHashHex}?${query}`, ranges: [{ chunks: r, bytes }] };
      });
    }
    return { offset_into_first_range: offsetIntoFirstRange, terms, xorbs: byXorb };
  };

  const parseRange = (header: string | undefined, size: number): [number, number] | null => {
    if (!header) return [0, size - 1];
    const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
    if (!m) return null;
    if (m[1] === '') {
      const n = Number(m[2]);
      return n > 0 ? [Math.max(0, size - n), size - 1] : null;
    }
    const a = Number(m[1]);
    const b = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
    return a <= b && a < size ? [a, b] : null;
  };

  /**
   * Stores bytes as the CAS would after an upload: uncompressed chunks of at most 64 KiB in one xorb, and the file
   * entry that reconstructs them. Returns the file's xet hash.
   */
  const storeBytes = (data: Buffer): string => {
    const parts: Buffer[] = [];
    for (let at = 0; at < data.length; at += 64 * 1024) {
      const piece = data.subarray(at, at + 64 * 1024);
      const header = Buffer.alloc(CHUNK_HEADER_SIZE);
      header.writeUIntLE(piece.length, 1, 3);
      header.writeUIntLE(piece.length, 5, 3);
      parts.push(header, piece);
    }
    const raw = Buffer.concat(parts);
    const { chunks, end } = parseXorb(raw);
    const refs = chunks.map((c) => ({ hash: c.hashBytes, length: c.length }));
    const hash = hashToHex(fileHash(refs));
    if (chunks.length === 0) {
      cas.set(hash, { terms: [], size: 0 });
      return hash;
    }
    const xorb = hashToHex(xorbHash(refs));
    if (!xorbs.has(xorb)) {
      xorbs.set(xorb, { raw, chunks, end });
      for (const c of chunks) if (!chunkToXorb.has(c.hash)) chunkToXorb.set(c.hash, xorb);
    }
    cas.set(hash, { terms: [{ xorb, start: 0, end: chunks.length, length: data.length }], size: data.length });
    return hash;
  };

  // --- routes ------------------------------------------------------------------------------------------------------
  type Route = { kind: BucketRequestKind; handle: (body: Buffer) => void };

  /**
   * GET /api/spaces as the Hub answers it: `filter` (a tag; repeated filters must all match), `author`, `search`
   * (in the name), `limit` with a `Link: <...>; rel="next"` header for the next page, each Space as
   * `{_id, id, likes, private, sdk, lastModified, tags?}` (tags only when `expand=tags` asks).
   */
  const listSpaces = (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const user = caller(req);
    const visible = (id: string) => !!user && (user.name === id.split('/')[0] || !!memberRole(user, id.split('/')[0]!));
    const filters = url.searchParams.getAll('filter');
    const author = url.searchParams.get('author');
    const search = url.searchParams.get('search');
    const limit = Math.max(1, Math.min(1000, Number(url.searchParams.get('limit') ?? '100') || 100));
    const offset = Number(url.searchParams.get('cursor') ?? '0') || 0;
    const expand = new Set(url.searchParams.getAll('expand'));
    const matched = spaces.filter(
      (sp) =>
        (!sp.private || visible(sp.id)) &&
        filters.every((f) => sp.tags.includes(f)) &&
        (!author || sp.id.split('/')[0] === author) &&
        (!search || sp.id.split('/')[1]!.includes(search)),
    );
    const page = matched.slice(offset, offset + Math.min(limit, pageSize));
    const next = offset + page.length < matched.length ? offset + page.length : null;
    if (next !== null) {
      const nextUrl = new URL(url.href);
      nextUrl.searchParams.set('cursor', String(next));
      res.setHeader('Link', `<${hubUrl}${nextUrl.pathname}${nextUrl.search}>; rel="next"`);
    }
    json(
      res,
      200,
      page.map((sp) => ({
        _id: createHash('sha256').update(sp.id).digest('hex').slice(0, 24),
        id: sp.id,
        likes: sp.likes,
        private: !!sp.private,
        sdk: 'docker',
        lastModified: iso(sp.lastModified),
        ...(expand.has('tags') ? { tags: sp.tags } : {}),
        // The Space README's frontmatter, as the Hub answers `expand=cardData`.
        ...(expand.has('cardData') ? { cardData: { ...(sp.title ? { title: sp.title } : {}), tags: sp.tags } } : {}),
      })),
    );
  };

  const hubRoute = (req: IncomingMessage, res: ServerResponse, url: URL): Route | null => {
    const method = req.method ?? 'GET';
    const path = url.pathname;
    const jobsRoute = hfJobs.route(req, res, url);
    if (jobsRoute) return jobsRoute;
    if (path === '/api/whoami-v2' && method === 'GET') return { kind: 'whoami', handle: () => whoami(req, res) };
    if (path === '/api/spaces' && method === 'GET') return { kind: 'spaces', handle: () => listSpaces(req, res, url) };
    if (path === '/oauth/device' && method === 'POST')
      return { kind: 'device-code', handle: (body) => deviceCode(req, res, body) };
    if (path === '/oauth/token' && method === 'POST')
      return { kind: 'device-token', handle: (body) => oauthToken(req, res, body) };
    if (path === '/oauth/authorize' && method === 'GET')
      return { kind: 'oauth-authorize', handle: () => authorize(res, url) };
    if (path === '/.well-known/openid-configuration' && method === 'GET')
      return { kind: 'openid-configuration', handle: () => openidConfiguration(res) };
    const api = /^\/api\/buckets\/([^/]+)\/([^/]+)(?:\/(.*))?$/.exec(path);
    if (api) {
      const ns = decodeURIComponent(api[1]!);
      const name = decodeURIComponent(api[2]!);
      const rest = api[3];
      const id = `${ns}/${name}`;
      if (rest === undefined && method === 'POST')
        return { kind: 'bucket-create', handle: (body) => createBucket(req, res, ns, name, body) };
      if (rest === undefined && method === 'GET')
        return { kind: 'bucket-info', handle: () => bucketInfo(req, res, id) };
      if (rest === undefined && method === 'DELETE')
        return { kind: 'bucket-delete', handle: () => deleteBucket(req, res, id) };
      if ((rest === 'xet-write-token' || rest === 'xet-read-token') && method === 'GET') {
        const mode = rest === 'xet-write-token' ? 'write' : 'read';
        return {
          kind: rest,
          handle: () => {
            bucketFor(req, id, mode === 'write');
            json(res, 200, issueCasToken(bearer(req), id, mode));
          },
        };
      }
      if (rest === 'batch' && method === 'POST') return { kind: 'batch', handle: (body) => batch(req, res, id, body) };
      if (rest === 'paths-info' && method === 'POST')
        return { kind: 'paths-info', handle: (body) => pathsInfo(req, res, id, body) };
      if ((rest === 'tree' || rest?.startsWith('tree/')) && method === 'GET') {
        const prefix = rest === 'tree' ? '' : decodeURIComponent(rest.slice('tree/'.length));
        return { kind: 'tree', handle: () => tree(req, res, id, prefix, url) };
      }
    }
    const resolve = /^\/buckets\/([^/]+)\/([^/]+)\/resolve\/(.+)$/.exec(path);
    if (resolve && (method === 'GET' || method === 'HEAD')) {
      const id = `${decodeURIComponent(resolve[1]!)}/${decodeURIComponent(resolve[2]!)}`;
      // The JS client sends the path as is, Python's quote(path, safe='') encodes its slashes: both decode the same.
      const file = resolve[3]!.split('/').map(decodeURIComponent).join('/');
      return { kind: 'resolve', handle: () => serveResolve(req, res, id, file) };
    }
    return null;
  };

  const whoami = (req: IncomingMessage, res: ServerResponse) => {
    const user = caller(req);
    if (!user) throw new HttpError(401, 'Invalid username or password.');
    const role = user.tokenRole ?? 'write';
    const entity = (name: string, type: 'user' | 'org') => ({
      _id: createHmac('sha256', 'id').update(name).digest('hex').slice(0, 24),
      type,
      name,
    });
    const orgs = (user.orgs ?? []).map((o) => ({
      type: 'org',
      id: entity(o.name, 'org')._id,
      name: o.name,
      fullname: o.name,
      email: null,
      canPay: false,
      avatarUrl: `https://cdn-avatars.huggingface.co/${o.name}.png`,
      periodEnd: null,
      roleInOrg: o.role,
      isEnterprise: false,
    }));
    json(res, 200, {
      type: 'user',
      id: entity(user.name, 'user')._id,
      name: user.name,
      fullname: user.name,
      email: `${user.name}@example.com`,
      emailVerified: true,
      canPay: false,
      isPro: false,
      periodEnd: null,
      billingMode: 'prepaid',
      avatarUrl: `https://cdn-avatars.huggingface.co/${user.name}.png`,
      orgs,
      auth: {
        type: 'access_token',
        accessToken: {
          displayName: `${user.name}-token`,
          role,
          createdAt: '2026-01-01T00:00:00.000Z',
          ...(role === 'fineGrained' && {
            fineGrained: {
              canReadGatedRepos: false,
              global: [],
              scoped: (user.writeNamespaces ?? []).map((ns) => ({
                entity: entity(ns, ns === user.name ? 'user' : 'org'),
                permissions: ['repo.content.read', 'repo.write'],
              })),
            },
          }),
        },
      },
    });
  };

  // --- signing in: the OAuth device authorization grant (RFC 8628 §3.1-3.5), as the Hub answers `hf auth login` ---
  const formOf = (req: IncomingMessage, body: Buffer) =>
    (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')
      ? new URLSearchParams(body.toString('utf8'))
      : new URLSearchParams();
  const noStore = { 'Cache-Control': 'no-store' };

  const deviceCode = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    if (formOf(req, body).get('client_id') !== deviceClientId)
      return json(res, 401, { error: 'invalid_client' }, noStore);
    const expiresIn = options.deviceExpiresIn ?? 300;
    const grant: DeviceGrant = {
      deviceCode: randomBytes(24).toString('base64url'),
      userCode: `${randomBytes(2).toString('hex')}-${randomBytes(2).toString('hex')}`.toUpperCase(),
      state: 'pending',
      expiresAt: Date.now() + expiresIn * 1000,
      slowDownNext: false,
      token: null,
    };
    grants.set(grant.deviceCode, grant);
    json(
      res,
      200,
      {
        device_code: grant.deviceCode,
        user_code: grant.userCode,
        verification_uri: `${hubUrl}/oauth/device`,
        verification_uri_complete: `${hubUrl}/oauth/device?user_code=${grant.userCode}`,
        expires_in: expiresIn,
        interval: options.deviceInterval ?? 5,
      },
      noStore,
    );
    const waiter = codeWaiters.shift();
    if (waiter) waiter(grant.userCode);
    else unclaimedCodes.push(grant.userCode);
  };

  const deviceToken = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const form = formOf(req, body);
    if (form.get('grant_type') !== DEVICE_GRANT_TYPE)
      return json(res, 400, { error: 'unsupported_grant_type' }, noStore);
    if (form.get('client_id') !== deviceClientId) return json(res, 401, { error: 'invalid_client' }, noStore);
    const grant = grants.get(form.get('device_code') ?? '');
    if (!grant || grant.state === 'redeemed') return json(res, 400, { error: 'invalid_grant' }, noStore);
    if (grant.state === 'pending' && Date.now() >= grant.expiresAt) grant.state = 'expired';
    if (grant.slowDownNext) {
      grant.slowDownNext = false;
      return json(res, 400, { error: 'slow_down' }, noStore);
    }
    if (grant.state === 'approved') {
      grant.state = 'redeemed';
      return json(
        res,
        200,
        {
          access_token: grant.token,
          token_type: 'bearer',
          expires_in: 30 * 86400,
          // The device client's scopes are set on the OAuth app by the Hub (hf auth login's write login).
          refresh_token: mintRefresh(
            users.get(grant.token!)?.name ?? '',
            deviceClientId,
            'openid profile write-repos manage-repos',
          ),
        },
        noStore,
      );
    }
    const error =
      grant.state === 'denied'
        ? 'access_denied'
        : grant.state === 'expired'
          ? 'expired_token'
          : 'authorization_pending';
    json(res, 400, { error }, noStore);
  };

  const grantFor = (userCode: string) => {
    const grant = [...grants.values()].find((g) => g.userCode === userCode);
    if (!grant) throw new Error(`stand-in has no device code with user code ${userCode}`);
    return grant;
  };

  // --- signing in in the browser: OAuth code + PKCE (RFC 7636) on a loopback redirect, and refresh tokens --------
  interface AuthCode {
    clientId: string;
    redirectUri: string;
    challenge: string;
    userName: string;
    expiresAt: number;
    used: boolean;
    /** The scopes granted: those asked for that the Hub has (hub docs oauth.md), less any the person left out. */
    scope: string;
  }
  /** The scopes the Hub documents (docs/hub/oauth.md, "Currently supported scopes"). */
  const SUPPORTED_SCOPES = new Set([
    'openid',
    'profile',
    'email',
    'read-billing',
    'read-repos',
    'contribute-repos',
    'write-repos',
    'manage-repos',
    'inference-api',
    'jobs',
    'webhooks',
    'write-discussions',
  ]);
  /** Scopes the next approval leaves out (as a person unticking them on the consent page). */
  let withheldScopes: string[] = [];
  const authCodes = new Map<string, AuthCode>();
  const refreshTokens = new Map<string, { userName: string; clientId: string; scope: string }>();
  const accessExpiry = new Map<string, number>();
  let accessTtl = options.oauthAccessTtl ?? 3600;
  let nextDecision: { approve: string } | 'deny' | null = null;
  const authorizeWaiters: Array<(q: URLSearchParams) => void> = [];
  const oauthError = (res: ServerResponse, status: number, error: string, description: string) =>
    json(res, status, { error, error_description: description }, noStore);
  /** Loopback redirects only (RFC 8252 §7.3): http, 127.0.0.1 or [::1], any port. */
  const loopback = (uri: string) => {
    try {
      const u = new URL(uri);
      return u.protocol === 'http:' && (u.hostname === '127.0.0.1' || u.hostname === '[::1]') && !!u.port;
    } catch {
      return false;
    }
  };
  function oauthExpired(token: string): boolean {
    const at = accessExpiry.get(token);
    return at !== undefined && Date.now() >= at;
  }
  function mintRefresh(userName: string, clientId: string, scope: string): string {
    const token = `hf_oauth_refresh_${randomBytes(12).toString('hex')}`;
    refreshTokens.set(token, { userName, clientId, scope });
    return token;
  }
  /** A new access token for the user, valid as the user's own token on every route until it expires. */
  const mintAccess = (userName: string) => {
    const user = [...users.values()].find((u) => u.name === userName && !revoked.has(u.token));
    if (!user) throw new Error(`stand-in has no user ${userName} with a working token`);
    const token = `hf_oauth_${randomBytes(16).toString('hex')}`;
    users.set(token, user);
    accessExpiry.set(token, Date.now() + accessTtl * 1000);
    return token;
  };
  const tokenAnswer = (res: ServerResponse, userName: string, clientId: string, scope: string) =>
    json(
      res,
      200,
      {
        access_token: mintAccess(userName),
        token_type: 'bearer',
        expires_in: accessTtl,
        refresh_token: mintRefresh(userName, clientId, scope),
        scope,
      },
      noStore,
    );

  const openidConfiguration = (res: ServerResponse) =>
    json(res, 200, {
      issuer: hubUrl,
      authorization_endpoint: `${hubUrl}/oauth/authorize`,
      token_endpoint: `${hubUrl}/oauth/token`,
      userinfo_endpoint: `${hubUrl}/oauth/userinfo`,
      response_types_supported: ['code'],
      grant_types_supported: ['authorization_code', 'refresh_token', DEVICE_GRANT_TYPE],
      code_challenge_methods_supported: ['S256'],
    });

  /**
   * GET /oauth/authorize as the Hub's consent page: a bad client or redirect URI is shown, never redirected to
   * (RFC 6749 §4.1.2.1); other errors and the person's answer go back to the redirect URI with the state.
   */
  const authorize = (res: ServerResponse, url: URL) => {
    const q = url.searchParams;
    const redirectUri = q.get('redirect_uri') ?? '';
    const page = (status: number, text: string) => {
      res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><title>Hugging Face</title><p>${text}</p>`);
    };
    if (q.get('client_id') !== deviceClientId) return page(400, 'Unknown OAuth client');
    if (!loopback(redirectUri)) return page(400, 'The redirect URI is not a loopback address');
    const back = (params: Record<string, string>) => {
      const target = new URL(redirectUri);
      for (const [k, v] of Object.entries(params)) target.searchParams.set(k, v);
      res.writeHead(302, { Location: target.href });
      res.end();
    };
    const state = q.get('state') ?? '';
    if (q.get('response_type') !== 'code') return back({ error: 'unsupported_response_type', state });
    if (q.get('code_challenge_method') !== 'S256' || !/^[A-Za-z0-9_-]{43}$/.test(q.get('code_challenge') ?? ''))
      return back({ error: 'invalid_request', error_description: 'PKCE with S256 is required', state });
    if (!state) return back({ error: 'invalid_request', error_description: 'state is required' });
    for (const w of authorizeWaiters.splice(0)) w(new URLSearchParams(q));
    const decision = nextDecision;
    if (decision === null) return page(200, 'Authorize this application? (waiting for the person)');
    nextDecision = null;
    if (decision === 'deny') return back({ error: 'access_denied', state });
    const code = randomBytes(24).toString('base64url');
    authCodes.set(code, {
      clientId: deviceClientId,
      redirectUri,
      challenge: q.get('code_challenge')!,
      userName: decision.approve,
      expiresAt: Date.now() + (options.oauthCodeTtl ?? 60) * 1000,
      used: false,
      scope: (q.get('scope') ?? '')
        .split(' ')
        .filter((s) => SUPPORTED_SCOPES.has(s) && !withheldScopes.includes(s))
        .join(' '),
    });
    withheldScopes = [];
    back({ code, state });
  };

  /** POST /oauth/token: the code and refresh grants here, the device grant in deviceToken; errors as RFC 6749 §5.2. */
  const oauthToken = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const form = formOf(req, body);
    const grantType = form.get('grant_type');
    if (grantType !== 'authorization_code' && grantType !== 'refresh_token') return deviceToken(req, res, body);
    if (form.get('client_id') !== deviceClientId) return oauthError(res, 401, 'invalid_client', 'unknown client');
    if (grantType === 'refresh_token') {
      const presented = form.get('refresh_token') ?? '';
      const known = refreshTokens.get(presented);
      if (!known || known.clientId !== deviceClientId)
        return oauthError(res, 400, 'invalid_grant', 'refresh token invalid, revoked or already used');
      // Rotation: the refresh token presented stops working as the new one is handed out.
      refreshTokens.delete(presented);
      return tokenAnswer(res, known.userName, known.clientId, known.scope);
    }
    const code = authCodes.get(form.get('code') ?? '');
    if (!code) return oauthError(res, 400, 'invalid_grant', 'unknown authorization code');
    if (code.used) {
      authCodes.delete(form.get('code')!);
      return oauthError(res, 400, 'invalid_grant', 'authorization code already used');
    }
    code.used = true;
    if (Date.now() >= code.expiresAt) return oauthError(res, 400, 'invalid_grant', 'authorization code expired');
    if (form.get('redirect_uri') !== code.redirectUri)
      return oauthError(res, 400, 'invalid_grant', 'redirect_uri does not match the authorization request');
    const verifier = form.get('code_verifier') ?? '';
    if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier))
      return oauthError(res, 400, 'invalid_request', 'code_verifier missing or malformed');
    if (createHash('sha256').update(verifier).digest('base64url') !== code.challenge)
      return oauthError(res, 400, 'invalid_grant', 'code_verifier does not match the code_challenge');
    tokenAnswer(res, code.userName, code.clientId, code.scope);
  };
  // --- end of the browser sign-in ----------------------------------------------------------------------------------

  const createBucket = (req: IncomingMessage, res: ServerResponse, ns: string, name: string, body: Buffer) => {
    const user = caller(req);
    if (!user) throw new HttpError(401, 'You must be authenticated to create a bucket');
    const namespace = ns === 'me' ? user.name : ns;
    if (!/^[\w.-]{1,96}$/.test(name) || name.startsWith('.') || name.includes('..'))
      throw new HttpError(400, `Invalid bucket name: ${name}`);
    if (!canWrite(user, namespace))
      throw new HttpError(403, `You don't have the rights to create a bucket under the namespace "${namespace}"`);
    const id = `${namespace}/${name}`;
    if (buckets.has(id)) throw new HttpError(409, 'You already created this bucket');
    const payload = body.length
      ? (JSON.parse(body.toString('utf8')) as { private?: boolean; visibility?: string })
      : {};
    const isPrivate = payload.private ?? (payload.visibility === 'private' || payload.visibility === 'protected');
    buckets.set(id, { id, private: isPrivate, createdAt: Date.now(), files: new Map() });
    json(res, 200, { url: `${hubUrl}/buckets/${id}`, name: id, id });
  };

  const bucketInfo = (req: IncomingMessage, res: ServerResponse, id: string) => {
    const { bucket } = bucketFor(req, id, false);
    const files = [...bucket.files.values()];
    json(res, 200, {
      id,
      private: bucket.private,
      createdAt: iso(bucket.createdAt),
      size: files.reduce((n, f) => n + f.size, 0),
      totalFiles: files.length,
    });
  };

  const deleteBucket = (req: IncomingMessage, res: ServerResponse, id: string) => {
    bucketFor(req, id, true);
    buckets.delete(id);
    json(res, 200, {});
  };

  const batch = (req: IncomingMessage, res: ServerResponse, id: string, body: Buffer) => {
    const { bucket } = bucketFor(req, id, true);
    const lines = body
      .toString('utf8')
      .split('\n')
      .filter((l) => l.trim());
    const ops = lines.map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        throw new HttpError(400, `Invalid NDJSON line: ${l.slice(0, 80)}`);
      }
    });
    const failed: Array<{ path: string; error: string }> = [];
    const now = Date.now();
    for (const op of ops) {
      const path = op.path;
      if (!validPath(path)) {
        failed.push({ path: String(path), error: 'Invalid path' });
        continue;
      }
      if (op.type === 'addFile' || op.type === 'copyFile') {
        const hash = op.xetHash;
        const file = typeof hash === 'string' ? cas.get(hash) : undefined;
        if (!file) {
          failed.push({ path, error: `Xet hash ${String(hash)} not found` });
          continue;
        }
        bucket.files.set(path, {
          xetHash: hash as string,
          size: file.size,
          mtime: typeof op.mtime === 'number' ? op.mtime : now,
          uploadedAt: now,
          ...(typeof op.contentType === 'string' && { contentType: op.contentType }),
        });
      } else if (op.type === 'deleteFile') {
        // Deleting an absent path succeeds: buckets are object storage, deletes are idempotent.
        bucket.files.delete(path);
      } else {
        failed.push({ path, error: `Unknown operation type ${String(op.type)}` });
      }
    }
    json(res, failed.length ? 422 : 200, {
      success: failed.length === 0,
      processed: ops.length,
      succeeded: ops.length - failed.length,
      failed,
    });
  };

  const pathsInfo = (req: IncomingMessage, res: ServerResponse, id: string, body: Buffer) => {
    const { bucket } = bucketFor(req, id, false);
    const { paths } = JSON.parse(body.toString('utf8') || '{}') as { paths?: unknown };
    const wanted = Array.isArray(paths) ? paths.filter((p): p is string => typeof p === 'string') : [];
    json(
      res,
      200,
      wanted.flatMap((p) => {
        const f = bucket.files.get(p);
        return f
          ? [
              {
                type: 'file',
                path: p,
                size: f.size,
                xetHash: f.xetHash,
                mtime: iso(f.mtime),
                uploadedAt: iso(f.uploadedAt),
              },
            ]
          : [];
      }),
    );
  };

  const tree = (req: IncomingMessage, res: ServerResponse, id: string, prefix: string, url: URL) => {
    const { bucket } = bucketFor(req, id, false);
    const recursive = url.searchParams.get('recursive') === 'true' || url.searchParams.get('recursive') === '1';
    const entries = treeEntries(bucket, prefix, recursive);
    const cursor = url.searchParams.get('cursor');
    const from = cursor ? Number(Buffer.from(cursor, 'base64url').toString('utf8')) : 0;
    if (!Number.isInteger(from) || from < 0) throw new HttpError(400, 'Invalid cursor');
    const page = entries.slice(from, from + pageSize);
    const headers: Record<string, string> = {};
    if (from + pageSize < entries.length) {
      const next = new URL(url.pathname + url.search, hubUrl);
      next.searchParams.set('cursor', Buffer.from(String(from + pageSize)).toString('base64url'));
      headers.Link = `<${next.href}>; rel="next"`;
    }
    json(res, 200, page, headers);
  };

  const serveResolve = (req: IncomingMessage, res: ServerResponse, id: string, path: string) => {
    const { bucket } = bucketFor(req, id, false);
    const f = bucket.files.get(path);
    if (!f) throw new HttpError(404, `Entry not found: ${path}`, 'EntryNotFound');
    const etag = `"${f.xetHash}"`;
    const reconstructionUrl = `${casUrl}/v1/reconstructions/${f.xetHash}`;
    const refreshUrl = `${hubUrl}/api/buckets/${id}/xet-read-token`;
    const headers: Record<string, string> = {
      ETag: etag,
      'X-Linked-ETag': etag,
      'X-Linked-Size': String(f.size),
      'X-Xet-Hash': f.xetHash,
      Link: `<${reconstructionUrl}>; rel="xet-reconstruction-info", <${refreshUrl}>; rel="xet-auth"`,
      'Accept-Ranges': 'bytes',
    };
    // The JS client asks for the xet file info (then reconstructs from the CAS itself); others get the bytes.
    if ((req.headers.accept ?? '').includes('application/vnd.xet-fileinfo+json')) {
      res.writeHead(200, { ...headers, 'Content-Type': 'application/vnd.xet-fileinfo+json' });
      res.end(JSON.stringify({ hash: f.xetHash, refreshUrl, reconstructionUrl, etag, size: f.size }));
      return;
    }
    const bytes = reconstruct(f.xetHash);
    const type = f.contentType ?? 'application/octet-stream';
    if (req.method === 'HEAD') {
      res.writeHead(200, { ...headers, 'Content-Type': type, 'Content-Length': String(bytes.length) });
      res.end();
      return;
    }
    const range = req.headers.range ? parseRange(req.headers.range, bytes.length) : null;
    if (req.headers.range && !range) {
      res.writeHead(416, { 'Content-Range': `bytes */${bytes.length}` });
      res.end();
      return;
    }
    if (range) {
      res.writeHead(206, {
        ...headers,
        'Content-Type': type,
        'Content-Range': `bytes ${range[0]}-${range[1]}/${bytes.length}`,
        'Content-Length': String(range[1] - range[0] + 1),
      });
      res.end(bytes.subarray(range[0], range[1] + 1));
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Type': type, 'Content-Length': String(bytes.length) });
    res.end(bytes);
  };

  const casRoute = (req: IncomingMessage, res: ServerResponse, url: URL): Route | null => {
    const method = req.method ?? 'GET';
    const path = url.pathname;
    let m = /^\/v1\/chunks\/default\/([0-9a-f]{64})$/.exec(path);
    if (m && method === 'GET') {
      const hash = m[1]!;
      return {
        kind: 'chunk',
        handle: () => {
          casAuth(req, false);
          const xorbHashHex = globalDedup ? chunkToXorb.get(hash) : undefined;
          if (!xorbHashHex) throw new HttpError(404, 'chunk not found');
          stats.dedupHits++;
          res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
          res.end(dedupShard(xorbHashHex, xorbs.get(xorbHashHex)!));
        },
      };
    }
    m = /^\/v1\/xorbs\/default\/([^/]+)$/.exec(path);
    if (m && method === 'POST') {
      const hash = m[1]!;
      return { kind: 'xorb', handle: (body) => putXorb(req, res, hash, body) };
    }
    if (path === '/v1/shards' && method === 'POST')
      return { kind: 'shard', handle: (body) => putShard(req, res, body) };
    m = /^\/v2\/reconstructions\/([^/]+)$/.exec(path);
    if (m && method === 'GET') {
      const hash = m[1]!;
      return {
        kind: 'reconstruction',
        handle: () => {
          casAuth(req, false);
          const file = cas.get(hash);
          if (!file) throw new HttpError(404, `file ${hash} not found`);
          const range = parseRange(req.headers.range, file.size);
          if (!range) throw new HttpError(416, 'range not satisfiable');
          json(res, 200, reconstruction(hash, range[0], range[1]));
        },
      };
    }
    m = /^\/transfer\/xorbs\/default\/([0-9a-f]{64})$/.exec(path);
    if (m && method === 'GET') {
      const hash = m[1]!;
      return { kind: 'transfer', handle: () => transfer(req, res, hash, url) };
    }
    return null;
  };

  const putXorb = (req: IncomingMessage, res: ServerResponse, hash: string, body: Buffer) => {
    casAuth(req, true);
    if (!HASH_RE.test(hash)) throw new HttpError(400, 'invalid xorb hash');
    stats.xorbBytesReceived += body.length;
    if (xorbs.has(hash)) return json(res, 200, { was_inserted: false });
    let parsed: ReturnType<typeof parseXorb>;
    try {
      parsed = parseXorb(body);
    } catch (err) {
      throw new HttpError(400, (err as Error).message);
    }
    if (parsed.chunks.length === 0) throw new HttpError(400, 'empty xorb');
    const computed = hashToHex(xorbHash(parsed.chunks.map((c) => ({ hash: c.hashBytes, length: c.length }))));
    if (computed !== hash) throw new HttpError(400, `xorb hash mismatch: body hashes to ${computed}`);
    xorbs.set(hash, { raw: body, chunks: parsed.chunks, end: parsed.end });
    stats.xorbsStored++;
    for (const c of parsed.chunks) {
      if (!chunkToXorb.has(c.hash)) stats.chunksStored++;
      chunkToXorb.set(c.hash, chunkToXorb.get(c.hash) ?? hash);
    }
    for (const s of parsed.schemes) {
      if (s === 0) stats.compression.none++;
      else if (s === 1) stats.compression.lz4++;
      else stats.compression.byteGroupingLz4++;
    }
    json(res, 200, { was_inserted: true });
  };

  const putShard = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    casAuth(req, true);
    let shard: ParsedShard;
    try {
      shard = parseShard(body);
    } catch (err) {
      throw new HttpError(400, (err as Error).message);
    }
    // The xorbs a shard lists must be in the CAS already, with the chunks it says they hold.
    for (const x of shard.xorbs) {
      const stored = xorbs.get(x.hash);
      if (!stored) throw new HttpError(400, `shard lists xorb ${x.hash} that was not uploaded`);
      if (stored.chunks.length !== x.chunks.length || x.chunks.some((c, i) => c.hash !== stored.chunks[i]!.hash))
        throw new HttpError(400, `shard's chunk list of xorb ${x.hash} does not match the xorb`);
    }
    const verified = shard.files.map((f) => ({ f, size: verifyFile(f) }));
    for (const { f, size } of verified) cas.set(f.hash, { terms: f.terms, size });
    stats.shardsReceived++;
    json(res, 200, { result: 1 });
  };

  const transfer = (req: IncomingMessage, res: ServerResponse, hash: string, url: URL) => {
    const signed = url.searchParams.get('X-Xet-Signed-Range') ?? '';
    const exp = Number(url.searchParams.get('Expires'));
    const given = Buffer.from(url.searchParams.get('Signature') ?? '');
    const expected = Buffer.from(sign(hash, signed, exp));
    if (given.length !== expected.length || !timingSafeEqual(given, expected) || exp * 1000 < Date.now())
      throw new HttpError(403, 'signature invalid or expired');
    const x = xorbs.get(hash);
    if (!x) throw new HttpError(404, 'xorb not found');
    const allowed = /^bytes=(\d+)-(\d+)$/.exec(signed);
    const asked = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    // Only the signed bytes may be read, as with the CDN's signed URLs.
    if (!allowed || !asked || Number(asked[1]) < Number(allowed[1]) || Number(asked[2]) > Number(allowed[2]))
      throw new HttpError(403, 'range outside the signed range');
    const a = Number(asked[1]);
    const b = Math.min(Number(asked[2]), x.end - 1);
    res.writeHead(206, {
      'Content-Type': 'application/octet-stream',
      'Content-Range': `bytes ${a}-${b}/${x.raw.length}`,
      'Content-Length': String(b - a + 1),
    });
    res.end(x.raw.subarray(a, b + 1));
  };

  // --- HF Jobs (createHfJobsApi, at the end of this file) -----------------------------------------------------------
  const hfJobs = createHfJobsApi({
    options: options.jobs ?? {},
    hubUrl: () => hubUrl,
    caller,
    canWrite,
    readPrefix: (bucketId, prefix) => {
      const bucket = buckets.get(bucketId);
      if (!bucket) return null;
      const dir = prefix ? `${prefix}/` : '';
      return new Map(
        [...bucket.files]
          .filter(([p]) => p.startsWith(dir))
          .map(([p, f]) => [p.slice(dir.length), reconstruct(f.xetHash)]),
      );
    },
    writeFile: (bucketId, path, content) => {
      const xetHash = storeBytes(content);
      const now = Date.now();
      buckets.get(bucketId)!.files.set(path, { xetHash, size: content.length, mtime: now, uploadedAt: now });
    },
  });

  // --- the servers -------------------------------------------------------------------------------------------------
  const handler =
    (server: 'hub' | 'cas', route: typeof hubRoute) =>
    (req: IncomingMessage, res: ServerResponse): void => {
      const url = new URL(req.url ?? '/', server === 'hub' ? hubUrl : casUrl);
      const found = route(req, res, url);
      const entry: BucketStandinRequest = {
        server,
        kind: found?.kind ?? 'unknown',
        method: req.method ?? '',
        path: (url.pathname + url.search).replace(/(Signature=)[^&]*/, '$1…'),
        authorization: !!req.headers.authorization,
        status: 0,
        injected: false,
      };
      // 'close' rather than 'finish': an answer cut short is recorded too.
      res.on('close', () => {
        entry.status = res.statusCode;
        requests.push(entry);
      });
      const run = async () => {
        const body = await readBody(req);
        const wait = (found && latency.get(found.kind)) || latency.get('*') || 0;
        if (wait) await new Promise((r) => setTimeout(r, wait));
        if (!found) throw new HttpError(404, `stand-in has no route for ${req.method} ${url.pathname}`);
        const fault = faults.find((f) => f.kind === found.kind && f.left > 0);
        if (fault) {
          fault.left--;
          entry.injected = true;
          const headers: Record<string, string> = fault.retryAfter ? { 'Retry-After': String(fault.retryAfter) } : {};
          return json(res, fault.status, { error: `injected ${fault.status}` }, headers);
        }
        found.handle(body);
      };
      run().catch((err: unknown) => {
        if (res.headersSent) return void res.destroy();
        if (err instanceof HttpError) {
          const headers: Record<string, string> = { 'X-Error-Message': err.message.replace(/[^\x20-\x7e]/g, '?') };
          if (err.code) headers['X-Error-Code'] = err.code;
          return json(res, err.status, { error: err.message }, headers);
        }
        json(res, 500, { error: `stand-in failure: ${(err as Error).message}` });
      });
    };

  const hubServer = createServer(handler('hub', hubRoute));
  const casServer = createServer(handler('cas', casRoute));
  // Keep idle connections as the Hub's front does (about a minute), not Node's 5 s: a client reusing a pooled
  // connection the server has just dropped meets a socket error on a PUT that it cannot retry by itself.
  for (const server of [hubServer, casServer]) server.keepAliveTimeout = 65_000;
  hubUrl = await listen(hubServer);
  casUrl = await listen(casServer);

  return {
    url: hubUrl,
    casUrl,
    requests,
    ...hfJobs.controls,
    files(bucketId) {
      const bucket = buckets.get(bucketId);
      if (!bucket) throw new Error(`stand-in has no bucket ${bucketId}`);
      return new Map([...bucket.files].map(([p, f]) => [p, reconstruct(f.xetHash)]));
    },
    bucket(bucketId) {
      const b = buckets.get(bucketId);
      return b ? { private: b.private } : null;
    },
    addBucket(bucketId, opts) {
      if (!buckets.has(bucketId))
        buckets.set(bucketId, { id: bucketId, private: !!opts?.private, createdAt: Date.now(), files: new Map() });
    },
    putFile(bucketId, path, content) {
      const bucket = buckets.get(bucketId);
      if (!bucket) throw new Error(`stand-in has no bucket ${bucketId}`);
      if (!validPath(path)) throw new Error(`invalid bucket path ${path}`);
      const xetHash = storeBytes(Buffer.from(content));
      const now = Date.now();
      bucket.files.set(path, { xetHash, size: cas.get(xetHash)!.size, mtime: now, uploadedAt: now });
    },
    copyFile(srcBucketId, srcPath, destBucketId, destPath) {
      const src = buckets.get(srcBucketId)?.files.get(srcPath);
      const dest = buckets.get(destBucketId);
      if (!src || !dest) throw new Error(`stand-in cannot copy ${srcBucketId}/${srcPath} to ${destBucketId}`);
      if (!validPath(destPath)) throw new Error(`invalid bucket path ${destPath}`);
      const now = Date.now();
      dest.files.set(destPath, { ...src, mtime: now, uploadedAt: now });
    },
    addOrgMember(userName, org, role = 'write') {
      for (const user of users.values()) {
        if (user.name !== userName) continue;
        user.orgs = [...(user.orgs ?? []).filter((o) => o.name !== org), { name: org, role }];
      }
    },
    inject(fault) {
      faults.push({ ...fault, left: fault.times ?? 1 });
    },
    setLatency(ms, kind) {
      latency.set(kind ?? '*', ms);
    },
    deviceClientId,
    nextDeviceCode() {
      const waiting = unclaimedCodes.shift();
      if (waiting !== undefined) return Promise.resolve(waiting);
      return new Promise<string>((resolve) => codeWaiters.push(resolve));
    },
    approveDevice(userCode, userName) {
      const grant = grantFor(userCode);
      if (grant.state !== 'pending') throw new Error(`device code ${userCode} is ${grant.state}, not pending`);
      const user = [...users.values()].find((u) => u.name === userName && !revoked.has(u.token));
      if (!user) throw new Error(`stand-in has no user ${userName} with a working token`);
      grant.state = 'approved';
      grant.token = user.token;
      return user.token;
    },
    denyDevice(userCode) {
      grantFor(userCode).state = 'denied';
    },
    expireDevice(userCode) {
      grantFor(userCode).state = 'expired';
    },
    slowDownDevice(userCode) {
      grantFor(userCode).slowDownNext = true;
    },
    deviceState(userCode) {
      return [...grants.values()].find((g) => g.userCode === userCode)?.state ?? null;
    },
    approveAuthorization(userName, o) {
      nextDecision = { approve: userName };
      withheldScopes = o?.withhold ?? [];
    },
    denyAuthorization() {
      nextDecision = 'deny';
    },
    nextAuthorization() {
      return new Promise<URLSearchParams>((resolve) => authorizeWaiters.push(resolve));
    },
    setAccessTokenTtl(seconds) {
      accessTtl = seconds;
    },
    liveRefreshTokens(userName) {
      return [...refreshTokens].filter(([, v]) => v.userName === userName).map(([k]) => k);
    },
    revokeRefreshToken(token) {
      refreshTokens.delete(token);
    },
    addSpace(space) {
      spaces.push({ ...space, likes: space.likes ?? 0, lastModified: Date.now() });
    },
    revokeToken(token, opts) {
      revoked.add(token);
      if (opts?.casTokens) for (const [k, v] of casTokens) if (v.userToken === token) casTokens.delete(k);
    },
    stats: () => structuredClone(stats),
    reset() {
      requests.length = 0;
    },
    close: async () => {
      await Promise.all(
        [hubServer, casServer].map(
          (s) =>
            new Promise<void>((resolve) => {
              s.close(() => resolve());
              s.closeAllConnections();
            }),
        ),
      );
    },
  };
}

// =================================================================================================================
// --- HF Jobs: the Jobs API as @huggingface/hub calls it (src/lib/jobs/: hardware, run, get, logs as SSE, cancel) ---
// A job runs a harness the test supplies, given the files of its mounted bucket volumes; what it returns for a
// read-write mount is written into that bucket. Its stage moves RUNNING -> COMPLETED / ERROR (or CANCELED).
// =================================================================================================================

export type HfJobsRequestKind = 'jobs-hardware' | 'job-run' | 'job-get' | 'job-logs' | 'job-cancel';

/** One flavor as GET /api/jobs/hardware lists it (huggingface.js ApiJobHardware). */
export interface StandinJobHardware {
  name: string;
  prettyName: string;
  cpu: string;
  ram: string;
  accelerator: { type: 'gpu'; model: string; quantity: string; vram: string; manufacturer: 'Nvidia' } | null;
  unitCostMicroUSD: number;
  unitCostUSD: number;
  unitLabel: string;
}

const perMinute = (hourly: number) => ({
  unitCostMicroUSD: Math.round((hourly / 60) * 1e6),
  unitCostUSD: Number((hourly / 60).toFixed(6)),
  unitLabel: 'minute',
});
const gpu = (model: string, vram: string) =>
  ({ type: 'gpu', model, quantity: '1', vram, manufacturer: 'Nvidia' }) as const;

/** The Hub's public prices (docs/hub/jobs-pricing), billed by the minute. */
export const STANDIN_JOB_HARDWARE: StandinJobHardware[] = [
  { name: 'cpu-basic', prettyName: 'CPU Basic', cpu: '2 vCPU', ram: '16 GB', accelerator: null, ...perMinute(0.01) },
  {
    name: 'cpu-upgrade',
    prettyName: 'CPU Upgrade',
    cpu: '8 vCPU',
    ram: '32 GB',
    accelerator: null,
    ...perMinute(0.03),
  },
  {
    name: 't4-small',
    prettyName: 'Nvidia T4 - small',
    cpu: '4 vCPU',
    ram: '15 GB',
    accelerator: gpu('T4', '16 GB'),
    ...perMinute(0.4),
  },
  {
    name: 'a10g-small',
    prettyName: 'Nvidia A10G - small',
    cpu: '4 vCPU',
    ram: '15 GB',
    accelerator: gpu('A10G', '24 GB'),
    ...perMinute(1),
  },
  {
    name: 'a100-large',
    prettyName: 'Nvidia A100 - large',
    cpu: '12 vCPU',
    ram: '142 GB',
    accelerator: gpu('A100', '80 GB'),
    ...perMinute(2.5),
  },
];

/** What a harness is given: the job, and the files of every mounted volume by mount path (names relative to it). */
export interface StandinJobHarnessInput {
  job: { id: string; namespace: string; dockerImage: string | null; command: string[]; flavor: string };
  volumes: Record<string, Map<string, Buffer>>;
  /** A line of the job's logs. */
  log(line: string): void;
}

/**
 * Runs a job: returns files to write, by absolute path in the container (`/state/summary.json`), or throws to end it
 * in ERROR (its message becomes the status message and the last log line).
 */
export type StandinJobHarness = (
  input: StandinJobHarnessInput,
) => Record<string, string | Uint8Array> | void | Promise<Record<string, string | Uint8Array> | void>;

export interface StandinHfJob {
  id: string;
  namespace: string;
  /** Who launched it. */
  user: string;
  /** The body of POST /api/jobs/{namespace} exactly as received (a test asserts no token is in it). */
  raw: string;
  spec: Record<string, unknown>;
  stage: 'RUNNING' | 'COMPLETED' | 'ERROR' | 'CANCELED';
  message: string | null;
  logs: string[];
}

export interface HfJobsOptions {
  harness?: StandinJobHarness;
  /** Keep every job RUNNING until the test calls releaseHfJob (default: it runs as soon as it is launched). */
  hold?: boolean;
  hardware?: StandinJobHardware[];
}

export interface HfJobsControls {
  /** Every job launched, in order, with the spec as received. */
  hfJobs(): StandinHfJob[];
  /** The next job launched and not yet handed out by this call. */
  nextHfJob(): Promise<StandinHfJob>;
  /** Runs a held job's harness now; resolves when it has ended. */
  releaseHfJob(id: string): Promise<StandinHfJob>;
  setHfJobHarness(harness: StandinJobHarness): void;
  /** The namespace has no credits and no payment method: launching there answers 402, as the Hub does. */
  setHfJobsCannotPay(namespace: string, cannotPay?: boolean): void;
}

interface HfJobsDeps {
  options: HfJobsOptions;
  hubUrl(): string;
  caller(req: IncomingMessage): StandinUser | null;
  canWrite(user: StandinUser, ns: string): boolean;
  /** The files of a bucket under a prefix, relative to it; null when there is no such bucket. */
  readPrefix(bucketId: string, prefix: string): Map<string, Buffer> | null;
  writeFile(bucketId: string, path: string, content: Buffer): void;
}

export function createHfJobsApi(deps: HfJobsDeps) {
  const jobs = new Map<string, StandinHfJob & { createdAt: string; finishedAt: string | null; ran: boolean }>();
  const unclaimed: StandinHfJob[] = [];
  const waiters: Array<(job: StandinHfJob) => void> = [];
  const listeners = new Map<string, Set<() => void>>();
  const cannotPay = new Set<string>();
  let harness: StandinJobHarness = deps.options.harness ?? (() => undefined);
  const hardware = deps.options.hardware ?? STANDIN_JOB_HARDWARE;
  const snapshot = (j: StandinHfJob): StandinHfJob => ({
    id: j.id,
    namespace: j.namespace,
    user: j.user,
    raw: j.raw,
    spec: structuredClone(j.spec),
    stage: j.stage,
    message: j.message,
    logs: [...j.logs],
  });
  const notify = (id: string) => listeners.get(id)?.forEach((l) => l());

  const apiJob = (j: StandinHfJob & { createdAt: string; finishedAt: string | null }) => ({
    type: 'job',
    id: j.id,
    status: { stage: j.stage, message: j.message, failureCount: j.stage === 'ERROR' ? 1 : 0 },
    createdAt: j.createdAt,
    startedAt: j.createdAt,
    finishedAt: j.finishedAt,
    createdBy: { id: j.user, name: j.user },
    dockerImage: j.spec.dockerImage ?? null,
    spaceId: j.spec.spaceId ?? null,
    command: j.spec.command ?? null,
    arguments: j.spec.arguments ?? [],
    environment: j.spec.environment ?? {},
    secrets: Object.keys((j.spec.secrets as Record<string, string> | undefined) ?? {}),
    flavor: j.spec.flavor,
    arch: j.spec.arch ?? 'amd64',
    timeoutSeconds: j.spec.timeoutSeconds ?? null,
    attempts: 1,
    labels: j.spec.labels ?? null,
    volumes: j.spec.volumes ?? null,
    owner: { id: j.namespace, name: j.namespace, type: j.namespace === j.user ? 'user' : 'org' },
    initiator: { id: j.user, name: j.user, type: 'user' },
  });

  type Volume = { type: string; source: string; mountPath: string; readOnly?: boolean; path?: string };
  const volumesOf = (j: StandinHfJob) => (Array.isArray(j.spec.volumes) ? (j.spec.volumes as Volume[]) : []);
  const prefixOf = (v: Volume) => (v.path ?? '').replace(/^\/+|\/+$/g, '');

  const finish = (
    j: StandinHfJob & { finishedAt: string | null },
    stage: StandinHfJob['stage'],
    message: string | null,
  ) => {
    if (j.stage !== 'RUNNING') return;
    j.stage = stage;
    j.message = message;
    j.finishedAt = new Date().toISOString();
    notify(j.id);
  };

  const runHarness = async (id: string) => {
    const j = jobs.get(id)!;
    if (j.ran) return;
    j.ran = true;
    const volumes: Record<string, Map<string, Buffer>> = {};
    try {
      for (const v of volumesOf(j)) {
        const files = deps.readPrefix(v.source, prefixOf(v));
        if (files === null) throw new Error(`volume ${v.mountPath}: no bucket ${v.source}`);
        volumes[v.mountPath] = files;
      }
      const out = await harness({
        job: {
          id,
          namespace: j.namespace,
          dockerImage: (j.spec.dockerImage as string | undefined) ?? null,
          command: (j.spec.command as string[] | undefined) ?? [],
          flavor: String(j.spec.flavor),
        },
        volumes,
        log: (line) => {
          j.logs.push(line);
          notify(id);
        },
      });
      for (const [path, content] of Object.entries(out ?? {})) {
        const v = volumesOf(j).find((x) => path.startsWith(`${x.mountPath.replace(/\/+$/, '')}/`));
        if (!v || v.readOnly !== false) throw new Error(`OSError: [Errno 30] Read-only file system: '${path}'`);
        const rel = path.slice(v.mountPath.replace(/\/+$/, '').length + 1);
        deps.writeFile(v.source, prefixOf(v) ? `${prefixOf(v)}/${rel}` : rel, Buffer.from(content));
      }
      finish(j, 'COMPLETED', null);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      j.logs.push(message);
      finish(j, 'ERROR', message);
    }
  };

  const jobFor = (req: IncomingMessage, ns: string, id: string) => {
    const user = deps.caller(req);
    if (!user) throw new HttpError(401, 'You must be authenticated to access Jobs');
    const j = jobs.get(id);
    if (!j || j.namespace !== ns || !(user.name === ns || user.orgs?.some((o) => o.name === ns)))
      throw new HttpError(404, 'Job not found');
    return j;
  };

  const launch = (req: IncomingMessage, res: ServerResponse, ns: string, body: Buffer) => {
    const user = deps.caller(req);
    if (!user) throw new HttpError(401, 'You must be authenticated to run Jobs');
    const namespace = ns === 'me' ? user.name : ns;
    if (!deps.canWrite(user, namespace))
      throw new HttpError(403, `You don't have the rights to run Jobs under the namespace "${namespace}"`);
    if (cannotPay.has(namespace))
      throw new HttpError(
        402,
        `Payment required: ${namespace} has no credit balance. Add credits or a payment method in your billing settings to run Jobs.`,
      );
    const raw = body.toString('utf8');
    let spec: Record<string, unknown>;
    try {
      spec = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      throw new HttpError(400, 'Invalid JSON body');
    }
    if (!hardware.some((h) => h.name === spec.flavor))
      throw new HttpError(400, `Invalid flavor: ${String(spec.flavor)}`);
    if (!spec.dockerImage && !spec.spaceId) throw new HttpError(400, 'dockerImage or spaceId is required');
    for (const v of Array.isArray(spec.volumes) ? (spec.volumes as Volume[]) : [])
      if (v.type !== 'bucket' || deps.readPrefix(v.source, '') === null)
        throw new HttpError(400, `Volume source not found: ${v.type}/${v.source}`);
    const id = randomBytes(12).toString('hex');
    const job = {
      id,
      namespace,
      user: user.name,
      raw,
      spec,
      stage: 'RUNNING' as const,
      message: null,
      logs: [],
      createdAt: new Date().toISOString(),
      finishedAt: null,
      ran: false,
    };
    jobs.set(id, job);
    const waiter = waiters.shift();
    if (waiter) waiter(snapshot(job));
    else unclaimed.push(snapshot(job));
    if (!deps.options.hold) setImmediate(() => void runHarness(id));
    json(res, 200, apiJob(job));
  };

  /** Server-sent events as streamJobLogs parses them: `data: {"data": <line>, "timestamp": <iso>}`; closes at the end. */
  const logs = (req: IncomingMessage, res: ServerResponse, ns: string, id: string) => {
    const j = jobFor(req, ns, id);
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
    let sent = 0;
    const flush = () => {
      for (; sent < j.logs.length; sent++)
        res.write(`data: ${JSON.stringify({ data: j.logs[sent], timestamp: new Date().toISOString() })}\n\n`);
      if (j.stage !== 'RUNNING') {
        listeners.get(id)?.delete(flush);
        res.end();
      }
    };
    if (!listeners.has(id)) listeners.set(id, new Set());
    listeners.get(id)!.add(flush);
    res.on('close', () => listeners.get(id)?.delete(flush));
    flush();
  };

  const route = (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const method = req.method ?? 'GET';
    const path = url.pathname;
    if (path === '/api/jobs/hardware' && method === 'GET')
      return { kind: 'jobs-hardware' as const, handle: () => json(res, 200, hardware) };
    const m = /^\/api\/jobs\/([^/]+)(?:\/([^/]+)(?:\/(logs|cancel))?)?$/.exec(path);
    if (!m) return null;
    const ns = decodeURIComponent(m[1]!);
    const id = m[2] === undefined ? undefined : decodeURIComponent(m[2]);
    if (id === undefined && method === 'POST')
      return { kind: 'job-run' as const, handle: (body: Buffer) => launch(req, res, ns, body) };
    if (id !== undefined && m[3] === undefined && method === 'GET')
      return { kind: 'job-get' as const, handle: () => json(res, 200, apiJob(jobFor(req, ns, id))) };
    if (id !== undefined && m[3] === 'logs' && method === 'GET')
      return { kind: 'job-logs' as const, handle: () => logs(req, res, ns, id) };
    if (id !== undefined && m[3] === 'cancel' && method === 'POST')
      return {
        kind: 'job-cancel' as const,
        handle: () => {
          const j = jobFor(req, ns, id);
          j.ran = true;
          finish(j, 'CANCELED', 'canceled by the user');
          json(res, 200, apiJob(j));
        },
      };
    return null;
  };

  const controls: HfJobsControls = {
    hfJobs: () => [...jobs.values()].map(snapshot),
    nextHfJob() {
      const waiting = unclaimed.shift();
      if (waiting) return Promise.resolve(waiting);
      return new Promise((resolve) => waiters.push(resolve));
    },
    async releaseHfJob(id) {
      if (!jobs.has(id)) throw new Error(`stand-in has no HF job ${id}`);
      await runHarness(id);
      return snapshot(jobs.get(id)!);
    },
    setHfJobHarness(h) {
      harness = h;
    },
    setHfJobsCannotPay(namespace, no = true) {
      if (no) cannotPay.add(namespace);
      else cannotPay.delete(namespace);
    },
  };
  return { route, controls };
}
