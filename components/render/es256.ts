import { createHash, createHmac } from "node:crypto";

/**
 * Deterministic ES256 (ECDSA P-256 with SHA-256, nonce per RFC 6979). Node's crypto.sign draws a
 * random nonce, so a key minted in the program would differ on every run: Kong's config would
 * change and Kong be replaced on every `pulumi up`. Same key and message, same signature here.
 *
 * Plain BigInt arithmetic, not constant-time: it signs two API keys per run inside the operator's
 * own Pulumi process, where no one can time it.
 */

const P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const A = P - 3n;
const G: Point = [
  0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n,
  0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n,
];

type Point = readonly [bigint, bigint] | null;

const mod = (a: bigint, m: bigint): bigint => ((a % m) + m) % m;

function inverse(a: bigint, m: bigint): bigint {
  let [r0, r1] = [mod(a, m), m];
  let [s0, s1] = [1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  return mod(s0, m);
}

function add(p1: Point, p2: Point): Point {
  if (p1 === null) return p2;
  if (p2 === null) return p1;
  const [x1, y1] = p1;
  const [x2, y2] = p2;
  if (x1 === x2 && mod(y1 + y2, P) === 0n) return null;
  const slope =
    x1 === x2 && y1 === y2
      ? mod((3n * x1 * x1 + A) * inverse(2n * y1, P), P)
      : mod((y2 - y1) * inverse(x2 - x1, P), P);
  const x3 = mod(slope * slope - x1 - x2, P);
  return [x3, mod(slope * (x1 - x3) - y1, P)];
}

function multiply(k: bigint, point: Point): Point {
  let result: Point = null;
  let addend = point;
  for (let e = k; e > 0n; e >>= 1n) {
    if (e & 1n) result = add(result, addend);
    addend = add(addend, addend);
  }
  return result;
}

const toInt = (bytes: Buffer): bigint => BigInt(`0x${bytes.toString("hex") || "0"}`);
const toBytes = (value: bigint): Buffer => Buffer.from(value.toString(16).padStart(64, "0"), "hex");
const hmac = (key: Buffer, ...parts: Buffer[]): Buffer =>
  createHmac("sha256", key).update(Buffer.concat(parts)).digest();

/** RFC 6979 §3.2 with HMAC-SHA256; qlen = hlen = 256, so bits2int is a plain conversion. */
function* nonces(d: bigint, digest: Buffer): Generator<bigint> {
  const x = toBytes(d);
  const h = toBytes(mod(toInt(digest), N));
  let v: Buffer = Buffer.alloc(32, 1);
  let k: Buffer = Buffer.alloc(32, 0);
  k = hmac(k, v, Buffer.from([0]), x, h);
  v = hmac(k, v);
  k = hmac(k, v, Buffer.from([1]), x, h);
  v = hmac(k, v);
  for (;;) {
    v = hmac(k, v);
    const candidate = toInt(v);
    if (candidate >= 1n && candidate < N) yield candidate;
    k = hmac(k, v, Buffer.from([0]));
    v = hmac(k, v);
  }
}

/** Signs `message` with the private scalar `d` (the JWK's `d`, base64url); returns JOSE's r||s. */
export function signEs256Deterministic(message: Buffer, d: string): Buffer {
  const scalar = toInt(Buffer.from(d, "base64url"));
  if (scalar <= 0n || scalar >= N)
    throw new Error("the ES256 private key is out of range for P-256");
  const digest = createHash("sha256").update(message).digest();
  const e = toInt(digest);
  for (const k of nonces(scalar, digest)) {
    const point = multiply(k, G);
    if (point === null) continue;
    const r = mod(point[0], N);
    const s = mod(inverse(k, N) * (e + r * scalar), N);
    if (r !== 0n && s !== 0n) return Buffer.concat([toBytes(r), toBytes(s)]);
  }
  throw new Error("unreachable: RFC 6979 yields nonces forever");
}
