/**
 * A tiny import-graph walker for test/no-cycles.test.ts: the modules a
 * TypeScript file loads when it runs. Static imports, re-exports and
 * dynamic import("…") of relative paths count; type-only imports
 * (`import type`, `export type`, and `import { type A }` whose every name is
 * a type) do not, as TypeScript erases them. Type positions such as
 * `import("./m.js").T` are not imports at all.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import ts from "typescript";

/** Every .ts file under `dir`, as paths relative to `root` with "/". */
export function tsFiles(dir: string, root: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...tsFiles(p, root));
    else if (e.isFile() && e.name.endsWith(".ts") && !e.name.endsWith(".d.ts")) out.push(path.relative(root, p).split(path.sep).join("/"));
  }
  return out.sort();
}

/** The relative modules `file` loads at run time (specifiers as written). */
export function runtimeImports(text: string, file = "x.ts"): string[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const out: string[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isImportDeclaration(n) && ts.isStringLiteral(n.moduleSpecifier)) {
      const c = n.importClause;
      const typeOnly = c !== undefined && (c.isTypeOnly || (!c.name && c.namedBindings !== undefined && ts.isNamedImports(c.namedBindings) && c.namedBindings.elements.length > 0 && c.namedBindings.elements.every((e) => e.isTypeOnly)));
      if (!typeOnly) out.push(n.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(n) && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier)) {
      const typeOnly = n.isTypeOnly || (n.exportClause !== undefined && ts.isNamedExports(n.exportClause) && n.exportClause.elements.length > 0 && n.exportClause.elements.every((e) => e.isTypeOnly));
      if (!typeOnly) out.push(n.moduleSpecifier.text);
    } else if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword && n.arguments[0] && ts.isStringLiteralLike(n.arguments[0])) {
      out.push(n.arguments[0].text);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out.filter((s) => s.startsWith("."));
}

/** The graph of `dir`'s .ts files (paths relative to `root`): each file to the files it loads. */
export function importGraph(dir: string, root: string): Map<string, string[]> {
  const g = new Map<string, string[]>();
  for (const f of tsFiles(dir, root)) {
    const deps = new Set<string>();
    for (const spec of runtimeImports(readFileSync(path.join(root, f), "utf8"), f)) {
      const abs = path.resolve(root, path.dirname(f), spec.replace(/\.js$/, ".ts"));
      if (existsSync(abs)) deps.add(path.relative(root, abs).split(path.sep).join("/"));
    }
    g.set(f, [...deps].sort());
  }
  return g;
}

/**
 * The import circles: one per strongly connected component of more than
 * one file (or a file that imports itself), shown as a path that returns to
 * its start (Tarjan's algorithm, then a shortest way back within the component).
 */
export function circles(g: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const sccs: string[][] = [];
  const strong = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of g.get(v) ?? []) {
      if (!idx.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const c: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        c.push(w);
      } while (w !== v);
      if (c.length > 1 || (g.get(v) ?? []).includes(v)) sccs.push(c.sort());
    }
  };
  for (const v of [...g.keys()].sort()) if (!idx.has(v)) strong(v);
  return sccs.map((c) => {
    const inC = new Set(c);
    const start = c[0]!;
    // Breadth-first from start's successors back to start, inside the component.
    const prev = new Map<string, string>();
    const queue = [start];
    while (queue.length) {
      const v = queue.shift()!;
      for (const w of g.get(v) ?? []) {
        if (!inC.has(w) || prev.has(w)) continue;
        prev.set(w, v);
        if (w === start) {
          queue.length = 0;
          break;
        }
        queue.push(w);
      }
    }
    return cycleFrom(start, prev);
  });
}

function cycleFrom(start: string, prev: Map<string, string>): string[] {
  const back: string[] = [start];
  for (let v = prev.get(start)!; v !== start; v = prev.get(v)!) back.push(v);
  back.push(start);
  return back.reverse();
}
