// The known calls the Analytics browser tests check numbers against, relative to `now`:
// - qwen-plus (llm): 120 calls, one every 10 minutes from 1 minute ago; every tenth fails (500);
//   users u0, u1, u2 in turn, app checkout for the newest 60 and search for the rest, tag
//   `even` on every second one.
// - wan-image (image): 24 calls, one every 50 minutes from 3 minutes ago; 1 image each.
// - cosy-voice (speech): 10 calls, one every 100 minutes from 7 minutes ago; 500 characters each.
// Last 24 h: 154 calls. Last 6 h: 36 + 8 + 4 = 48 calls (the nearest calls outside are at
// least 9 minutes past the 6-hour edge, so a slow test run cannot move them).
const MINUTE = 60_000;

export const COUNTS = { day: 154, sixHours: 48, qwenDay: 120, qwenSixHours: 36 };

export function knownCalls(now: number) {
  const calls: object[] = [];
  for (let k = 0; k < 120; k++) {
    calls.push({
      request_id: `qwen-${k}`,
      timestamp: now - (k * 10 + 1) * MINUTE,
      model: 'qwen-plus',
      status: k % 10 === 0 ? 500 : 200,
      latency_ms: 800 + k,
      ttft_ms: 200,
      stream: true,
      usage: { input_tokens: 1000, output_tokens: 100 },
      metadata: { user: `u${k % 3}`, app: k < 60 ? 'checkout' : 'search', tags: k % 2 === 0 ? ['even'] : [] },
    });
  }
  for (let k = 0; k < 24; k++) {
    calls.push({
      request_id: `image-${k}`,
      timestamp: now - (k * 50 + 3) * MINUTE,
      model: 'wan-image',
      model_kind: 'image',
      status: 200,
      latency_ms: 5000,
      usage: { images: 1 },
    });
  }
  for (let k = 0; k < 10; k++) {
    calls.push({
      request_id: `voice-${k}`,
      timestamp: now - (k * 100 + 7) * MINUTE,
      model: 'cosy-voice',
      model_kind: 'speech',
      status: 200,
      latency_ms: 900,
      usage: { characters: 500 },
    });
  }
  return calls;
}
