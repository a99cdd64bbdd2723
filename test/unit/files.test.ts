import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeFileAtomically } from "../../src/system/files.js";

const dir = mkdtempSync(path.join(tmpdir(), "noveli-files-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("writeFileAtomically", () => {
  it("writes a new file and replaces an old one whole, with nothing left beside it", () => {
    const file = path.join(dir, "record.json");
    writeFileAtomically(file, "first\n");
    writeFileAtomically(file, Buffer.from("second\n"));
    expect(readFileSync(file, "utf8")).toBe("second\n");
    expect(readdirSync(dir)).toEqual(["record.json"]);
  });

  it("a write that cannot be renamed into place fails, keeps what was there, and removes what it wrote", () => {
    const sub = mkdtempSync(path.join(dir, "blocked-"));
    const target = path.join(sub, "taken");
    mkdirSync(path.join(target, "inside"), { recursive: true }); // a folder with something in it: rename cannot replace it
    expect(() => writeFileAtomically(target, "text")).toThrow();
    expect(existsSync(path.join(target, "inside"))).toBe(true);
    expect(readdirSync(sub)).toEqual(["taken"]);
  });
});
