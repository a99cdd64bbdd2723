import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { unzipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { contentDigest } from "../../src/package/lambda.js";
import { deterministicZip } from "../../src/package/zip.js";

const text = (value: string) => Buffer.from(value, "utf8");
const entries = () => [
  { name: "index.js", data: text("export const handler = async () => ({ statusCode: 200 });\n".repeat(50)) },
  { name: "package.json", data: text('{"type":"module"}\n') },
  { name: "chunks/b-XYZ.js", data: text("export const b = 2;") },
  { name: "chunks/a-ABC.js", data: text("export const a = 1;".repeat(100)) },
];

/** The central directory records, read back from the archive bytes. */
function centralRecords(zip: Buffer) {
  const end = zip.length - 22;
  expect(zip.readUInt32LE(end)).toBe(0x06054b50);
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const records = [];
  for (let i = 0; i < count; i++) {
    expect(zip.readUInt32LE(at)).toBe(0x02014b50);
    const nameLength = zip.readUInt16LE(at + 28);
    records.push({
      madeBy: zip.readUInt16LE(at + 4),
      method: zip.readUInt16LE(at + 10),
      time: zip.readUInt16LE(at + 12),
      date: zip.readUInt16LE(at + 14),
      externalAttributes: zip.readUInt32LE(at + 38),
      name: zip.toString("utf8", at + 46, at + 46 + nameLength),
    });
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return records;
}

describe("deterministicZip", () => {
  it("gives the same bytes for the same entries in any order", () => {
    const one = deterministicZip(entries()).bytes;
    const two = deterministicZip([...entries()].reverse()).bytes;
    expect(two.equals(one)).toBe(true);
  });

  it("sorts entries, pins timestamps to 1980-01-01 and permissions to a 0644 file made on Unix", () => {
    const records = centralRecords(deterministicZip(entries()).bytes);
    expect(records.map((r) => r.name)).toEqual(["chunks/a-ABC.js", "chunks/b-XYZ.js", "index.js", "package.json"]);
    for (const record of records) {
      expect(record.time).toBe(0);
      expect(record.date).toBe((0 << 9) | (1 << 5) | 1);
      expect(record.externalAttributes >>> 16).toBe(0o100644);
      expect(record.madeBy >> 8).toBe(3);
    }
    // Compressible entries are deflated; one that would grow is stored.
    expect(records.find((r) => r.name === "chunks/a-ABC.js")!.method).toBe(8);
    expect(records.find((r) => r.name === "package.json")!.method).toBe(0);
  });

  it("round-trips through an independent reader and the system unzip", () => {
    const { bytes, entries: infos } = deterministicZip(entries());
    const read = unzipSync(new Uint8Array(bytes));
    for (const entry of entries()) expect(Buffer.from(read[entry.name]!).equals(entry.data)).toBe(true);
    expect(infos.map((i) => i.name)).toEqual(Object.keys(read).sort());
    const dir = mkdtempSync(path.join(tmpdir(), "noveli-zip-"));
    try {
      const file = path.join(dir, "t.zip");
      writeFileSync(file, bytes);
      expect(execFileSync("unzip", ["-tq", file], { encoding: "utf8" })).toMatch(/No errors detected/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("changes when any byte of any entry changes", () => {
    const base = deterministicZip(entries()).bytes;
    const changed = entries();
    changed[2] = { name: "chunks/b-XYZ.js", data: text("export const b = 3;") };
    expect(deterministicZip(changed).bytes.equals(base)).toBe(false);
  });

  it("refuses unsafe or duplicate names", () => {
    expect(() => deterministicZip([{ name: "../evil.js", data: text("") }])).toThrow(/invalid zip entry/);
    expect(() => deterministicZip([{ name: "/abs.js", data: text("") }])).toThrow(/invalid zip entry/);
    expect(() => deterministicZip([{ name: "a\\b.js", data: text("") }])).toThrow(/invalid zip entry/);
    expect(() => deterministicZip([{ name: "x.js", data: text("1") }, { name: "x.js", data: text("2") }])).toThrow(/duplicate/);
  });
});

describe("contentDigest", () => {
  it("depends on names and contents, not on order", () => {
    expect(contentDigest(entries())).toBe(contentDigest([...entries()].reverse()));
    expect(contentDigest(entries())).not.toBe(contentDigest(entries().map((e) => (e.name === "index.js" ? { ...e, name: "main.js" } : e))));
  });
});
