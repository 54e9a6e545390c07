/**
 * A read-only reader of SQLite database files that reads only the pages it is asked about.
 *
 * Why it exists: sql.js must copy the whole file into WebAssembly memory before it can answer
 * anything (about 0.5 s and 0.8 GB for a ledger of a million requests), and Node 20 has no
 * built-in SQLite. The questions the command line asks most (`stats --all`) are answered by the
 * ledger's small rollup tables, a few dozen pages of a file of hundreds of megabytes. This
 * module walks those tables' B-trees directly, following the documented file format
 * (https://www.sqlite.org/fileformat2.html): table and index B-trees, overflow pages, record
 * encoding, UTF-8 text. It never writes and never takes a lock; a snapshot is only ever
 * replaced by rename, so an open handle keeps reading one consistent file.
 *
 * Anything it does not understand (another text encoding, a malformed page) throws
 * `SqliteFormatError`; callers then fall back to sql.js, which reads every file SQLite writes.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export type Value = number | string | Uint8Array | null;

export class SqliteFormatError extends Error {
  override readonly name = 'SqliteFormatError';
}

const HEADER = Buffer.from('SQLite format 3\0', 'latin1');
const LEAF_TABLE = 13;
const INTERIOR_TABLE = 5;
const LEAF_INDEX = 10;
const INTERIOR_INDEX = 2;

export interface SchemaEntry {
  type: string;
  name: string;
  tableName: string;
  rootPage: number;
  sql: string | null;
}

export class SqliteFile {
  readonly pageSize: number;
  private readonly usable: number;
  private readonly pageCount: number;
  private readonly cache = new Map<number, Buffer>();
  private schemaCache: SchemaEntry[] | undefined;

  private constructor(private readonly fd: number, header: Buffer, fileSize: number) {
    if (!header.subarray(0, 16).equals(HEADER)) throw new SqliteFormatError('not an SQLite file (bad header)');
    const raw = header.readUInt16BE(16);
    this.pageSize = raw === 1 ? 65_536 : raw;
    if (this.pageSize < 512 || (this.pageSize & (this.pageSize - 1)) !== 0) throw new SqliteFormatError(`invalid page size ${raw}`);
    this.usable = this.pageSize - header[20];
    if (header.readUInt32BE(56) > 1) throw new SqliteFormatError('text encoding is not UTF-8');
    if (fileSize % this.pageSize !== 0) throw new SqliteFormatError('file size is not a whole number of pages');
    // The header's page count is valid when its change counter matches the version-valid-for field.
    const declared = header.readUInt32BE(28);
    if (header.readUInt32BE(24) === header.readUInt32BE(92) && declared > 0 && declared * this.pageSize !== fileSize) {
      throw new SqliteFormatError(`file is ${fileSize} bytes but its header says ${declared * this.pageSize} (truncated or padded)`);
    }
    this.pageCount = fileSize / this.pageSize;
  }

  static open(file: string): SqliteFile {
    const fd = openSync(file, 'r');
    try {
      const header = Buffer.alloc(100);
      if (readSync(fd, header, 0, 100, 0) < 100) throw new SqliteFormatError('file is too short');
      return new SqliteFile(fd, header, fstatSync(fd).size);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  close(): void {
    closeSync(this.fd);
    this.cache.clear();
  }

  private page(n: number): Buffer {
    let buf = this.cache.get(n);
    if (buf) return buf;
    if (n < 1 || n > this.pageCount) throw new SqliteFormatError(`page ${n} is outside the file (${this.pageCount} pages)`);
    buf = Buffer.alloc(this.pageSize);
    if (readSync(this.fd, buf, 0, this.pageSize, (n - 1) * this.pageSize) !== this.pageSize) throw new SqliteFormatError(`page ${n} is truncated`);
    // The cache only needs to hold the upper levels of the trees being walked.
    if (this.cache.size > 4096) this.cache.clear();
    this.cache.set(n, buf);
    return buf;
  }

  /** `sqlite_master`: every table and index with its root page. */
  schema(): SchemaEntry[] {
    this.schemaCache ??= [...this.scanTable(1)].map(({ values: v }) => ({
      type: String(v[0]), name: String(v[1]), tableName: String(v[2]), rootPage: Number(v[3]), sql: typeof v[4] === 'string' ? v[4] : null,
    }));
    return this.schemaCache;
  }

  entry(name: string): SchemaEntry | undefined {
    return this.schema().find((e) => e.name === name);
  }

  /** Every row of a rowid table in rowid order: `rowid` and the record's values. */
  *scanTable(root: number): Generator<{ rowid: number; values: Value[] }> {
    const buf = this.page(root);
    const at = root === 1 ? 100 : 0;
    const type = buf[at];
    const cells = this.cellOffsets(buf, at);
    if (type === LEAF_TABLE) {
      for (const c of cells) yield this.tableLeafCell(buf, c);
    } else if (type === INTERIOR_TABLE) {
      for (const c of cells) yield* this.scanTable(buf.readUInt32BE(c));
      yield* this.scanTable(buf.readUInt32BE(at + 8));
    } else {
      throw new SqliteFormatError(`page ${root} is not a table page (type ${type})`);
    }
  }

  /** Every entry of an index (or WITHOUT ROWID table) in key order. */
  *scanIndex(root: number): Generator<Value[]> {
    const buf = this.page(root);
    const type = buf[0];
    const cells = this.cellOffsets(buf, 0);
    if (type === LEAF_INDEX) {
      for (const c of cells) yield this.indexCell(buf, c, false);
    } else if (type === INTERIOR_INDEX) {
      for (const c of cells) {
        yield* this.scanIndex(buf.readUInt32BE(c));
        yield this.indexCell(buf, c, true);
      }
      yield* this.scanIndex(buf.readUInt32BE(8));
    } else {
      throw new SqliteFormatError(`page ${root} is not an index page (type ${type})`);
    }
  }

  /** Index entries whose first column is ≥ `key` (text, or a number: integers sort before text), in key order; stop iterating when past the range. */
  *scanIndexFrom(root: number, key: string | number): Generator<Value[]> {
    yield* this.seek(root, typeof key === 'number' ? key : Buffer.from(key, 'utf8'));
  }

  private *seek(n: number, wanted: Buffer | number): Generator<Value[]> {
    const buf = this.page(n);
    const cells = this.cellOffsets(buf, 0);
    if (buf[0] === LEAF_INDEX) {
      for (const c of cells) {
        const v = this.indexCell(buf, c, false);
        if (compareKey(wanted, v[0]) <= 0) yield v;
      }
      return;
    }
    if (buf[0] !== INTERIOR_INDEX) throw new SqliteFormatError(`page ${n} is not an index page (type ${buf[0]})`);
    let started = false;
    for (const c of cells) {
      const v = this.indexCell(buf, c, true);
      if (!started) {
        // Every entry left of a cell sorts before it: skip the subtrees wholly below the key.
        if (compareKey(wanted, v[0]) > 0) continue;
        started = true;
        yield* this.seek(buf.readUInt32BE(c), wanted);
      } else {
        yield* this.scanIndex(buf.readUInt32BE(c));
      }
      yield v;
    }
    yield* started ? this.scanIndex(buf.readUInt32BE(8)) : this.seek(buf.readUInt32BE(8), wanted);
  }

  /** The row with this rowid, or undefined (binary search on each page; only the match is decoded). */
  findRow(root: number, rowid: number): Value[] | undefined {
    let n = root;
    for (let depth = 0; depth < 64; depth++) {
      const buf = this.page(n);
      const at = n === 1 ? 100 : 0;
      const leaf = buf[at] === LEAF_TABLE;
      if (!leaf && buf[at] !== INTERIOR_TABLE) throw new SqliteFormatError(`page ${n} is not a table page`);
      const count = buf.readUInt16BE(at + 3);
      const cellAt = (i: number) => buf.readUInt16BE(at + (leaf ? 8 : 12) + 2 * i);
      const keyOf = (c: number) => (leaf ? readVarint(buf, c + readVarint(buf, c).length).value : readVarint(buf, c + 4).value);
      // The first cell whose rowid is ≥ the one wanted.
      let lo = 0;
      let hi = count;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (keyOf(cellAt(mid)) < rowid) lo = mid + 1;
        else hi = mid;
      }
      if (leaf) {
        if (lo === count) return undefined;
        const cell = this.tableLeafCell(buf, cellAt(lo));
        return cell.rowid === rowid ? cell.values : undefined;
      }
      n = lo === count ? buf.readUInt32BE(at + 8) : buf.readUInt32BE(cellAt(lo));
    }
    throw new SqliteFormatError('table B-tree is too deep');
  }

  /** The rowid of the index entry whose first column is `key` (a UNIQUE text column), or undefined. */
  findInIndex(root: number, key: string): number | undefined {
    const wanted = Buffer.from(key, 'utf8');
    let n = root;
    for (let depth = 0; depth < 64; depth++) {
      const buf = this.page(n);
      const interior = buf[0] === INTERIOR_INDEX;
      if (!interior && buf[0] !== LEAF_INDEX) throw new SqliteFormatError(`page ${n} is not an index page`);
      let next = interior ? buf.readUInt32BE(8) : 0;
      for (const c of this.cellOffsets(buf, 0)) {
        const values = this.indexCell(buf, c, interior);
        const order = compareKey(wanted, values[0]);
        if (order === 0) return Number(values[values.length - 1]);
        if (order < 0) {
          next = interior ? buf.readUInt32BE(c) : 0;
          break;
        }
      }
      if (!interior || next === 0) return undefined;
      n = next;
    }
    throw new SqliteFormatError('index B-tree is too deep');
  }

  private cellOffsets(buf: Buffer, at: number): number[] {
    const type = buf[at];
    const count = buf.readUInt16BE(at + 3);
    const start = at + (type === INTERIOR_TABLE || type === INTERIOR_INDEX ? 12 : 8);
    return Array.from({ length: count }, (_, i) => buf.readUInt16BE(start + 2 * i));
  }

  private tableLeafCell(buf: Buffer, at: number): { rowid: number; values: Value[] } {
    const size = readVarint(buf, at);
    const rowid = readVarint(buf, at + size.length);
    const payload = this.payload(buf, at + size.length + rowid.length, size.value, this.usable - 35);
    return { rowid: rowid.value, values: decodeRecord(payload) };
  }

  private indexCell(buf: Buffer, at: number, interior: boolean): Value[] {
    const start = interior ? at + 4 : at;
    const size = readVarint(buf, start);
    const maxLocal = Math.floor(((this.usable - 12) * 64) / 255) - 23;
    return decodeRecord(this.payload(buf, start + size.length, size.value, maxLocal));
  }

  /** A cell's payload, following overflow pages when it does not fit on its page. */
  private payload(buf: Buffer, at: number, total: number, maxLocal: number): Buffer {
    if (total <= maxLocal) return buf.subarray(at, at + total);
    const minLocal = Math.floor(((this.usable - 12) * 32) / 255) - 23;
    const k = minLocal + ((total - minLocal) % (this.usable - 4));
    const local = k <= maxLocal ? k : minLocal;
    const out = Buffer.alloc(total);
    buf.copy(out, 0, at, at + local);
    let filled = local;
    let next = buf.readUInt32BE(at + local);
    while (filled < total) {
      if (next === 0) throw new SqliteFormatError('overflow chain ends early');
      const page = this.page(next);
      const take = Math.min(this.usable - 4, total - filled);
      page.copy(out, filled, 4, 4 + take);
      filled += take;
      next = page.readUInt32BE(0);
    }
    return out;
  }
}

function readVarint(buf: Buffer, at: number): { value: number; length: number } {
  // Up to 6 bytes (42 bits) in plain numbers: every length, rowid and serial type a ledger holds.
  let small = 0;
  for (let i = 0; i < 6; i++) {
    const byte = buf[at + i];
    small = small * 128 + (byte & 0x7f);
    if (byte < 0x80) return { value: small, length: i + 1 };
  }
  let value = 0n;
  for (let i = 0; i < 9; i++) {
    const byte = buf[at + i];
    if (i === 8) return { value: Number((value << 8n) | BigInt(byte)), length: 9 };
    value = (value << 7n) | BigInt(byte & 0x7f);
    if (byte < 0x80) return { value: Number(BigInt.asIntN(64, value)), length: i + 1 };
  }
  throw new SqliteFormatError('bad varint');
}

function decodeRecord(payload: Buffer): Value[] {
  const headerSize = readVarint(payload, 0);
  const types: number[] = [];
  for (let at = headerSize.length; at < headerSize.value;) {
    const t = readVarint(payload, at);
    types.push(t.value);
    at += t.length;
  }
  const values: Value[] = [];
  let at = headerSize.value;
  for (const t of types) {
    switch (t) {
      case 0: values.push(null); break;
      case 1: values.push(payload.readInt8(at)); at += 1; break;
      case 2: values.push(payload.readInt16BE(at)); at += 2; break;
      case 3: values.push(payload.readIntBE(at, 3)); at += 3; break;
      case 4: values.push(payload.readInt32BE(at)); at += 4; break;
      case 5: values.push(payload.readIntBE(at, 6)); at += 6; break;
      case 6: values.push(Number(payload.readBigInt64BE(at))); at += 8; break;
      case 7: values.push(payload.readDoubleBE(at)); at += 8; break;
      case 8: values.push(0); break;
      case 9: values.push(1); break;
      default: {
        if (t < 12) throw new SqliteFormatError(`reserved serial type ${t}`);
        const length = (t - (t % 2 === 0 ? 12 : 13)) / 2;
        const bytes = payload.subarray(at, at + length);
        values.push(t % 2 === 0 ? new Uint8Array(bytes) : bytes.toString('utf8'));
        at += length;
      }
    }
  }
  return values;
}

/** SQLite's BINARY collation against an index key (NULL and numbers sort before text). */
/** SQLite's order of index keys (BINARY collation): NULL, then numbers, then text, then blobs. */
function compareKey(wanted: Buffer | number, stored: Value): number {
  if (stored === null) return 1;
  if (typeof wanted === 'number') return typeof stored === 'number' ? wanted - stored : -1;
  if (typeof stored === 'number') return 1;
  if (typeof stored !== 'string') return -1;
  return Buffer.compare(wanted, Buffer.from(stored, 'utf8'));
}
