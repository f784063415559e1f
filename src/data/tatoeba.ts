/**
 * The full Tatoeba English-German file, fetched from manythings.org on request (it is not shipped).
 * Licence: CC-BY 2.0 (France); attribution: the Tatoeba project (https://tatoeba.org) and its
 * contributors, as distributed by https://www.manythings.org/anki/.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { decodeUtf8Text, parsePairs } from "./pairs";
import { makeDirs } from "../util/dirs";

/** The largest archive downloaded (manythings.org's deu-eng.zip is about 10 MB). */
export const MAX_ZIP_BYTES = 100 * 1024 * 1024;
/** The largest file extracted from it (deu.txt is about 40 MB): a zip bomb stops here. */
export const MAX_MEMBER_BYTES = 400 * 1024 * 1024;

export const TATOEBA_URL = "https://www.manythings.org/anki/deu-eng.zip";
export const TATOEBA_ATTRIBUTION =
  "English-German sentence pairs from the Tatoeba project (https://tatoeba.org), CC-BY 2.0 (France), via https://www.manythings.org/anki/";

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  crc: number;
  localOffset: number;
}

/** Lists a ZIP archive's entries from its central directory. */
export function zipEntries(zip: Buffer, where = "zip"): ZipEntry[] {
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 65557); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error(`${where}: not a ZIP archive (no end-of-central-directory record)`);
  const count = zip.readUInt16LE(eocd + 10);
  let p = zip.readUInt32LE(eocd + 16);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (p + 46 > zip.length || zip.readUInt32LE(p) !== 0x02014b50)
      throw new Error(`${where}: corrupt central directory at byte ${p}`);
    const nameLen = zip.readUInt16LE(p + 28),
      extraLen = zip.readUInt16LE(p + 30),
      commentLen = zip.readUInt16LE(p + 32);
    entries.push({
      method: zip.readUInt16LE(p + 10),
      crc: zip.readUInt32LE(p + 16),
      compressedSize: zip.readUInt32LE(p + 20),
      size: zip.readUInt32LE(p + 24),
      name: zip.toString("utf8", p + 46, p + 46 + nameLen),
      localOffset: zip.readUInt32LE(p + 42),
    });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/**
 * The bytes of one entry (stored or deflated), checked against its CRC-32; at most `maxBytes`
 * (a larger declared size, or inflating past it, is refused: no zip bomb is expanded).
 */
export function zipRead(zip: Buffer, entry: ZipEntry, where = "zip", maxBytes = MAX_MEMBER_BYTES): Buffer {
  const p = entry.localOffset;
  if (p + 30 > zip.length || zip.readUInt32LE(p) !== 0x04034b50)
    throw new Error(`${where}: corrupt local header for ${entry.name}`);
  if (entry.size > maxBytes)
    throw new Error(`${where}: ${entry.name} would be ${entry.size} bytes, more than the ${maxBytes} allowed`);
  const start = p + 30 + zip.readUInt16LE(p + 26) + zip.readUInt16LE(p + 28);
  const raw = zip.subarray(start, start + entry.compressedSize);
  let data: Buffer;
  if (entry.method === 0) data = Buffer.from(raw);
  else if (entry.method === 8) data = inflateCapped(raw, maxBytes, `${where}: ${entry.name}`);
  else
    throw new Error(
      `${where}: ${entry.name} uses compression method ${entry.method} (only stored and deflate are supported)`,
    );
  if (data.length !== entry.size || crc32(data) !== entry.crc)
    throw new Error(`${where}: ${entry.name} is corrupt (size or CRC-32 mismatch)`);
  return data;
}

/** Inflates raw deflate data, refusing to produce more than `maxBytes`. */
function inflateCapped(raw: Buffer, maxBytes: number, what: string): Buffer {
  try {
    return zlib.inflateRawSync(raw, { maxOutputLength: maxBytes });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE")
      throw new Error(`${what} inflates to more than ${maxBytes} bytes (a zip bomb?)`);
    throw e;
  }
}

/** The response body, refused as soon as it passes `maxBytes` (whatever Content-Length says). */
async function readCapped(res: Response, maxBytes: number, url: string): Promise<Buffer> {
  const declared = Number(res.headers.get("content-length") ?? NaN);
  if (declared > maxBytes)
    throw new Error(`${url}: ${declared} bytes, more than the ${maxBytes} a Tatoeba archive may have`);
  if (!res.body) return Buffer.alloc(0);
  const parts: Buffer[] = [];
  let total = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw new Error(`${url}: more than ${maxBytes} bytes, more than a Tatoeba archive may have`);
    }
    parts.push(Buffer.from(value));
  }
  return Buffer.concat(parts);
}

export interface DownloadOptions {
  url?: string;
  /** Where to write the pairs file; default data/tatoeba/deu.txt in the workbook. */
  out?: string;
  /** The file inside the archive; default deu.txt. */
  member?: string;
  fetchImpl?: typeof fetch;
  /** Caps (defaults MAX_ZIP_BYTES, MAX_MEMBER_BYTES). */
  maxZipBytes?: number;
  maxMemberBytes?: number;
}

export const DEFAULT_TATOEBA_FILE = path.resolve(__dirname, "../../data/tatoeba/deu.txt");

/**
 * Downloads the manythings.org archive and writes its `deu.txt` to `out`. The download and the
 * extracted file are capped in size; the file is validated as a pairs file (UTF-8, well-formed lines)
 * before anything is written; it is written to a temporary file that is renamed into place, so a
 * failed or interrupted download leaves an existing `deu.txt` as it was.
 */
export async function downloadTatoeba(
  options: DownloadOptions = {},
): Promise<{ file: string; bytes: number; lines: number; url: string }> {
  const url = options.url ?? TATOEBA_URL;
  const out = options.out ?? DEFAULT_TATOEBA_FILE;
  const member = options.member ?? "deu.txt";
  const doFetch = options.fetchImpl ?? fetch;
  let res: Response;
  try {
    // manythings.org refuses requests without a browser-like User-Agent.
    res = await doFetch(url, { headers: { "User-Agent": "Mozilla/5.0 (attention-workbook)" } });
  } catch (e) {
    throw new Error(
      `cannot download ${url}: ${(e as Error).message} (offline? A file you already have can be used with --data FILE)`,
    );
  }
  if (!res.ok) throw new Error(`cannot download ${url}: HTTP ${res.status} ${res.statusText}`);
  const zip = await readCapped(res, options.maxZipBytes ?? MAX_ZIP_BYTES, url);
  const entries = zipEntries(zip, url);
  const entry = entries.find((e) => e.name === member || e.name.endsWith(`/${member}`));
  if (!entry) throw new Error(`${url}: no ${member} in the archive (it has: ${entries.map((e) => e.name).join(", ")})`);
  const data = zipRead(zip, entry, url, options.maxMemberBytes ?? MAX_MEMBER_BYTES);
  const { report } = parsePairs(decodeUtf8Text(data, `${url}:${entry.name}`), `${url}:${entry.name}`);
  if (report.pairs === 0) throw new Error(`${url}: ${entry.name} holds no sentence pairs`);
  makeDirs(path.dirname(path.resolve(out)));
  const tmp = `${out}.part-${process.pid}`;
  try {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, out);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  return { file: out, bytes: data.length, lines: report.lines, url };
}
