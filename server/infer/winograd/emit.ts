/**
 * A minimal WebAssembly binary writer: just what the Winograd convolution kernel (kernel.ts) needs — i32 scalar
 * code, structured control flow, 128-bit SIMD loads/stores/arithmetic (with the relaxed-SIMD fused multiply-add
 * when the engine has it) and one imported shared memory. Generating the module in TypeScript keeps the kernel
 * in the repository as source, with no C toolchain or WAT assembler at build or run time.
 */

export type ValType = 'i32' | 'v128';
const VALTYPE: Readonly<Record<ValType, number>> = { i32: 0x7f, v128: 0x7b };

function uleb(n: number, out: number[]): void {
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
}

function sleb(n: number, out: number[]): void {
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return;
    }
    out.push(b | 0x80);
  }
}

function name(s: string, out: number[]): void {
  const bytes = Buffer.from(s, 'utf8');
  uleb(bytes.length, out);
  out.push(...bytes);
}

function section(id: number, content: number[], out: number[]): void {
  out.push(id);
  uleb(content.length, out);
  out.push(...content);
}

/** A function body under construction: locals, then instructions appended in order. */
export class FunctionBody {
  readonly code: number[] = [];
  private readonly extraLocals: ValType[] = [];

  constructor(readonly params: readonly ValType[], readonly results: readonly ValType[] = []) {}

  /** A new local of `type`; returns its index. */
  local(type: ValType): number {
    this.extraLocals.push(type);
    return this.params.length + this.extraLocals.length - 1;
  }

  get(i: number): this { return this.op(0x20).u(i); }
  set(i: number): this { return this.op(0x21).u(i); }
  tee(i: number): this { return this.op(0x22).u(i); }
  i32(n: number): this { this.code.push(0x41); sleb(n | 0, this.code); return this; }
  add(): this { return this.op(0x6a); }
  sub(): this { return this.op(0x6b); }
  mul(): this { return this.op(0x6c); }
  and(): this { return this.op(0x71); }
  divU(): this { return this.op(0x6e); }
  ltS(): this { return this.op(0x48); }
  geS(): this { return this.op(0x4e); }
  ltU(): this { return this.op(0x49); }
  select(): this { return this.op(0x1b); }
  /** select on v128 operands (typed select). */
  selectV128(): this { return this.op(0x1c, 0x01, 0x7b); }
  shrS(): this { return this.op(0x75); }
  call(fn: number): this { return this.op(0x10).u(fn); }
  block(): this { return this.op(0x02, 0x40); }
  loop(): this { return this.op(0x03, 0x40); }
  if(): this { return this.op(0x04, 0x40); }
  end(): this { return this.op(0x0b); }
  br(depth: number): this { return this.op(0x0c).u(depth); }
  brIf(depth: number): this { return this.op(0x0d).u(depth); }

  /** v128.load at the address on the stack plus a constant byte offset. */
  load(offset = 0): this { return this.simd(0x00).u(4).u(offset); }
  /** v128.load32_splat: one f32 broadcast to four lanes. */
  loadSplat(offset = 0): this { return this.simd(0x09).u(2).u(offset); }
  /** v128.store: address, value on the stack. */
  store(offset = 0): this { return this.simd(0x0b).u(4).u(offset); }
  zero(): this { this.simd(0x0c); for (let i = 0; i < 16; i++) this.code.push(0); return this; }
  /** i32x4.splat: the i32 on the stack in four lanes (f32 bit patterns). */
  splatI32(): this { return this.simd(0x11); }
  fadd(): this { return this.simd(0xe4); }
  fsub(): this { return this.simd(0xe5); }
  fmul(): this { return this.simd(0xe6); }
  fmax(): this { return this.simd(0xe9); }
  /**
   * acc += a·b with a, b, acc locals: f32x4.relaxed_madd (one FMA where the CPU has it) when `fused`, else
   * f32x4.mul then f32x4.add.
   */
  maddInto(acc: number, a: number, b: number, fused: boolean): this {
    if (fused) return this.get(a).get(b).get(acc).simd(0x105).set(acc);
    return this.get(acc).get(a).get(b).fmul().fadd().set(acc);
  }

  private op(...bytes: number[]): this { this.code.push(...bytes); return this; }
  private u(n: number): this { uleb(n, this.code); return this; }
  private simd(op: number): this { this.code.push(0xfd); uleb(op, this.code); return this; }

  /** The encoded body: local declarations (run-length by type) then the code and `end`. */
  encode(): number[] {
    const runs: [number, ValType][] = [];
    for (const t of this.extraLocals) {
      const last = runs[runs.length - 1];
      if (last != null && last[1] === t) last[0]++;
      else runs.push([1, t]);
    }
    const body: number[] = [];
    uleb(runs.length, body);
    for (const [count, t] of runs) {
      uleb(count, body);
      body.push(VALTYPE[t]);
    }
    body.push(...this.code, 0x0b);
    const out: number[] = [];
    uleb(body.length, out);
    out.push(...body);
    return out;
  }
}

export interface ExportedFunction {
  readonly name: string | null;
  readonly body: FunctionBody;
}

/**
 * A module importing `env.memory` and defining `functions` in order (a body calls another by its index in this
 * list); the named ones are exported. A shared memory is declared with 65536 pages (4 GiB) at most, the wasm32
 * limit, so any shared memory matches; an unshared one with no maximum.
 */
export function encodeModule(functions: readonly ExportedFunction[], sharedMemory: boolean): Uint8Array<ArrayBuffer> {
  const out: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  const types: string[] = [];
  const typeBytes: number[] = [];
  const typeOf = functions.map(({ body }) => {
    const key = `${body.params.join(',')}->${body.results.join(',')}`;
    let i = types.indexOf(key);
    if (i < 0) {
      i = types.push(key) - 1;
      typeBytes.push(0x60);
      uleb(body.params.length, typeBytes);
      for (const p of body.params) typeBytes.push(VALTYPE[p]);
      uleb(body.results.length, typeBytes);
      for (const r of body.results) typeBytes.push(VALTYPE[r]);
    }
    return i;
  });
  const typeSection: number[] = [];
  uleb(types.length, typeSection);
  typeSection.push(...typeBytes);
  section(1, typeSection, out);

  const importSection: number[] = [1];
  name('env', importSection);
  name('memory', importSection);
  if (sharedMemory) {
    importSection.push(0x02, 0x03); // memory; limits: minimum, maximum, shared
    uleb(1, importSection);
    uleb(65536, importSection);
  } else {
    importSection.push(0x02, 0x00); // memory; limits: minimum only
    uleb(1, importSection);
  }
  section(2, importSection, out);

  const functionSection: number[] = [];
  uleb(functions.length, functionSection);
  for (const t of typeOf) uleb(t, functionSection);
  section(3, functionSection, out);

  const exported = functions.map((f, i) => [f.name, i] as const).filter((e): e is readonly [string, number] => e[0] != null);
  const exportSection: number[] = [];
  uleb(exported.length, exportSection);
  for (const [n, i] of exported) {
    name(n, exportSection);
    exportSection.push(0x00);
    uleb(i, exportSection);
  }
  section(7, exportSection, out);

  const codeSection: number[] = [];
  uleb(functions.length, codeSection);
  for (const f of functions) codeSection.push(...f.body.encode());
  section(10, codeSection, out);
  return new Uint8Array(out);
}
