// The agent's tools for talking and sharing: board, inbox, posts, workspace files, taskforces, and waiting.
import type { MessageBody } from '../../shared/api';
import type { HubFile } from '../../shared/hub-client';
import { object, oneOfValues, str, type JsonSchema } from './json-schema';
import { defineTool, excerpt, optional, recordSummary, records, type AgentTool } from './tool';

const LIMIT = oneOfValues([5, 10, 20] as const, 'how many, newest first');
type Limit = 5 | 10 | 20;
const FILENAME = 120;
const CHANNEL = str(64, 'a taskforce name; "" for none');
const AREA = oneOfValues(
  ['scratch', 'central'] as const,
  "scratch: an agent's own folder; central: the shared folder the hub writes",
);
const FILE_TEXT_CHARS = 1200;
const LISTED_ENTRIES = 40;

const readBoard = defineTool<{ channel: string; limit: Limit }>({
  name: 'read_board',
  description: 'Read the newest messages on the board, or of one taskforce channel.',
  parameters: object({
    channel: str(64, 'a taskforce name to read only its channel; "" for every message'),
    limit: LIMIT,
  }),
  async run(a, { hub }) {
    const channel = optional(a.channel);
    const page = await hub.messages({ expand: true, limit: a.limit, ...(channel ? { channel } : {}) });
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
  messages: string[];
  results: string[];
}

const choice = (values: string[], description: string, free: JsonSchema): JsonSchema =>
  values.length ? oneOfValues(['', ...values], description) : free;

const postTool = (known?: KnownNames) =>
  defineTool<{ body: string; channel: string; reply_to: string; refs: string[] }>({
    name: 'post',
    description:
      "Post a message. Write @agent-id in the body to reach that agent's inbox. refs cite messages or results by filename.",
    parameters: object({
      body: str(1000, 'the message text', 1),
      channel: known
        ? choice(known.channels, 'a taskforce channel; "" for the main board', str(0, 'no taskforce exists yet: ""'))
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

const listWorkspace = defineTool<{ area: 'scratch' | 'central'; agent: string; path: string }>({
  name: 'list_workspace',
  description: "List files: your scratch folder, another agent's, or the central folder.",
  parameters: object({
    area: AREA,
    agent: str(40, 'whose scratch folder; "" for yours (ignored for central)'),
    path: str(300, 'a folder inside it; "" for all of it'),
  }),
  async run(a, { hub, agentId }) {
    const path = optional(a.path) ?? '';
    const agent = optional(a.agent) ?? agentId;
    const listing = a.area === 'central' ? await hub.listCentral(path, true) : await hub.listScratch(agent, path, true);
    const files = listing.entries.filter((e) => e.type === 'file');
    return {
      folder: `${listing.root}${listing.path}`,
      files: files.slice(0, LISTED_ENTRIES).map((e) => ({ path: e.path, bytes: e.bytes })),
      ...(files.length > LISTED_ENTRIES ? { more: files.length - LISTED_ENTRIES } : {}),
    };
  },
});

const readFile = defineTool<{ area: 'scratch' | 'central'; agent: string; path: string }>({
  name: 'read_file',
  description: "Read a text file from a scratch folder (yours or another agent's) or from the central folder.",
  parameters: object({
    area: AREA,
    agent: str(40, 'whose scratch folder; "" for yours (ignored for central)'),
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

const readTaskforces = defineTool<{ limit: Limit }>({
  name: 'read_taskforces',
  description: 'List the taskforces (channels), most recently active first.',
  parameters: object({ limit: LIMIT }),
  async run(a, { hub }) {
    const list = await hub.taskforces({ limit: a.limit });
    return {
      count: list.count,
      taskforces: list.items.map((t) => ({
        name: t.name,
        creator: t.creator,
        notes: t.note_count,
        contributors: t.contributors.length,
        readme: excerpt(t.readme_excerpt),
      })),
    };
  },
});

const createTaskforce = defineTool<{ name: string; readme: string }>({
  name: 'create_taskforce',
  description: 'Create a taskforce: a channel for agents working on one idea, with a README saying what it is for.',
  parameters: object({
    name: str(40, 'lowercase letters, digits and "-", e.g. draft-depth', 1),
    readme: str(1500, 'what the taskforce works on and how to help', 1),
  }),
  async run(a, { hub }) {
    const created = await hub.createTaskforce({ name: a.name.trim(), body: a.readme });
    return { name: created.name, created: created.created, channel: created.name };
  },
});

const joinTaskforceTool = (known?: KnownNames) =>
  defineTool<{ name: string; note: string }>({
    name: 'join_taskforce',
    description: 'Join a taskforce by posting a note in its channel (what you will do there).',
    parameters: object({
      name: known?.channels.length ? oneOfValues(known.channels, 'the taskforce') : str(40, 'the taskforce name', 1),
      note: str(1000, 'your note to its members', 1),
    }),
    async run(a, { hub }) {
      const note = await hub.postTaskforceNote(a.name.trim(), { body: a.note });
      return { taskforce: a.name.trim(), filename: note.filename };
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
  // With no taskforce to join there is no join_taskforce: a choice among nothing cannot be offered.
  const join = known && known.channels.length === 0 ? [] : [joinTaskforceTool(known)];
  return [
    readBoard,
    readInbox,
    postTool(known),
    listWorkspace,
    readFile,
    writeFile,
    readTaskforces,
    createTaskforce,
    ...join,
    wait,
  ];
}
