// Streams a chat completion and prints the text, the chunk count, the finish reason and the usage.
// Env: BASE_URL, TOKEN, MODEL (gpt-4o-mini), PROMPT, INCLUDE_USAGE ("true" asks for the usage chunk).
import { createClient, report, reportError } from './client.mjs';

const client = createClient();
const includeUsage = (process.env.INCLUDE_USAGE ?? 'true') === 'true';
const collected = { text: '', chunks: 0, finishReason: null, usage: null };

try {
  const stream = await client.chat.completions.create({
    model: process.env.MODEL ?? 'gpt-4o-mini',
    messages: [{ role: 'user', content: process.env.PROMPT ?? 'Say hello.' }],
    stream: true,
    ...(includeUsage ? { stream_options: { include_usage: true } } : {}),
  });
  for await (const chunk of stream) {
    collected.chunks += 1;
    for (const choice of chunk.choices) {
      collected.text += choice.delta?.content ?? '';
      collected.finishReason = choice.finish_reason ?? collected.finishReason;
    }
    if (chunk.usage) {
      collected.usage = chunk.usage;
    }
  }
  report(collected);
} catch (error) {
  reportError(error, collected);
}
