import { deflateSync } from "fflate";
import { crc32 } from "node:zlib";

/**
 * A deterministic ZIP writer: the same entries always give the same bytes, on any machine and any
 * Node version, so the Lambda package's SHA-256 (Terraform's `source_code_hash`, Lambda's
 * `CodeSha256`) changes only when the code does.
 *
 * - entries sorted by name (byte order), no directory entries;
 * - every timestamp the DOS epoch (1980-01-01 00:00), no extra fields, no comments;
 * - permissions fixed to a regular file, 0644, made on Unix;
 * - DEFLATE from fflate (pure JavaScript, pinned): Node's zlib output can differ between zlib
 *   builds, fflate's depends only on its own version. An entry that does not shrink is stored.
 */

export interface ZipEntry {
  /** Forward-slash path inside the archive, relative, no `..`. */
  name: string;
  data: Uint8Array;
}

export interface ZipEntryInfo {
  name: string;
  sizeBytes: number;
  compressedBytes: number;
  method: "deflate" | "store";
  crc32: number;
}

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL = 0x06054b50;
const VERSION_NEEDED = 20;
const VERSION_MADE_BY = (3 << 8) | VERSION_NEEDED; // Unix, ZIP 2.0
const FLAG_UTF8 = 0x0800;
const DOS_TIME = 0; // 00:00:00
const DOS_DATE = (0 << 9) | (1 << 5) | 1; // 1980-01-01
const REGULAR_FILE_0644 = (0o100644 << 16) >>> 0;
const MAX_32 = 0xffffffff;

function assertName(name: string): void {
  if (name === "" || name.startsWith("/") || name.includes("\\") || name.split("/").some((part) => part === "" || part === "." || part === "..")) {
    throw new Error(`invalid zip entry name: ${JSON.stringify(name)}`);
  }
}

/** Pure: the archive bytes and what went into them. */
export function deterministicZip(entries: ZipEntry[]): { bytes: Buffer; entries: ZipEntryInfo[] } {
  const sorted = [...entries].sort((a, b) => Buffer.compare(Buffer.from(a.name, "utf8"), Buffer.from(b.name, "utf8")));
  for (let i = 0; i < sorted.length; i++) {
    assertName((sorted[i] as ZipEntry).name);
    if (i > 0 && (sorted[i] as ZipEntry).name === (sorted[i - 1] as ZipEntry).name) throw new Error(`duplicate zip entry: ${(sorted[i] as ZipEntry).name}`);
  }
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  const infos: ZipEntryInfo[] = [];
  let offset = 0;
  for (const entry of sorted) {
    const name = Buffer.from(entry.name, "utf8");
    const checksum = crc32(entry.data) >>> 0;
    const deflated = deflateSync(entry.data, { level: 9, mem: 12 });
    const store = deflated.length >= entry.data.length;
    const payload = store ? entry.data : deflated;
    const method = store ? 0 : 8;
    if (entry.data.length > MAX_32 || payload.length > MAX_32 || offset > MAX_32) throw new Error("zip64 is not supported: the package is far too large for Lambda anyway");

    const local = Buffer.alloc(30);
    local.writeUInt32LE(LOCAL_HEADER, 0);
    local.writeUInt16LE(VERSION_NEEDED, 4);
    local.writeUInt16LE(FLAG_UTF8, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(checksum, 14);
    local.writeUInt32LE(payload.length, 18);
    local.writeUInt32LE(entry.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, name, Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength));

    const central = Buffer.alloc(46);
    central.writeUInt32LE(CENTRAL_HEADER, 0);
    central.writeUInt16LE(VERSION_MADE_BY, 4);
    central.writeUInt16LE(VERSION_NEEDED, 6);
    central.writeUInt16LE(FLAG_UTF8, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(checksum, 16);
    central.writeUInt32LE(payload.length, 20);
    central.writeUInt32LE(entry.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt16LE(0, 30); // extra
    central.writeUInt16LE(0, 32); // comment
    central.writeUInt16LE(0, 34); // disk
    central.writeUInt16LE(0, 36); // internal attributes
    central.writeUInt32LE(REGULAR_FILE_0644, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);

    infos.push({ name: entry.name, sizeBytes: entry.data.length, compressedBytes: payload.length, method: store ? "store" : "deflate", crc32: checksum });
    offset += 30 + name.length + payload.length;
  }
  const centralBytes = Buffer.concat(centrals);
  if (sorted.length > 0xffff) throw new Error("too many zip entries");
  const end = Buffer.alloc(22);
  end.writeUInt32LE(END_OF_CENTRAL, 0);
  end.writeUInt16LE(0, 4);
  end.writeUInt16LE(0, 6);
  end.writeUInt16LE(sorted.length, 8);
  end.writeUInt16LE(sorted.length, 10);
  end.writeUInt32LE(centralBytes.length, 12);
  end.writeUInt32LE(offset, 16);
  end.writeUInt16LE(0, 20);
  return { bytes: Buffer.concat([...locals, centralBytes, end]), entries: infos };
}
