/** `npm run bench`: figures measured side by side in one run, on loopback, stopping by themselves. */
import { spawnBridge } from './bridge-process';
import { measureNoopRoundTrip } from './noop-roundtrip';
import { ms } from './stats';

const bridge = await spawnBridge();
try {
  console.log('NOOP round trip: typed in the browser protocol (WebSocket -> bridge -> server) vs direct TCP');
  const { direct, webSocket } = await measureNoopRoundTrip(bridge);
  const ratio50 = webSocket.p50 / direct.p50;
  const ratio99 = webSocket.p99 / direct.p99;
  console.table({
    'direct TCP': { samples: direct.count, p50: ms(direct.p50), p99: ms(direct.p99), mean: ms(direct.mean) },
    'via WebSocket': { samples: webSocket.count, p50: ms(webSocket.p50), p99: ms(webSocket.p99), mean: ms(webSocket.mean) },
  });
  console.log(`ratio p50: ${ratio50.toFixed(2)} (goal <= 2.5)  ratio p99: ${ratio99.toFixed(2)}`);
  console.log(`p99 via WebSocket: ${ms(webSocket.p99)} (goal < 1 ms)`);
  console.log(
    `goals: ratio p50 ${ratio50 <= 2.5 ? 'met' : 'NOT met'}, p99 ${webSocket.p99 < 1 ? 'met' : 'NOT met'}`,
  );
} finally {
  await bridge.stop();
}
