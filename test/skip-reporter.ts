/**
 * Lists, at the end of a run, every test that was skipped and why (the
 * note given to ctx.skip by test/machine.ts's needs()), so a machine that
 * lacks a tool shows what went unchecked instead of passing quietly.
 */
import type { Reporter, TestModule } from "vitest/node";

export default class SkipReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const lines: string[] = [];
    for (const m of modules) {
      for (const t of m.children.allTests()) {
        const r = t.result();
        if (r.state === "skipped" && r.note) lines.push(`  ${m.moduleId.replace(process.cwd() + "/", "")} > ${t.fullName}: ${r.note}`);
      }
    }
    if (lines.length) process.stdout.write(`\nSkipped for want of something on this machine (${lines.length}):\n${lines.join("\n")}\n`);
  }
}
