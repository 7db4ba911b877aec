/**
 * What the machine has, for tests that need more than Node: root, or a
 * system tool (script, setpriv, mount, man). A test that needs what is
 * missing is skipped visibly: `needs(ctx, "root", "setpriv")` marks it
 * skipped with the reason, and test/skip-reporter.ts lists every such
 * skip and its reason at the end of the run. Never `if (ok) expect(...)`.
 */
import { accessSync, constants } from "node:fs";
import * as path from "node:path";
import type { TestContext } from "vitest";

export const isRoot = process.getuid?.() === 0;

/** Whether an executable of that name is on PATH (no `which`: it may be missing too). */
export function hasCommand(name: string): boolean {
  for (const dir of (process.env["PATH"] ?? "").split(path.delimiter)) {
    if (!dir) continue;
    try {
      accessSync(path.join(dir, name), constants.X_OK);
      return true;
    } catch {
      // not in this folder
    }
  }
  return false;
}

/** The reason a test needing these cannot run here, or undefined when it can. */
export function lacking(...needs: string[]): string | undefined {
  const missing = needs.filter((n) => (n === "root" ? !isRoot : !hasCommand(n)));
  if (!missing.length) return undefined;
  return `needs ${missing.map((n) => (n === "root" ? "root" : `${n}(1) on PATH`)).join(" and ")}, which this machine lacks`;
}

/** Skips the running test, with its reason, when the machine lacks any of `needs`. */
export function needs(ctx: TestContext, ...what: string[]): void {
  const why = lacking(...what);
  if (why) ctx.skip(why);
}
