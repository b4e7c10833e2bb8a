// Streams a Responses API answer and prints the text, the event types seen, the status and the usage.
// Env: BASE_URL, TOKEN, MODEL (gpt-4o-mini), PROMPT.
import { createClient, report, reportError } from './client.mjs';

const client = createClient();
const collected = { text: '', events: [], status: null, usage: null };

try {
  const stream = await client.responses.create({
    model: process.env.MODEL ?? 'gpt-4o-mini',
    input: process.env.PROMPT ?? 'Say hello.',
    stream: true,
  });
  for await (const event of stream) {
    collected.events.push(event.type);
    if (event.type === 'response.output_text.delta') {
      collected.text += event.delta;
    } else if (event.type === 'response.completed') {
      collected.status = event.response.status;
      collected.usage = event.response.usage;
    }
  }
  report(collected);
} catch (error) {
  reportError(error, collected);
}
