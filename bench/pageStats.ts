/**
 * Bytes of each table and index in an SQLite file, counted by walking its b-tree pages — what
 * the `dbstat` virtual table would say, which sql.js is built without. Overflow and free pages
 * are reported together as `(overflow, free)`.
 */
import type { LedgerDb } from '../src/ledger/apply';

/** Pages reachable from `root` through interior pages (leaves included, overflow pages not). */
function btreePages(file: Buffer, pageSize: number, root: number): number {
  let count = 0;
  const stack = [root];
  while (stack.length) {
    const page = stack.pop() as number;
    count++;
    const start = (page - 1) * pageSize;
    const header = page === 1 ? start + 100 : start;
    const type = file[header];
    if (type !== 0x02 && type !== 0x05) continue; // a leaf
    const cells = file.readUInt16BE(header + 3);
    stack.push(file.readUInt32BE(header + 8));
    for (let i = 0; i < cells; i++) stack.push(file.readUInt32BE(start + file.readUInt16BE(header + 12 + 2 * i)));
  }
  return count;
}

export function bytesByObject(ldb: LedgerDb): Record<string, number> {
  const file = Buffer.from(ldb.exportBytes());
  const pageSize = file.readUInt16BE(16) === 1 ? 65536 : file.readUInt16BE(16);
  const total = file.length / pageSize;
  const out: Record<string, number> = { sqlite_master: btreePages(file, pageSize, 1) * pageSize };
  let counted = out.sqlite_master / pageSize;
  for (const [name, root] of ldb.all("SELECT name, rootpage FROM sqlite_master WHERE rootpage > 0")) {
    const pages = btreePages(file, pageSize, root as number);
    counted += pages;
    out[name as string] = pages * pageSize;
  }
  out['(overflow, free)'] = (total - counted) * pageSize;
  return Object.fromEntries(Object.entries(out).sort((a, b) => b[1] - a[1]));
}
