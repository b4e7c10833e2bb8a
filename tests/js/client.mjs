// Shared by the scripts: the client the way a team would build it, and one JSON line out.
import OpenAI from 'openai';

/** An OpenAI client on BASE_URL/v1 with TOKEN (or `token`); no retries, so errors are seen as they are. */
export function createClient(token = required('TOKEN')) {
  const baseUrl = required('BASE_URL').replace(/\/+$/, '');
  return new OpenAI({
    baseURL: `${baseUrl}/v1`,
    apiKey: token,
    maxRetries: 0,
    timeout: Number(process.env.TIMEOUT_MS ?? 60000),
  });
}

/** Prints the result as one JSON line on stdout. */
export function report(result) {
  console.log(JSON.stringify({ ok: true, ...result }));
}

/** Prints the SDK's error (its class name is what a team's code would catch) and exits 1. */
export function reportError(error, partial = {}) {
  console.log(JSON.stringify({
    ok: false,
    ...partial,
    error: {
      name: error?.constructor?.name ?? typeof error,
      status: error?.status ?? null,
      type: error?.type ?? null,
      code: error?.code ?? null,
      message: String(error?.message ?? error),
    },
  }));
  process.exitCode = 1;
}

export function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`${name} is not set`);
    process.exit(2);
  }
  return value;
}
