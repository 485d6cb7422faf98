import type * as grpcTypes from "@grpc/grpc-js";
import path from "node:path";
import { resourceOutputs } from "./providers";
import { isSecret, secret } from "./wire";

/**
 * A stand-in for the Pulumi engine and resource monitor: the two gRPC services a program started by
 * `@pulumi/pulumi/cmd/run` talks to. It speaks the service definitions that ship in
 * `@pulumi/pulumi/proto` (pulumi/pulumi proto/pulumi/resource.proto and engine.proto), records every
 * registration and diagnostic, and answers as the engine does: ids and provider outputs on an
 * update, nothing for computed outputs on a preview (the SDK then marks them unknown).
 */

// The generated stubs and the gRPC and protobuf runtimes they were generated for, as @pulumi/pulumi
// resolves them (its own dependencies, not ours).
const PULUMI_DIR = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
const fromPulumi = (id: string) => require(require.resolve(id, { paths: [PULUMI_DIR] }));
const grpc: typeof grpcTypes = fromPulumi("@grpc/grpc-js");
const resourceGrpc = fromPulumi("./proto/resource_grpc_pb.js");
const resourcePb = fromPulumi("./proto/resource_pb.js");
const engineGrpc = fromPulumi("./proto/engine_grpc_pb.js");
const enginePb = fromPulumi("./proto/engine_pb.js");
const emptyPb = fromPulumi("google-protobuf/google/protobuf/empty_pb.js");
const { Struct } = fromPulumi("google-protobuf/google/protobuf/struct_pb.js");

export interface Registration {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly custom: boolean;
  /** Inputs as they arrived on the wire: secrets and unknowns keep their wire form. */
  readonly inputs: Record<string, unknown>;
  readonly dependencies: readonly string[];
}

export interface Diagnostic {
  readonly severity: "debug" | "info" | "warning" | "error";
  readonly message: string;
  readonly urn: string;
}

export interface EngineOptions {
  readonly project: string;
  readonly stack: string;
  readonly dryRun: boolean;
  /** Exit codes the Docker provider reports for one-shot job containers, by container name. */
  readonly jobExitCodes?: Record<string, number>;
}

const SEVERITY = ["debug", "info", "warning", "error"] as const;

/** Features a current CLI advertises that this stand-in honours (resource.proto ResourceMonitorFeature). */
const FEATURES = ["secrets", "resourceReferences", "deletedWith", "aliasSpecs"];

export class EngineStandIn {
  readonly registrations: Registration[] = [];
  readonly diagnostics: Diagnostic[] = [];
  /** RegisterResourceOutputs by URN; the stack's entry holds the stack outputs. */
  readonly outputs = new Map<string, Record<string, unknown>>();
  readonly invokes: string[] = [];
  private rootUrn = "";
  private readonly server = new grpc.Server();
  private readonly types = new Map<string, string>();

  constructor(readonly options: EngineOptions) {
    this.server.addService(resourceGrpc.ResourceMonitorService, {
      getDeploymentInfo: this.unary(() => {
        const info = new resourcePb.DeploymentInfo();
        info.setProject(options.project);
        info.setStack(options.stack);
        info.setDryrun(options.dryRun);
        const enumOf: Record<string, number> = resourcePb.ResourceMonitorFeature;
        info.setSupportedfeaturesList(
          FEATURES.map((f) => enumOf[`RESOURCE_MONITOR_FEATURE_${snake(f)}`]),
        );
        return info;
      }),
      supportsFeature: this.unary((req) =>
        new resourcePb.SupportsFeatureResponse().setHassupport(FEATURES.includes(req.getId())),
      ),
      registerResource: this.unary((req) => this.registerResource(req)),
      registerResourceOutputs: this.unary((req) => {
        this.outputs.set(
          req.getUrn(),
          (req.getOutputs()?.toJavaScript() ?? {}) as Record<string, unknown>,
        );
        return new emptyPb.Empty();
      }),
      invoke: this.unary((req) => {
        this.invokes.push(req.getTok());
        throw Object.assign(
          new Error(`the engine stand-in has no provider function ${req.getTok()}`),
          { code: grpc.status.UNIMPLEMENTED },
        );
      }),
      signalAndWaitForShutdown: this.unary(() => new emptyPb.Empty()),
    });
    this.server.addService(engineGrpc.EngineService, {
      log: this.unary((req) => {
        this.diagnostics.push({
          severity: SEVERITY[req.getSeverity()] ?? "info",
          message: req.getMessage(),
          urn: req.getUrn(),
        });
        return new emptyPb.Empty();
      }),
      getRootResource: this.unary(() =>
        new enginePb.GetRootResourceResponse().setUrn(this.rootUrn),
      ),
      setRootResource: this.unary((req) => {
        this.rootUrn = req.getUrn();
        return new enginePb.SetRootResourceResponse();
      }),
    });
  }

  /** Binds to a free loopback port chosen by the kernel; returns `127.0.0.1:<port>`. */
  start(): Promise<string> {
    return new Promise((resolve, reject) =>
      this.server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, port) =>
        err ? reject(err) : resolve(`127.0.0.1:${port}`),
      ),
    );
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.tryShutdown(() => resolve()));
  }

  get stackUrn(): string {
    return `urn:pulumi:${this.options.stack}::${this.options.project}::pulumi:pulumi:Stack::${this.options.project}-${this.options.stack}`;
  }

  /** The program's stack outputs as registered at the end of the run. */
  get stackOutputs(): Record<string, unknown> | undefined {
    return this.outputs.get(this.stackUrn);
  }

  private registerResource(req: any) {
    const type: string = req.getType();
    const name: string = req.getName();
    const parent: string = req.getParent();
    const custom: boolean = req.getCustom();
    // A URN carries its parents' types, the root stack's excepted (@pulumi/pulumi resource.ts createUrn).
    const parentType = this.types.get(parent) ?? "";
    const qualified = parentType ? `${parentType}$${type}` : type;
    const urn = `urn:pulumi:${this.options.stack}::${this.options.project}::${qualified}::${name}`;
    this.types.set(urn, type === "pulumi:pulumi:Stack" ? "" : qualified);
    const inputs = (req.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>;
    this.registrations.push({
      type,
      name,
      urn,
      custom,
      inputs,
      dependencies: [...req.getDependenciesList()].sort(),
    });

    const resp = new resourcePb.RegisterResourceResponse();
    resp.setUrn(urn);
    if (custom) {
      // On a preview of a fresh stack the engine knows neither the id nor computed outputs.
      resp.setId(this.options.dryRun ? "" : `${name}-id`);
      const state: Record<string, unknown> = this.options.dryRun
        ? { ...inputs }
        : { ...inputs, ...resourceOutputs(type, inputs, this.options.jobExitCodes ?? {}) };
      // The engine returns the outputs a provider declares secret (additionalSecretOutputs) as secrets.
      for (const key of req.getAdditionalsecretoutputsList() as string[]) {
        if (key in state && !isSecret(state[key])) state[key] = secret(state[key]);
      }
      resp.setObject(structOf(state));
    } else {
      resp.setObject(structOf({}));
    }
    return resp;
  }

  /** Adapts a synchronous handler to grpc-js; a thrown error becomes the call's status. */
  private unary(handler: (req: any) => unknown) {
    return (call: grpcTypes.ServerUnaryCall<any, any>, callback: grpcTypes.sendUnaryData<any>) => {
      try {
        callback(null, handler(call.request));
      } catch (err) {
        const e = err as Error & { code?: number };
        callback({ code: e.code ?? grpc.status.INTERNAL, details: e.message });
      }
    };
  }
}

const structOf = (value: Record<string, unknown>) => Struct.fromJavaScript(value);

const snake = (id: string) => id.replace(/([A-Z])/g, "_$1").toUpperCase();
