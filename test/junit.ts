/**
 * Validates a JUnit report against test/schemas/junit.xsd with libxml2's
 * xmllint compiled to WebAssembly (the xmllint-wasm dev dependency), so the
 * suite needs no system xmllint. Returns libxml2's messages, [] when valid.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { validateXML } from "xmllint-wasm";
import { ROOT } from "./helpers.js";

export const JUNIT_XSD = path.join(ROOT, "test", "schemas", "junit.xsd");

export async function junitErrors(xml: string): Promise<string[]> {
  const r = await validateXML({ xml: [{ fileName: "report.xml", contents: xml }], schema: [readFileSync(JUNIT_XSD, "utf8")] });
  return r.valid ? [] : r.errors.map((e) => e.rawMessage);
}
