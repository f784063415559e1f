/** A ZIP archive of one file, written by hand for the Tatoeba download tests. */
import * as zlib from "node:zlib";
import { crc32 } from "attention-workbook/data";

/**
 * One member `name` holding `content`, stored or deflated, with a declared (uncompressed) size: the
 * real one by default, another to test an archive that lies about it.
 */
export function zipOf(
  name: string,
  content: Buffer,
  options: { deflate?: boolean; declaredSize?: number } = {},
): Buffer {
  const body = options.deflate ? zlib.deflateRawSync(content) : content;
  const method = options.deflate ? 8 : 0;
  const size = options.declaredSize ?? content.length;
  const nameBytes = Buffer.from(name, "utf8");
  const crc = crc32(content);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4); // version needed to extract
  local.writeUInt16LE(method, 8);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(body.length, 18);
  local.writeUInt32LE(size, 22);
  local.writeUInt16LE(nameBytes.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4); // version made by
  central.writeUInt16LE(20, 6); // version needed to extract
  central.writeUInt16LE(method, 10);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(body.length, 20);
  central.writeUInt32LE(size, 24);
  central.writeUInt16LE(nameBytes.length, 28);
  central.writeUInt32LE(0, 42); // the local header's offset
  const centralOffset = local.length + nameBytes.length + body.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + nameBytes.length, 12);
  end.writeUInt32LE(centralOffset, 16);
  return Buffer.concat([local, nameBytes, body, central, nameBytes, end]);
}
