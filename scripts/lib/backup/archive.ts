import { Writable } from "node:stream";

/**
 * Reading what a backup holds without a database: rows per table from the SQL text that
 * `pg_restore --file=-` prints (each table's data is one `COPY … FROM stdin;` block, one line per
 * row, ended by `\.`; COPY's text format escapes newlines and backslashes inside values, so a row
 * never spans lines), and objects per bucket from a storage tar (POSIX ustar with pax and GNU long
 * names, as GNU tar and `docker cp` write them).
 */

const COPY =
  /^COPY ((?:"(?:[^"]|"")+"|[^\s."]+)\.(?:"(?:[^"]|"")+"|[^\s."]+))(?: \(.*\))? FROM stdin;$/;

/** A sink for `pg_restore --file=-` output; `counts` holds rows per table once it has finished. */
export class CopyRowCounter extends Writable {
  readonly counts: Record<string, number> = {};
  private rest = Buffer.alloc(0);
  private table: string | undefined;

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    const buf = this.rest.length > 0 ? Buffer.concat([this.rest, chunk]) : chunk;
    let start = 0;
    for (let nl = buf.indexOf(10, start); nl !== -1; nl = buf.indexOf(10, start)) {
      this.line(buf, start, nl);
      start = nl + 1;
    }
    this.rest = Buffer.from(buf.subarray(start));
    done();
  }

  override _final(done: (err?: Error | null) => void): void {
    if (this.rest.length > 0) this.line(this.rest, 0, this.rest.length);
    done(
      this.table !== undefined ? new Error(`the dump ends inside the data of ${this.table}`) : null,
    );
  }

  private line(buf: Buffer, start: number, end: number): void {
    if (this.table !== undefined) {
      if (end - start === 2 && buf[start] === 0x5c && buf[start + 1] === 0x2e)
        this.table = undefined;
      else this.counts[this.table]++;
      return;
    }
    // Only COPY headers matter outside data blocks; they are short.
    if (end - start > 4096 || buf[start] !== 0x43) return;
    const m = COPY.exec(buf.toString("utf8", start, end));
    if (m) {
      this.table = m[1];
      this.counts[m[1]] ??= 0;
    }
  }
}

/** Every regular file in a tar stream, by path; `onFile` is called as each header passes. */
export class TarLister extends Writable {
  private pending = Buffer.alloc(0);
  private skip = 0;
  private longName: string | undefined;
  private readLong: "gnu" | "pax" | undefined;
  private longBytes = 0;
  private longBuf: Buffer[] = [];
  private ended = false;

  constructor(private readonly onFile: (path: string, bytes: number) => void) {
    super();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    try {
      this.consume(chunk);
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  override _final(done: (err?: Error | null) => void): void {
    done(
      this.skip > 0 || (!this.ended && this.pending.length > 0)
        ? new Error("the storage archive is truncated")
        : null,
    );
  }

  private consume(chunk: Buffer): void {
    let data = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    while (data.length > 0) {
      if (this.ended) return;
      if (this.skip > 0) {
        const n = Math.min(this.skip, data.length);
        if (this.readLong) this.longBuf.push(Buffer.from(data.subarray(0, n)));
        this.skip -= n;
        data = data.subarray(n);
        if (this.skip === 0 && this.readLong) this.finishLong();
        continue;
      }
      if (data.length < 512) break;
      this.header(data.subarray(0, 512));
      data = data.subarray(512);
    }
    this.pending = Buffer.from(data);
  }

  private header(h: Buffer): void {
    if (h.every((b) => b === 0)) {
      this.ended = true;
      return;
    }
    const str = (from: number, len: number) =>
      h.toString("utf8", from, from + len).replace(/\0.*$/s, "");
    const size = parseInt(str(124, 12).trim() || "0", 8);
    const type = String.fromCharCode(h[156] || 0x30);
    const padded = Math.ceil(size / 512) * 512;
    if (type === "L" || type === "x") {
      this.readLong = type === "L" ? "gnu" : "pax";
      this.longBytes = size;
      this.longBuf = [];
      this.skip = padded;
      if (padded === 0) this.finishLong();
      return;
    }
    const prefix = h.toString("utf8", 257, 263).startsWith("ustar") ? str(345, 155) : "";
    const name = this.longName ?? (prefix !== "" ? `${prefix}/${str(0, 100)}` : str(0, 100));
    this.longName = undefined;
    if (type === "0" || type === "7") this.onFile(name, size);
    this.skip = padded;
  }

  private finishLong(): void {
    const text = Buffer.concat(this.longBuf).subarray(0, this.longBytes).toString("utf8");
    if (this.readLong === "gnu") this.longName = text.replace(/\0.*$/s, "");
    else {
      const path = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(text);
      if (path) this.longName = path[1];
    }
    this.readLong = undefined;
  }
}

/**
 * Objects per bucket in a storage tar: MinIO copies are `ownstack-mirror/<bucket>/<key>`; the
 * file backend is `storage/<tenant>/<bucket>/<key>/<version>`, one file per object version.
 */
export function bucketOf(kind: "minio" | "file", path: string): string | undefined {
  const parts = path
    .replace(/^\.\//, "")
    .split("/")
    .filter((p) => p !== "");
  if (kind === "minio")
    return parts[0] === "ownstack-mirror" && parts.length >= 3 ? parts[1] : undefined;
  return parts[0] === "storage" && parts.length >= 4 ? parts[2] : undefined;
}

export function bucketCounter(kind: "minio" | "file"): {
  lister: TarLister;
  counts: Record<string, number>;
} {
  const counts: Record<string, number> = {};
  const lister = new TarLister((path) => {
    const bucket = bucketOf(kind, path);
    if (bucket !== undefined) counts[bucket] = (counts[bucket] ?? 0) + 1;
  });
  return { lister, counts };
}
