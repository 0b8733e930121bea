/**
 * A Winograd worker thread (see runtime.ts): instantiates the kernel on the shared heap, then for every job
 * (SEQ bumped) runs its slot's `conv` arguments and counts itself DONE. It never touches the event loop while
 * waiting (Atomics.wait), so the owner unrefs it and the process exits without it.
 */
import { workerData } from 'node:worker_threads';
import { CONTROL, KERNELS, type ThreadData } from './control';
import { wasmApi } from './wasmApi';

const data = workerData as ThreadData;
const instance = new wasmApi.Instance(data.module, { env: { memory: data.memory } });
const kernels = KERNELS.map((name) => instance.exports[name] as (...args: number[]) => void);
const ctrl = new Int32Array(data.memory.buffer, data.control, CONTROL.words(data.slots));
const base = CONTROL.args + data.slot * CONTROL.argCount;
let seen = Atomics.load(ctrl, CONTROL.seq);
Atomics.add(ctrl, CONTROL.ready, 1);
for (;;) {
  Atomics.wait(ctrl, CONTROL.seq, seen);
  seen = Atomics.load(ctrl, CONTROL.seq);
  if (Atomics.load(ctrl, CONTROL.stop) !== 0) break;
  if (ctrl[base + 1] !== 0) {
    // a slot without rows in this job (a short image) only counts itself done
    try {
      kernels[ctrl[base]](...Array.from(ctrl.subarray(base + 2, base + CONTROL.argCount)));
    } catch {
      Atomics.store(ctrl, CONTROL.failed, 1);
    }
  }
  Atomics.add(ctrl, CONTROL.done, 1);
  Atomics.notify(ctrl, CONTROL.done);
}
