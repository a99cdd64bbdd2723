/**
 * What six of the SDK's modules get in noveli's command bundles in place of a Node built-in they
 * need only on some paths (scripts/build.mjs, LAZY_SWAPS, points their import here or makes the
 * module a re-export of what is here): the built-in loads the first time it is used, not with the
 * module. A command that reads no ~/.aws file (none does on the embedded emulator), computes no
 * CRC32 and meets no web stream then loads none of them: node:fs/promises (with the readline it
 * brings), node:zlib and Node's web streams, about 4 ms of every start on this machine. What each
 * does when used is the built-in's own.
 */

import { Readable } from "node:stream";

type FsPromises = typeof import("node:fs/promises");

/** shared-ini-file-loader's readFile.js and getSSOTokenFromFile.js import `readFile` of node:fs/promises. */
export const readFile = ((...args: Parameters<FsPromises["readFile"]>) => process.getBuiltinModule("node:fs/promises").readFile(...args)) as FsPromises["readFile"];

/** checksum/crc32/Crc32Node.js imports node:zlib as a namespace for its `crc32` (Node 20.15 and later have it). */
export function crc32(data: string | NodeJS.ArrayBufferView, value?: number): number {
  return process.getBuiltinModule("node:zlib").crc32(data, value);
}

/**
 * util-stream's ChecksumStream.browser.js: a class extending the global ReadableStream, whose first
 * read loads Node's web streams. Here the class is made when it is first used (constructed, or its
 * prototype read, as createChecksumStream.browser.js does to brand the stream it returns).
 */
let checksumStream: typeof ReadableStream | undefined;
function realChecksumStream(): typeof ReadableStream {
  return (checksumStream ??= class ChecksumStream extends (ReadableStream as new () => ReadableStream) {} as typeof ReadableStream);
}
export const ChecksumStream: typeof ReadableStream = new Proxy(function ChecksumStream() {} as unknown as typeof ReadableStream, {
  construct: (_target, args, newTarget) => Reflect.construct(realChecksumStream(), args, newTarget === ChecksumStream ? realChecksumStream() : newTarget) as object,
  get: (_target, key) => Reflect.get(realChecksumStream(), key) as unknown,
  getPrototypeOf: () => Reflect.getPrototypeOf(realChecksumStream()),
});

/**
 * util-stream's stream-type-check.js, which the SDK asks of every response body: whether it is a
 * web ReadableStream (or a Blob). Its first question read the global ReadableStream, and with it
 * loaded Node's web streams, for every command. A Node stream (what the HTTP handler returns), a
 * buffer or a string is none, answered here without reading it; anything else is asked as before.
 */
export function isReadableStream(stream: unknown): boolean {
  if (stream instanceof Readable || neverWebStream(stream)) return false;
  return typeof ReadableStream === "function" && ((stream as { constructor?: { name?: string } }).constructor?.name === ReadableStream.name || stream instanceof ReadableStream);
}

export function isBlob(blob: unknown): boolean {
  return typeof Blob === "function" && ((blob as { constructor?: { name?: string } } | undefined)?.constructor?.name === Blob.name || blob instanceof Blob);
}

/**
 * retry's isStreamingPayload.js, which the retry middleware asks of a request after every error
 * answer (a 404 among them): whether its body is a stream, which it cannot send again. Its second
 * question read the global ReadableStream; a request body that is absent, a string, a buffer or a
 * Node stream is answered here without reading it.
 */
export function isStreamingPayload(request: { body?: unknown } | undefined): boolean {
  const body = request?.body;
  if (body instanceof Readable) return true;
  if (neverWebStream(body)) return false;
  return typeof ReadableStream !== "undefined" && body instanceof ReadableStream;
}

/** Pure: nothing, a string or bytes, which no web stream is (asked without reading the global). */
function neverWebStream(value: unknown): boolean {
  return value === null || value === undefined || typeof value === "string" || value instanceof Uint8Array;
}
