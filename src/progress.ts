/** Progress bars on stderr (cli-progress), loaded only when one is shown. */

export interface ByteProgress {
  update(read: number, total: number): void;
  stop(): void;
}

/**
 * A bytes/rate/ETA bar. Unless forced (--progress), it starts only once the
 * input is large enough to take about a second.
 */
export async function byteProgress(forced: boolean): Promise<ByteProgress> {
  const { SingleBar, Presets } = (await import("cli-progress")).default;
  let bar: InstanceType<typeof SingleBar> | null = null;
  const started = Date.now();
  return {
    update(read, total) {
      if (!bar) {
        if (!forced && total < 32 * 1024 * 1024 && Date.now() - started < 1000) return;
        // stdin has no size: then only bytes and rate.
        const format = total > 0 ? "dact [{bar}] {percentage}% | {value}/{total} MB | {rate} MB/s | ETA {eta}s" : "dact {value} MB read | {rate} MB/s";
        bar = new SingleBar({ stream: process.stderr, format, hideCursor: false, noTTYOutput: true, notTTYSchedule: 1000 }, Presets.shades_classic);
        bar.start(Math.max(1, Math.round(total / 1e6)), 0, { rate: "0" });
      }
      const secs = Math.max(1e-3, (Date.now() - started) / 1000);
      bar.update(Math.round(read / 1e6), { rate: (read / 1e6 / secs).toFixed(0) });
    },
    stop() {
      bar?.stop();
    },
  };
}

/** A files-done bar for batch mode. */
export async function fileProgress(total: number): Promise<{ update(n: number): void; stop(): void }> {
  const { SingleBar, Presets } = (await import("cli-progress")).default;
  const b = new SingleBar({ stream: process.stderr, format: "dact [{bar}] {value}/{total} files", noTTYOutput: true, notTTYSchedule: 1000 }, Presets.shades_classic);
  b.start(total, 0);
  return { update: (n) => b.update(n), stop: () => b.stop() };
}
