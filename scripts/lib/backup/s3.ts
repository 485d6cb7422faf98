import { createHash } from "node:crypto";
import { createReadStream, statSync } from "node:fs";
import { IncomingMessage, request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { Readable } from "node:stream";
import { AwsV4Signer } from "aws4fetch";

/**
 * A small S3 client on node:http, path-style URLs as MinIO, RustFS, Garage and the AWS endpoints
 * all accept. Requests are signed (AWS Signature Version 4) by aws4fetch's AwsV4Signer
 * (https://github.com/mhart/aws4fetch, no dependencies); node:http sends them, so an upload
 * streams from its file with its Content-Length, as S3's PutObject needs. The scheduler needs only
 * list, get, put, delete and multipart upload; the AWS SDK would be several megabytes inside a
 * file uploaded into a container.
 */

export interface S3Endpoint {
  /** `https://s3.eu-central-1.amazonaws.com`, `http://minio:9000`. */
  readonly endpoint: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
/** RFC 3986 encoding as SigV4 wants it: everything but unreserved characters. */
const encode = (s: string) =>
  encodeURIComponent(s).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );

export interface SignedRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: Record<string, string>;
}

/**
 * Signs a request; `payloadHash` is the body's SHA-256 hex or `UNSIGNED-PAYLOAD` for streams.
 * Every header given is signed (aws4fetch's `allHeaders`), Range included as in AWS's examples;
 * Content-Length is added after signing, where S3 does not need it signed.
 */
export async function signV4(
  ep: S3Endpoint,
  method: string,
  path: string,
  query: Record<string, string>,
  payloadHash: string,
  at: Date,
  extraHeaders: Record<string, string> = {},
  service = "s3",
): Promise<SignedRequest> {
  const url = new URL(ep.endpoint);
  url.pathname = `${url.pathname.replace(/\/$/, "")}${path.split("/").map(encode).join("/")}`;
  url.search = Object.keys(query)
    .map((k) => `${encode(k)}=${encode(query[k])}`)
    .join("&");
  const signed = await new AwsV4Signer({
    method,
    url: url.toString(),
    headers: { ...extraHeaders, "x-amz-content-sha256": payloadHash },
    accessKeyId: ep.accessKeyId,
    secretAccessKey: ep.secretAccessKey,
    region: ep.region,
    service,
    datetime: at.toISOString().replace(/[:-]|\.\d{3}/g, ""),
    allHeaders: true,
  }).sign();
  return { method, url, headers: Object.fromEntries(signed.headers.entries()) };
}

/**
 * Which stack setting an S3 error points at. The off-site copy names its `ownstack:*` keys
 * (config/backupEnv.ts OFFSITE_S3_SETTINGS); a client without them reports the S3 code alone.
 */
export interface S3Settings {
  readonly credentials: string;
  readonly bucket: string;
  readonly endpoint: string;
  readonly region: string;
}

/**
 * S3's error codes that a setting fixes (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html).
 * AWS answers a wrong region with AuthorizationHeaderMalformed ("the region 'us-east-1' is wrong;
 * expecting 'eu-central-1'") and a bucket of another region with PermanentRedirect.
 */
const CODE_SETTING: Readonly<Record<string, keyof S3Settings>> = {
  AccessDenied: "credentials",
  InvalidAccessKeyId: "credentials",
  SignatureDoesNotMatch: "credentials",
  InvalidBucketName: "bucket",
  NoSuchBucket: "bucket",
  AuthorizationHeaderMalformed: "region",
  PermanentRedirect: "region",
};

/** The sentence after the S3 code: the setting to check, or the clock for a skewed request. */
function fixFor(code: string, settings: S3Settings | undefined): string {
  if (code === "RequestTimeTooSkewed")
    return "; this machine's clock differs from the S3 server's by more than 15 minutes, check its time sync";
  const setting = CODE_SETTING[code];
  return settings && setting ? `; check ${settings[setting]}` : "";
}

export class S3Error extends Error {
  constructor(
    message: string,
    readonly status: number,
    /** S3's error Code (`NoSuchBucket`), `HTTP <status>` without one, or Node's (`ECONNREFUSED`). */
    readonly code: string,
  ) {
    super(message);
  }
}

/** A server that goes silent this long (connecting, or mid-transfer) fails the request. */
export const S3_IDLE_TIMEOUT_MS = 120_000;

async function send(
  signed: Promise<SignedRequest>,
  settings: S3Settings | undefined,
  body?: Buffer | { file: string; start: number; end: number },
  idleTimeoutMs = S3_IDLE_TIMEOUT_MS,
): Promise<IncomingMessage> {
  const req = await signed;
  const where = `${req.method} ${req.url.host}${req.url.pathname}`;
  const headers = { ...req.headers };
  if (body !== undefined)
    headers["content-length"] = String(
      Buffer.isBuffer(body) ? body.length : body.end - body.start + 1,
    );
  const res = await new Promise<IncomingMessage>((ok, fail) => {
    const r = (req.url.protocol === "https:" ? httpsRequest : httpRequest)(
      req.url,
      { method: req.method, headers },
      ok,
    );
    // Unreachable, refused, a name that does not resolve, a certificate refused: the endpoint.
    // Without it a server that accepts and never answers would hold the scheduler forever.
    r.setTimeout(idleTimeoutMs, () =>
      r.destroy(
        Object.assign(new Error(`no answer for ${idleTimeoutMs / 1000} s`), { code: "ETIMEDOUT" }),
      ),
    );
    r.once("error", (err: NodeJS.ErrnoException) => {
      const code = err.code ?? err.name;
      const fix = settings ? `; check ${settings.endpoint}` : "";
      fail(new S3Error(`${where}: ${code} (${err.message})${fix}`, 0, code));
    });
    if (body === undefined) r.end();
    else if (Buffer.isBuffer(body)) r.end(body);
    else if (body.end < body.start) r.end();
    else
      createReadStream(body.file, { start: body.start, end: body.end }).once("error", fail).pipe(r);
  });
  if ((res.statusCode ?? 0) >= 300) {
    const text = await readText(res);
    const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? `HTTP ${res.statusCode}`;
    const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1];
    throw new S3Error(
      `${where}: ${code}${message ? ` (${xmlText(message)})` : ""}${fixFor(code, settings)}`,
      res.statusCode ?? 0,
      code,
    );
  }
  return res;
}

async function readText(res: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of res) parts.push(c as Buffer);
  return Buffer.concat(parts).toString("utf8");
}

const xmlText = (s: string) =>
  s
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&");
const tags = (xml: string, tag: string) =>
  [...xml.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, "g"))].map((m) => xmlText(m[1]));

export interface S3ClientOptions {
  readonly now?: () => Date;
  /** The settings an error names; without them an error carries the S3 code alone. */
  readonly settings?: S3Settings;
  /** Default S3_IDLE_TIMEOUT_MS. */
  readonly idleTimeoutMs?: number;
}

export class S3Client {
  private readonly now: () => Date;
  private readonly settings: S3Settings | undefined;
  private readonly idleTimeoutMs: number;

  constructor(
    private readonly ep: S3Endpoint,
    opts: S3ClientOptions = {},
  ) {
    this.now = opts.now ?? (() => new Date());
    this.settings = opts.settings;
    this.idleTimeoutMs = opts.idleTimeoutMs ?? S3_IDLE_TIMEOUT_MS;
  }

  private sign(
    method: string,
    path: string,
    query: Record<string, string> = {},
    hash = sha256(""),
    extra: Record<string, string> = {},
  ) {
    return signV4(this.ep, method, path, query, hash, this.now(), extra);
  }

  private send(signed: Promise<SignedRequest>, body?: Parameters<typeof send>[2]) {
    return send(signed, this.settings, body, this.idleTimeoutMs);
  }

  async listBuckets(): Promise<string[]> {
    const xml = await readText(await this.send(this.sign("GET", "/")));
    return [...xml.matchAll(/<Bucket>([\s\S]*?)<\/Bucket>/g)]
      .flatMap((m) => tags(m[1], "Name"))
      .sort();
  }

  async listObjects(bucket: string, prefix = ""): Promise<{ key: string; size: number }[]> {
    const out: { key: string; size: number }[] = [];
    let token: string | undefined;
    do {
      const query: Record<string, string> = {
        "list-type": "2",
        prefix,
        ...(token ? { "continuation-token": token } : {}),
      };
      const xml = await readText(await this.send(this.sign("GET", `/${bucket}`, query)));
      for (const m of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g))
        out.push({ key: tags(m[1], "Key")[0], size: Number(tags(m[1], "Size")[0] ?? 0) });
      token = /<IsTruncated>true<\/IsTruncated>/.test(xml)
        ? tags(xml, "NextContinuationToken")[0]
        : undefined;
    } while (token);
    return out;
  }

  async getObject(bucket: string, key: string): Promise<Readable> {
    return this.send(this.sign("GET", `/${bucket}/${key}`));
  }

  async deleteObject(bucket: string, key: string): Promise<void> {
    (await this.send(this.sign("DELETE", `/${bucket}/${key}`))).resume();
  }

  /** Uploads a file: one PUT up to `partBytes`, a multipart upload above (S3 caps a PUT at 5 GiB). */
  async putFile(
    bucket: string,
    key: string,
    file: string,
    partBytes = 256 * 1024 * 1024,
  ): Promise<void> {
    const size = statSync(file).size;
    const path = `/${bucket}/${key}`;
    if (size <= partBytes) {
      (
        await this.send(this.sign("PUT", path, {}, "UNSIGNED-PAYLOAD"), {
          file,
          start: 0,
          end: size - 1,
        })
      ).resume();
      return;
    }
    const created = await readText(await this.send(this.sign("POST", path, { uploads: "" })));
    const uploadId = tags(created, "UploadId")[0];
    try {
      const etags: string[] = [];
      for (let start = 0, n = 1; start < size; start += partBytes, n++) {
        const res = await this.send(
          this.sign("PUT", path, { partNumber: String(n), uploadId }, "UNSIGNED-PAYLOAD"),
          { file, start, end: Math.min(size, start + partBytes) - 1 },
        );
        res.resume();
        etags.push(String(res.headers.etag ?? ""));
      }
      const xml = `<CompleteMultipartUpload>${etags.map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${e}</ETag></Part>`).join("")}</CompleteMultipartUpload>`;
      const body = Buffer.from(xml);
      const done = await readText(
        await this.send(this.sign("POST", path, { uploadId }, sha256(body)), body),
      );
      // S3 may answer 200 with an error document when completing (S3 API reference, CompleteMultipartUpload).
      if (/<Error>/.test(done)) {
        const code = tags(done, "Code")[0] ?? "InternalError";
        throw new S3Error(`completing ${path}: ${code}${fixFor(code, this.settings)}`, 200, code);
      }
    } catch (err) {
      await this.send(this.sign("DELETE", path, { uploadId })).then(
        (r) => r.resume(),
        () => undefined,
      );
      throw err;
    }
  }
}
