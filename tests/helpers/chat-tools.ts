// Tools the chat tests call: schemas the grammar holds fully, so a constrained call must validate against them.
import type { ChatTool } from '../../src/agents/inference/openai-types';

/** One required, bounded string argument: the smallest call a model can make that a schema still checks. */
export const WEATHER: ChatTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'The weather in a city',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string', maxLength: 24 } },
      required: ['city'],
    },
  },
};
