/**
 * A .safetensors header that the reference refuses is refused here too:
 * sizes and offsets written with a fraction or an exponent (`3.0`, `1e0`;
 * serde reads them as integers) and a BOM before the JSON (red team: both
 * were read). Metadata strings may hold anything.
 */
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { dact, workdir } from "./workdir.js";

function file(header: string, data: Buffer): Buffer {
  const h = Buffer.from(header, "utf8");
  const n = Buffer.alloc(8);
  n.writeBigUInt64LE(BigInt(h.length));
  return Buffer.concat([n, h, data]);
}

const DATA = Buffer.from(new Float64Array([1, -2, 3]).buffer);

describe(".safetensors headers as the reference reads them", () => {
  it.each([
    ["shape 3.0", `{"a":{"dtype":"F64","shape":[3.0],"data_offsets":[0,24]}}`, /header has the number 3\.0; expected integers/],
    ["shape 3e0", `{"a":{"dtype":"F64","shape":[3e0],"data_offsets":[0,24]}}`, /header has the number 3e0; expected integers/],
    ["offset 24.0", `{"a":{"dtype":"F64","shape":[3],"data_offsets":[0,24.0]}}`, /header has the number 24\.0; expected integers/],
    ["a BOM first", `\ufeff{"a":{"dtype":"F64","shape":[3],"data_offsets":[0,24]}}`, /header is not JSON/],
  ])("%s: exit 2, one line, nothing written", (_what, header, message) => {
    const d = workdir();
    writeFileSync(path.join(d, "t.safetensors"), file(header, DATA));
    const r = dact(["relu", "t.safetensors", "-o", "o.safetensors"], { cwd: d });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("numbers inside metadata strings are text, and read", () => {
    const d = workdir();
    writeFileSync(path.join(d, "t.safetensors"), file(`{"__metadata__":{"lr":"3.0e-4"},"a":{"dtype":"F64","shape":[3],"data_offsets":[0,24]}}`, DATA));
    const r = dact(["relu", "t.safetensors", "--to", "csv"], { cwd: d });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });
});
