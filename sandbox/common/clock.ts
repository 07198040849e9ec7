/**
 * The simulators' notion of time. Tests and the demo advance it instead of
 * waiting on the wall clock (PRODUCT.md, Time): `now()` is the real time plus
 * an offset that `advance()` grows, or a frozen instant when `freeze()` was
 * called.
 */
export class SimClock {
  private offset = 0;
  private frozenAt: number | undefined;

  constructor(options: { start?: number; frozen?: boolean } = {}) {
    if (options.start !== undefined) this.offset = options.start - Date.now();
    if (options.frozen) this.freeze();
  }

  now(): number {
    return this.frozenAt ?? Date.now() + this.offset;
  }

  /** Moves simulated time forward by `ms` milliseconds. */
  advance(ms: number): number {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`cannot advance the clock by ${ms} ms`);
    if (this.frozenAt !== undefined) this.frozenAt += ms;
    else this.offset += ms;
    return this.now();
  }

  /** Stops time where it is (until `thaw`). */
  freeze(): void {
    this.frozenAt = this.now();
  }

  thaw(): void {
    if (this.frozenAt === undefined) return;
    this.offset = this.frozenAt - Date.now();
    this.frozenAt = undefined;
  }
}
