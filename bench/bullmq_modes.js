// BullMQ modes for `make bench` that the shared peer (bullmq_bench.js) lacks, written
// against BullMQ's public API. `scripts/bench` copies this file next to the peer, where
// bullmq 6.7 is installed, and runs it against the bench's private Redis (REDIS_PORT).
//
//   node bullmq_modes.js add <N=20000> <in_flight=64> <concurrency=50>
//     -> N x queue.add() with `in_flight` calls outstanding at once (Execora's
//        `enqueue` is driven the same way), then one Worker drains them
//
// Prints one JSON line shaped like the peer's drain line. Removes its own queue first;
// leaves the drained jobs for the next FLUSHDB (the peer does one per run).
const { Queue, Worker } = require('bullmq');
const { performance } = require('perf_hooks');

const connection = {
  host: '127.0.0.1',
  port: Number(process.env.REDIS_PORT || 6379),
  maxRetriesPerRequest: null,
};
const QNAME = 'bench-add';
const HARD_LIMIT_MS = 300000;
setTimeout(() => { console.error('bullmq_modes: hard timeout'); process.exit(2); }, HARD_LIMIT_MS).unref();

// `inFlight` lanes, each adding one job at a time until N are taken.
async function addInFlight(queue, n, inFlight) {
  let taken = 0;
  const lane = async () => {
    while (taken < n) {
      const i = taken++;
      await queue.add('noop', { i });
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
}

// One Worker at `concurrency` with a processor that does nothing; resolves when n completed.
async function drain(n, concurrency) {
  let done = 0;
  let resolveAll;
  const allDone = new Promise((r) => { resolveAll = r; });
  const worker = new Worker(QNAME, async () => {}, { connection, concurrency });
  worker.on('completed', () => { if (++done === n) resolveAll(); });
  worker.on('failed', (job, err) => { console.error('bullmq_modes: job failed', err); process.exit(1); });
  await allDone;
  await worker.close();
}

async function add(n, inFlight, concurrency) {
  const queue = new Queue(QNAME, { connection });
  await queue.waitUntilReady();
  await queue.obliterate({ force: true });
  const t0 = performance.now();
  await addInFlight(queue, n, inFlight);
  const enqueueS = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  await drain(n, concurrency);
  const drainS = (performance.now() - t1) / 1000;
  await queue.close();
  return {
    lib: 'bullmq', mode: 'drain', enqueue: 'add', in_flight: inFlight, N: n, concurrency,
    enqueue_s: +enqueueS.toFixed(3), enqueue_jobs_per_s: Math.round(n / enqueueS),
    drain_s: +drainS.toFixed(3), drain_jobs_per_s: Math.round(n / drainS),
  };
}

(async () => {
  const [mode, a, b, c] = process.argv.slice(2);
  if (mode !== 'add') throw new Error('usage: bullmq_modes.js add N IN_FLIGHT CONCURRENCY');
  const res = await add(+(a || 20000), +(b || 64), +(c || 50));
  console.log(JSON.stringify(res));
  process.exit(0);
})().catch((e) => { console.error(e); process.exit(1); });
