import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PassThrough, Readable } from "node:stream";
import { crc32 as zlibCrc32 } from "node:zlib";
import { describe, expect, it } from "vitest";
import { ChecksumStream, crc32, isBlob, isReadableStream, isStreamingPayload, readFile } from "../../src/aws/lazy-builtins.js";

/**
 * What the SDK's modules get in place of node:fs/promises, node:zlib and the web streams in the
 * command bundles (scripts/build.mjs, LAZY_SWAPS): the same answers, the built-in loaded on first use.
 * (That a command which uses none of them loads none is checked on the built CLI, in cli-bundle.test.ts.)
 */
describe("the SDK's built-ins loaded on first use (src/aws/lazy-builtins.ts)", () => {
  it("reads a file as node:fs/promises does, and fails as it does", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "noveli-lazy-"));
    try {
      writeFileSync(path.join(dir, "config"), "[default]\nregion = eu-west-1\n");
      expect(await readFile(path.join(dir, "config"), "utf8")).toBe("[default]\nregion = eu-west-1\n");
      await expect(readFile(path.join(dir, "missing"), "utf8")).rejects.toMatchObject({ code: "ENOENT" });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("computes zlib's CRC32, continuing from a value", () => {
    expect(crc32("noveli")).toBe(zlibCrc32("noveli"));
    expect(crc32(Buffer.from("story"), crc32("noveli"))).toBe(zlibCrc32(Buffer.from("story"), zlibCrc32("noveli")));
  });

  it("tells web streams and blobs from Node streams, buffers and strings", () => {
    expect(isReadableStream(new ReadableStream())).toBe(true);
    expect(isReadableStream(Readable.from(["a"]))).toBe(false);
    expect(isReadableStream(new PassThrough())).toBe(false);
    expect(isReadableStream(Buffer.from("a"))).toBe(false);
    expect(isReadableStream("a")).toBe(false);
    expect(isReadableStream(undefined)).toBe(false);
    expect(isReadableStream({})).toBe(false);
    expect(isBlob(new Blob(["a"]))).toBe(true);
    expect(isBlob(Buffer.from("a"))).toBe(false);
    expect(isBlob(undefined)).toBe(false);
  });

  it("tells a request whose body is a stream (which cannot be sent again) from one whose body can", () => {
    expect(isStreamingPayload({ body: Readable.from(["a"]) })).toBe(true);
    expect(isStreamingPayload({ body: new ReadableStream() })).toBe(true);
    expect(isStreamingPayload({ body: "{}" })).toBe(false);
    expect(isStreamingPayload({ body: Buffer.from("{}") })).toBe(false);
    expect(isStreamingPayload({ body: new Uint8Array(2) })).toBe(false);
    expect(isStreamingPayload({})).toBe(false);
    expect(isStreamingPayload(undefined)).toBe(false);
  });

  it("has a ChecksumStream that is a ReadableStream class, for instances made or branded with its prototype", async () => {
    const made = new ChecksumStream({ start: (controller) => (controller.enqueue("chunk"), controller.close()) });
    expect(made).toBeInstanceOf(ReadableStream);
    expect(made).toBeInstanceOf(ChecksumStream);
    expect(isReadableStream(made)).toBe(true);
    const reader = made.getReader();
    expect((await reader.read()).value).toBe("chunk");
    // What createChecksumStream.browser.js does with the readable side of its TransformStream.
    const branded = new TransformStream().readable;
    expect(branded instanceof ChecksumStream).toBe(false);
    Object.setPrototypeOf(branded, ChecksumStream.prototype);
    expect(branded).toBeInstanceOf(ChecksumStream);
    expect(branded).toBeInstanceOf(ReadableStream);
    expect(Object.getPrototypeOf(ChecksumStream.prototype)).toBe(ReadableStream.prototype);
    expect(new ReadableStream() instanceof ChecksumStream).toBe(false);
  });
});
