import { createPublicKey, generateKeyPairSync } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { PROJECT, SECRET_KEYS } from "../../config/schema";

/**
 * Evaluates a Pulumi program under mocks and records the declared plan. Mocks are set before the
 * program is imported (pulumi/examples testing-unit-ts): order matters. Used by the plan tests and
 * by `npm run bench`.
 */

export { PROJECT };
/** The `iat` the mocked time.Static hands back, standing in for a value kept in state. */
export const STATE_ISSUED_AT = 1767225600; // 2026-01-01T00:00:00Z

const SECRET_SIG = "4dabf18193072939515e22adb298388d";

export interface PlannedResource {
  readonly type: string;
  readonly name: string;
  /** Inputs with secret wrappers removed. */
  readonly inputs: Record<string, any>;
  /** Top-level input names whose value was a Pulumi secret. */
  readonly secretInputs: ReadonlySet<string>;
  readonly provider: string;
  readonly urn: string;
  /** Resource options as the SDK sends them to the engine; mocks alone do not show them. */
  readonly options: ResourceOptionsSent;
}

export interface ResourceOptionsSent {
  readonly protect: boolean;
  readonly retainOnDelete: boolean;
  readonly deleteBeforeReplace: boolean;
  readonly ignoreChanges: readonly string[];
  /** URNs this resource waits for: explicit `dependsOn` plus the resources its inputs come from. */
  readonly dependencies: readonly string[];
}

export interface Plan {
  readonly resources: PlannedResource[];
  readonly outputs: Record<string, unknown>;
  readonly secretOutputs: ReadonlySet<string>;
}

function unwrap(value: any, onSecret: () => void): any {
  if (Array.isArray(value)) return value.map((v) => unwrap(v, onSecret));
  if (value && typeof value === "object") {
    if (value[SECRET_SIG] !== undefined) {
      onSecret();
      return unwrap(value.value, onSecret);
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrap(v, onSecret)]));
  }
  return value;
}

/** Deterministic stand-in for a generated secret of the requested length. */
function fakeSecret(name: string, length: number): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  let seed = [...name].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7);
  let out = "";
  for (let i = 0; i < length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    out += alphabet[seed % alphabet.length];
  }
  return out;
}

/** tls.PrivateKey stand-in: a real key on the requested curve, one per resource name, kept for the process. */
const TLS_CURVES: Record<string, string> = {
  P224: "secp224r1",
  P256: "prime256v1",
  P384: "secp384r1",
  P521: "secp521r1",
};
const mockKeys = new Map<string, string>();
function mockKey(
  id: string,
  generate: () => string,
): { privateKeyPem: string; publicKeyPem: string } {
  if (!mockKeys.has(id)) mockKeys.set(id, generate());
  const privateKeyPem = mockKeys.get(id) as string;
  return {
    privateKeyPem,
    publicKeyPem: createPublicKey(privateKeyPem).export({ type: "spki", format: "pem" }).toString(),
  };
}
const mockEcKey = (name: string, curve: string) =>
  mockKey(
    `${name}/${curve}`,
    () =>
      generateKeyPairSync("ec", {
        namedCurve: TLS_CURVES[curve] ?? curve,
        privateKeyEncoding: { type: "sec1", format: "pem" },
        publicKeyEncoding: { type: "spki", format: "pem" },
      }).privateKey,
  );
/** The provider's RSA private_key_pem is PKCS#1 ("RSA PRIVATE KEY"); rsaBits defaults to 2048. */
const mockRsaKey = (name: string, bits: number) =>
  mockKey(
    `${name}/rsa${bits}`,
    () =>
      generateKeyPairSync("rsa", {
        modulusLength: bits,
        privateKeyEncoding: { type: "pkcs1", format: "pem" },
        publicKeyEncoding: { type: "spki", format: "pem" },
      }).privateKey,
  );

function mockState(type: string, name: string, inputs: Record<string, any>): Record<string, any> {
  switch (type) {
    case "tls:index/privateKey:PrivateKey":
      // The provider's ECDSA default curve is P224: an omitted ecdsaCurve must show up in tests.
      return inputs.algorithm === "RSA"
        ? { ...inputs, ...mockRsaKey(name, inputs.rsaBits ?? 2048) }
        : { ...inputs, ...mockEcKey(name, inputs.ecdsaCurve ?? "P224") };
    case "random:index/randomPassword:RandomPassword":
    case "random:index/randomString:RandomString":
      return {
        ...inputs,
        result: fakeSecret(`${name}/${JSON.stringify(inputs.keepers ?? {})}`, inputs.length),
        bcryptHash: `$2a$10$${fakeSecret(`${name}/bcrypt/${JSON.stringify(inputs.keepers ?? {})}`, 53)}`,
      };
    case "time:index/static:Static":
      return {
        ...inputs,
        unix: STATE_ISSUED_AT + Number(inputs.triggers?.rotation ?? 0),
        rfc3339: "2026-01-01T00:00:00Z",
      };
    case "docker:index/remoteImage:RemoteImage":
      return { ...inputs, imageId: `sha256:${inputs.name}`, repoDigest: `${inputs.name}@sha256:0` };
    case "docker:index/container:Container":
      return { ...inputs, exitCode: 0 };
    default:
      return type.startsWith("kubernetes:") ? kubernetesState(type, name, inputs) : inputs;
  }
}

/**
 * What the cluster fills in: pulumi-kubernetes auto-names an object without `metadata.name`
 * (`<resource name>-<suffix>`), and the API server gives a ClusterIP Service its address.
 */
function kubernetesState(
  type: string,
  name: string,
  inputs: Record<string, any>,
): Record<string, any> {
  const metadata = {
    ...inputs.metadata,
    name: inputs.metadata?.name ?? `${name}-${fakeSecret(name, 8).toLowerCase()}`,
  };
  if (type !== "kubernetes:core/v1:Service") return { ...inputs, metadata };
  const octet = [...name].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 250, 7) + 2;
  return { ...inputs, metadata, spec: { ...inputs.spec, clusterIP: `10.96.0.${octet}` } };
}

async function settle(count: () => number): Promise<void> {
  let last = -1;
  let stable = 0;
  while (stable < 20) {
    await new Promise((r) => setImmediate(r));
    const now = count();
    stable = now === last ? stable + 1 : 0;
    last = now;
  }
}

/**
 * Runs a program for one stack with the given raw config (`{"ownstack:apiPort": "8000"}`). `load`
 * must import the program afresh (vitest: resetModules + import; scripts: a cleared require cache).
 */
export async function evaluateWith(
  load: () => Promise<unknown>,
  config: Record<string, string> = {},
  stack = "local",
): Promise<Plan> {
  const resources: PlannedResource[] = [];
  let sent: ResourceOptionsSent | undefined;
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const secretInputs = new Set<string>();
        const inputs = Object.fromEntries(
          Object.entries(args.inputs).map(([k, v]) => [k, unwrap(v, () => secretInputs.add(k))]),
        );
        const options = sent ?? {
          protect: false,
          retainOnDelete: false,
          deleteBeforeReplace: false,
          ignoreChanges: [],
          dependencies: [],
        };
        resources.push({
          type: args.type,
          name: args.name,
          inputs,
          secretInputs,
          provider: args.provider ?? "",
          urn: "",
          options,
        });
        return { id: `${args.name}-id`, state: mockState(args.type, args.name, inputs) };
      },
      call: (args) => args.inputs,
    },
    PROJECT,
    stack,
    false,
  );
  recordResourceOptions(resources, (options) => (sent = options));
  pulumi.runtime.setAllConfig(
    config,
    Object.keys(config).filter((k) =>
      (SECRET_KEYS as readonly string[]).some((key) => k === `${PROJECT}:${key}`),
    ),
  );
  // A program may export a promise of its outputs (index.ts does for target kubernetes, behind a
  // dynamic import); the runner awaits it, and so does this harness.
  const loaded = (await load()) as Record<string, unknown>;
  const program = (loaded.default instanceof Promise ? await loaded.default : loaded) as Record<
    string,
    unknown
  >;
  const outputs: Record<string, unknown> = {};
  const secretOutputs = new Set<string>();
  for (const [key, value] of Object.entries(program)) {
    if (pulumi.Output.isInstance(value)) {
      outputs[key] = await promiseOf(value);
      if (await pulumi.isSecret(value)) secretOutputs.add(key);
    } else outputs[key] = value;
  }
  // Registrations still waiting on an input (e.g. Ollama's image, picked by the asynchronous GPU
  // probe) are in the runtime's RPC queue; a preview waits for them too.
  await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
  await settle(() => resources.length);
  return { resources, outputs, secretOutputs };
}

/**
 * Wraps the mock monitor's registerResource, which hands `newResource` only the inputs: the request
 * also carries protect, retainOnDelete and the dependency URNs, and the response the URN.
 */
function recordResourceOptions(
  resources: PlannedResource[],
  onRequest: (options: ResourceOptionsSent) => void,
): void {
  const monitor = pulumi.runtime.getMonitor() as any;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, callback: (err: unknown, resp: any) => void) => {
    // The mock calls newResource synchronously, before its first await, so this is its request.
    onRequest({
      protect: req.getProtect() === true,
      retainOnDelete: req.getRetainondelete() === true,
      deleteBeforeReplace: req.getDeletebeforereplace() === true,
      ignoreChanges: [...req.getIgnorechangesList()].sort(),
      dependencies: [...req.getDependenciesList()].sort(),
    });
    const index = resources.length;
    return register(req, (err: unknown, resp: any) => {
      if (resp && resources[index]) (resources[index] as { urn: string }).urn = resp.getUrn();
      callback(err, resp);
    });
  };
}

export function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
}
