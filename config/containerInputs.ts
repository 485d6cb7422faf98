/**
 * Which docker.Container inputs replace the container when they change, and which are updated in
 * place: the upstream schema (kreuzwerker/terraform-provider-docker
 * internal/provider/resource_docker_container.go, `ForceNew: true`), in @pulumi/docker's names.
 * Pure data: the preview summary and the plan tests read it.
 */

/** ForceNew in the provider schema: a change stops the old container and creates a new one. */
export const REPLACING_INPUTS = [
  "capabilities",
  "cgroupParent",
  "cgroupnsMode",
  "command",
  "cpus",
  "deviceRequests",
  "devices",
  "dns",
  "dnsOpts",
  "dnsSearches",
  "domainname",
  "entrypoints",
  "envs",
  "gpus",
  "groupAdds",
  "hosts",
  "hostname",
  "image",
  "ipcMode",
  "labels",
  "logDriver",
  "logOpts",
  "mounts",
  "name",
  "networkMode",
  "networksAdvanced",
  "pidMode",
  "platform",
  "ports",
  "privileged",
  "publishAllPorts",
  "readOnly",
  "runtime",
  "securityOpts",
  "shmSize",
  "stdinOpen",
  "stopSignal",
  "stopTimeout",
  "storageOpts",
  "sysctls",
  "tty",
  "ulimits",
  "uploads",
  "user",
  "usernsMode",
  "volumes",
  "workingDir",
] as const;

/**
 * Neither ForceNew nor applied by the provider's update: components/container.ts lists them in
 * `replaceOnChanges` so that an edit is not silently kept out of the running container.
 */
export const REPLACED_ON_CHANGE = ["healthcheck"] as const;

/**
 * Also neither ForceNew nor applied, and set by no container here: an edit would show as an
 * update and never reach the container, so a container that starts using one adds it to
 * `replaceOnChanges` and to REPLACED_ON_CHANGE.
 */
export const NEVER_APPLIED_INPUTS = ["cpuPeriod", "cpuQuota", "init", "tmpfs"] as const;

/**
 * Updated in place (`docker update`: restart policy, memory and CPU limits) or kept in state only
 * (wait, destroy grace, attach/logs of one-shot jobs): a change never restarts the container.
 */
export const IN_PLACE_INPUTS = [
  "attach",
  "containerReadRefreshTimeoutMilliseconds",
  "cpuSet",
  "cpuShares",
  "destroyGraceSeconds",
  "deviceReadBps",
  "deviceReadIops",
  "deviceWriteBps",
  "deviceWriteIops",
  "logs",
  "maxRetryCount",
  "memory",
  "memoryReservation",
  "memorySwap",
  "mustRun",
  "removeVolumes",
  "restart",
  "rm",
  "start",
  "wait",
  "waitTimeout",
] as const;

const replacing = new Set<string>([...REPLACING_INPUTS, ...REPLACED_ON_CHANGE]);

/** The inputs a container declares whose change replaces it, sorted. */
export const replacingInputsOf = (inputs: Record<string, unknown>): string[] =>
  Object.keys(inputs)
    .filter((k) => inputs[k] !== undefined && replacing.has(k))
    .sort();

/** The top-level input of a property path: `networksAdvanced[0].aliases` → `networksAdvanced`. */
export const topLevelInput = (path: string): string => path.split(/[.[]/)[0];

/** Whether a change of `input` (an engine replaceReason / diffReason) replaces a container. */
export const replacesContainer = (input: string): boolean => replacing.has(topLevelInput(input));
