// Pure writer for the "newc" cpio format the kernel unpacks as an initramfs. The per-run overlay
// (plan, workloads, policy objects) is appended to the kit's base initramfs as a second archive.
import { SchedcpError, quote } from '../errors.js';

export type CpioEntry =
  | { type: 'dir'; path: string; mode?: number }
  | { type: 'file'; path: string; data: Buffer | string; mode?: number };

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const TRAILER = 'TRAILER!!!';

function hex8(value: number): string {
  return value.toString(16).padStart(8, '0');
}

function pad4(length: number): Buffer {
  return Buffer.alloc((4 - (length % 4)) % 4);
}

function header(name: string, fields: { ino: number; mode: number; nlink: number; size: number; mtime: number }): Buffer {
  const nameBytes = Buffer.from(`${name}\0`, 'utf8');
  const text = [
    '070701', hex8(fields.ino), hex8(fields.mode), hex8(0), hex8(0), hex8(fields.nlink), hex8(fields.mtime),
    hex8(fields.size), hex8(0), hex8(0), hex8(0), hex8(0), hex8(nameBytes.length), hex8(0),
  ].join('');
  const head = Buffer.concat([Buffer.from(text, 'ascii'), nameBytes]);
  return Buffer.concat([head, pad4(head.length)]);
}

/** Archive paths are relative ("schedcp/plan"); a leading slash is dropped, ".." is refused. */
function archivePath(path: string): string {
  const clean = path.replace(/^\/+/, '');
  if (clean === '' || clean.split('/').some((part) => part === '..' || part === '') || clean.includes('\0')) {
    throw new SchedcpError('invalid_argument', `cpio entry path ${quote(path)} must be a relative path without "..", empty parts or NUL.`);
  }
  return clean;
}

/** Builds a complete newc archive (with trailer). Directories must be listed before their files. */
export function writeCpio(entries: readonly CpioEntry[], mtime = 0): Buffer {
  const parts: Buffer[] = [];
  let ino = 1;
  for (const entry of entries) {
    const name = archivePath(entry.path);
    if (entry.type === 'dir') {
      parts.push(header(name, { ino: ino++, mode: S_IFDIR | (entry.mode ?? 0o755), nlink: 2, size: 0, mtime }));
    } else {
      const data = typeof entry.data === 'string' ? Buffer.from(entry.data, 'utf8') : entry.data;
      parts.push(header(name, { ino: ino++, mode: S_IFREG | (entry.mode ?? 0o644), nlink: 1, size: data.length, mtime }));
      parts.push(data, pad4(data.length));
    }
  }
  parts.push(header(TRAILER, { ino: 0, mode: 0, nlink: 1, size: 0, mtime: 0 }));
  return Buffer.concat(parts);
}

/** Reads back a newc archive's entries (for tests and for checking overlays). */
export function readCpio(archive: Buffer): { path: string; mode: number; data: Buffer }[] {
  const out: { path: string; mode: number; data: Buffer }[] = [];
  let offset = 0;
  while (offset + 110 <= archive.length) {
    const magic = archive.toString('ascii', offset, offset + 6);
    if (magic !== '070701') throw new SchedcpError('invalid_argument', `not a newc cpio archive: magic ${quote(magic)} at byte ${offset}`);
    const field = (i: number) => parseInt(archive.toString('ascii', offset + 6 + i * 8, offset + 14 + i * 8), 16);
    const mode = field(1);
    const size = field(6);
    const nameSize = field(11);
    const nameStart = offset + 110;
    const path = archive.toString('utf8', nameStart, nameStart + nameSize - 1);
    const dataStart = nameStart + nameSize + ((4 - ((110 + nameSize) % 4)) % 4);
    if (path === TRAILER) break;
    out.push({ path, mode, data: archive.subarray(dataStart, dataStart + size) });
    offset = dataStart + size + ((4 - (size % 4)) % 4);
  }
  return out;
}
