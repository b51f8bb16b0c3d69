// The agent's tools for talking and sharing: board, inbox, posts, channels, workspace files, and waiting.
import type { MessageBody } from '../../shared/api';
import type { HubFile } from '../../shared/hub-client';
import { object, oneOfValues, str, type JsonSchema } from './json-schema';
import { defineTool, excerpt, optional, recordSummary, records, type AgentTool } from './tool';

const LIMIT = oneOfValues([5, 10, 20] as const, 'how many, newest first');
type Limit = 5 | 10 | 20;
const FILENAME = 120;
const CHANNEL = str(64, 'a channel name; "" for the general board');
const AREA = oneOfValues(
  ['scratch', 'central'] as const,
  "scratch: an agent's own folder; central: the shared folder the hub writes",
);
const FILE_TEXT_CHARS = 1200;
const LISTED_ENTRIES = 40;

const readBoard = defineTool<{ channel: string; limit: Limit }>({
  name: 'read_board',
  description: 'Read the newest messages on the general board, or of one channel.',
  parameters: object({
    channel: str(64, 'a channel name to read only that channel; "" for the general board'),
    limit: LIMIT,
  }),
  async run(a, { hub }) {
    const channel = optional(a.channel);
    const query = { expand: true, limit: a.limit };
    const page = channel ? await hub.channelMessages(channel, query) : await hub.messages(query);
    return {
      matched: page.matched,
      messages: records(page.items).map((r) => recordSummary(r, ['channel', 'reply_to'])),
    };
  },
});

const readInbox = defineTool<{ limit: Limit }>({
  name: 'read_inbox',
  description: 'Read your inbox: messages that mention you, reply to you or cite your work, and broadcasts.',
  parameters: object({ limit: LIMIT }),
  async run(a, { hub, agentId }) {
    const page = await hub.inbox(agentId, { expand: true, limit: a.limit });
    return {
      matched: page.matched,
      messages: records(page.items).map((r) => recordSummary(r, ['channel', 'reply_to'])),
    };
  },
});

/**
 * Names that exist on the hub now. Given them, the tools offer exactly these as choices (an enum, which a grammar
 * enforces), so a small model cannot invent a channel or cite a file that is not there; without them (MCP clients,
 * which read names from the board themselves) the fields are free strings the hub checks.
 */
export interface KnownNames {
  channels: string[];
  /** Citable messages and results: this hub's, and public ones the digest showed (refs may name those too). */
  messages: string[];
  results: string[];
  /** The public collabs this hub follows (org/collab): the public tools offer exactly these. */
  publicCollabs?: string[];
  /** Agents whose scratch folders exist to read (the agent itself included): the workspace tools offer these. */
  agents?: string[];
  /** The agent's own recent jobs (check_job offers these), and those with a measured result (publish_result's). */
  jobs?: string[];
  finishedJobs?: string[];
  /** GGUF files in the agent's scratch folder, as scratch:<path>: submit_job offers them as models. */
  scratchModels?: string[];
  /** The levers of the agent's direction: submit_job's config offers their settings (default: every lever's). */
  levers?: string[];
}

const choice = (values: string[], description: string, free: JsonSchema): JsonSchema =>
  values.length ? oneOfValues(['', ...values], description) : free;

const postTool = (known?: KnownNames) =>
  defineTool<{ body: string; channel: string; reply_to: string; refs: string[] }>({
    name: 'post',
    description:
      "Post a message. Write @agent-id in the body to reach that agent's inbox. refs cite messages or results by filename, " +
      "a public collab's too: when you build on public work, cite it and say so.",
    parameters: object({
      body: str(1000, 'the message text', 1),
      channel: known
        ? choice(known.channels, 'a channel; "" for the general board', str(0, 'no channel exists yet: ""'))
        : CHANNEL,
      reply_to: known
        ? choice(known.messages, 'the message you answer; "" for none', str(0, 'no message to answer yet: ""'))
        : str(FILENAME, 'filename of the message you answer; "" for none'),
      refs: known
        ? {
            type: 'array',
            items: choice([...known.messages, ...known.results], 'a message or result you cite', str(0, '')),
            maxItems: known.messages.length + known.results.length ? 3 : 0,
            description: 'what you cite; [] for none',
          }
        : {
            type: 'array',
            items: str(FILENAME, 'a message or result filename'),
            maxItems: 5,
            description: 'filenames you cite; [] for none',
          },
    }),
    async run(a, { hub }) {
      const channel = optional(a.channel);
      const replyTo = optional(a.reply_to);
      const refs = a.refs.map((r) => r.trim()).filter((r) => r !== '');
      const body: MessageBody = {
        body: a.body,
        ...(channel ? { channel } : {}),
        ...(replyTo ? { reply_to: replyTo } : {}),
        ...(refs.length ? { refs } : {}),
      };
      const created = await hub.post(body);
      return {
        filename: created.filename,
        mentions_delivered: created.mentions_delivered,
        channel: created.channel,
        thread: created.thread,
      };
    },
  });

function asText(file: HubFile): Record<string, unknown> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(file.bytes);
  } catch {
    return {
      path: file.path,
      bytes: file.bytes.length,
      content_type: file.content_type,
      text: null,
      note: 'a binary file: not shown',
    };
  }
  const cut = text.length > FILE_TEXT_CHARS;
  return {
    path: file.path,
    bytes: file.bytes.length,
    text: cut ? text.slice(0, FILE_TEXT_CHARS) : text,
    ...(cut ? { note: `only the first ${FILE_TEXT_CHARS} characters are shown` } : {}),
  };
}

const agentField = (known?: KnownNames): JsonSchema =>
  known?.agents?.length
    ? oneOfValues(['', ...known.agents], 'whose scratch folder; "" for yours (ignored for central)')
    : str(40, 'whose scratch folder; "" for yours (ignored for central)');

const listWorkspaceTool = (known?: KnownNames) =>
  defineTool<{ area: 'scratch' | 'central'; agent: string; path: string }>({
    name: 'list_workspace',
    description: "List files: your scratch folder, another agent's, or the central folder.",
    parameters: object({
      area: AREA,
      agent: agentField(known),
      path: str(300, 'a folder inside it; "" for all of it'),
    }),
    async run(a, { hub, agentId }) {
      const path = optional(a.path) ?? '';
      const agent = optional(a.agent) ?? agentId;
      const listing =
        a.area === 'central' ? await hub.listCentral(path, true) : await hub.listScratch(agent, path, true);
      const files = listing.entries.filter((e) => e.type === 'file');
      return {
        folder: `${listing.root}${listing.path}`,
        files: files.slice(0, LISTED_ENTRIES).map((e) => ({ path: e.path, bytes: e.bytes })),
        ...(files.length > LISTED_ENTRIES ? { more: files.length - LISTED_ENTRIES } : {}),
      };
    },
  });

const readFileTool = (known?: KnownNames) =>
  defineTool<{ area: 'scratch' | 'central'; agent: string; path: string }>({
    name: 'read_file',
    description: "Read a text file from a scratch folder (yours or another agent's) or from the central folder.",
    parameters: object({
      area: AREA,
      agent: agentField(known),
      path: str(300, "the file's path in that folder", 1),
    }),
    async run(a, { hub, agentId }) {
      const agent = optional(a.agent) ?? agentId;
      return asText(a.area === 'central' ? await hub.readCentral(a.path) : await hub.readScratch(agent, a.path));
    },
  });

const writeFile = defineTool<{ path: string; content: string }>({
  name: 'write_file',
  description: 'Write a text file to your own scratch folder (notes, configs, results drafts); others can read it.',
  parameters: object({ path: str(200, 'e.g. notes/plan.md', 1), content: str(4000, 'the whole file') }),
  async run(a, { hub, agentId }) {
    const written = await hub.writeScratch(agentId, a.path, a.content);
    return { path: `scratch/${agentId}/${written.path}`, bytes: written.bytes };
  },
});

const readChannels = defineTool<{ limit: Limit }>({
  name: 'read_channels',
  description: 'List the channels (topic rooms), most recently active first.',
  parameters: object({ limit: LIMIT }),
  async run(a, { hub }) {
    const list = await hub.channels({ limit: a.limit });
    return {
      count: list.count,
      channels: list.items.map((c) => ({
        name: c.name,
        creator: c.creator,
        members: c.member_count,
        messages: c.message_count,
        theme: excerpt(c.theme_excerpt),
      })),
    };
  },
});

const createChannel = defineTool<{ name: string; theme: string }>({
  name: 'create_channel',
  description: 'Create a channel: a room for agents working on one idea, with a theme saying what it is for.',
  parameters: object({
    name: str(40, 'lowercase letters, digits and "-", e.g. draft-depth', 1),
    theme: str(1500, 'what the channel is about and who should join', 1),
  }),
  async run(a, { hub }) {
    const created = await hub.createChannel({ name: a.name.trim(), body: a.theme });
    return { name: created.name, created: created.created, announcement: created.announcement };
  },
});

const joinChannelTool = (known?: KnownNames) =>
  defineTool<{ name: string; note: string }>({
    name: 'join_channel',
    description: 'Join a channel by posting a note in it (what you will do there); posting subscribes you.',
    parameters: object({
      name: known?.channels.length ? oneOfValues(known.channels, 'the channel') : str(40, 'the channel name', 1),
      note: str(1000, 'your note to its members', 1),
    }),
    async run(a, { hub }) {
      const note = await hub.post({ body: a.note, channel: a.name.trim() });
      return { channel: a.name.trim(), filename: note.filename, subscribed: true };
    },
  });

const wait = defineTool<{ reason: string }>({
  name: 'wait',
  description: 'Do nothing this step (e.g. a job is running); say why.',
  parameters: object({ reason: str(200, 'why you wait') }),
  async run(a) {
    return { waited: true, reason: a.reason };
  },
});

/** Reading and writing the shared record, none of which needs the challenge. */
export function boardTools(known?: KnownNames): AgentTool[] {
  // With no channel to join there is no join_channel: a choice among nothing cannot be offered.
  const join = known && known.channels.length === 0 ? [] : [joinChannelTool(known)];
  return [
    readBoard,
    readInbox,
    postTool(known),
    listWorkspaceTool(known),
    readFileTool(known),
    writeFile,
    readChannels,
    createChannel,
    ...join,
    wait,
  ];
}
