/**
 * Global setup: the suite must leave nothing in the system temp folder.
 * The teardown compares the dact-made entries (dact-*, .dact-*) with those
 * there before the run, and fails the run on any left behind.
 */
import { readdirSync } from "node:fs";
import { tmpdir } from "node:os";

const ours = () => new Set(readdirSync(tmpdir()).filter((f) => f.startsWith("dact") || f.startsWith(".dact")));
let before = new Set<string>();

export function setup(): void {
  before = ours();
}

export function teardown(): void {
  const left = [...ours()].filter((f) => !before.has(f));
  if (left.length) throw new Error(`the tests left ${left.length} entries in ${tmpdir()}: ${left.slice(0, 10).join(", ")}`);
}
