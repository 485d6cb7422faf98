import * as k8s from "@pulumi/kubernetes";

export type WorkloadFile = { path: string; key: string } & (
  | { secret: k8s.core.v1.Secret; configMap?: never }
  | { configMap: k8s.core.v1.ConfigMap; secret?: never }
);

/** What a workload mounts (part of components/k8s/workload.ts's WorkloadArgs). */
export interface PodVolumes {
  /** Files from Secrets or ConfigMaps, each mounted read-only at its path (Docker's uploads). */
  readonly files?: WorkloadFile[];
  /** A ConfigMap's keys as a read-only folder tree at `path` (each item's path below it). */
  readonly folder?: {
    path: string;
    configMap: k8s.core.v1.ConfigMap;
    items: { key: string; path: string }[];
  };
  /** Folders on a PersistentVolumeClaim (Docker's named volumes), each a sub-path of the claim. */
  readonly data?: {
    claim: k8s.core.v1.PersistentVolumeClaim;
    mounts: { path: string; subPath: string }[];
  };
}

/**
 * A workload's volumes and their mounts: files from Secrets and ConfigMaps (each read-only at its
 * path, as Docker's uploads), a ConfigMap as a folder tree, and the sub-paths of its data claim.
 */
export function podVolumes(args: PodVolumes): {
  volumeMounts: k8s.types.input.core.v1.VolumeMount[];
  volumes: k8s.types.input.core.v1.Volume[];
} {
  const files = args.files ?? [];
  const volumeMounts = [
    ...files.map((f, i) => ({
      name: `file-${i}`,
      mountPath: f.path,
      subPath: f.key,
      readOnly: true,
    })),
    ...(args.folder ? [{ name: "folder", mountPath: args.folder.path, readOnly: true }] : []),
    ...(args.data?.mounts ?? []).map((m) => ({
      name: "data",
      mountPath: m.path,
      subPath: m.subPath,
    })),
  ];
  const volumes = [
    ...files.map((f, i) => ({
      name: `file-${i}`,
      ...(f.secret
        ? {
            secret: {
              secretName: f.secret.metadata.name,
              items: [{ key: f.key, path: f.key }],
            },
          }
        : {
            configMap: {
              name: f.configMap.metadata.name,
              items: [{ key: f.key, path: f.key }],
            },
          }),
    })),
    ...(args.folder
      ? [
          {
            name: "folder",
            configMap: {
              name: args.folder.configMap.metadata.name,
              items: args.folder.items,
            },
          },
        ]
      : []),
    ...(args.data
      ? [
          {
            name: "data",
            persistentVolumeClaim: { claimName: args.data.claim.metadata.name },
          },
        ]
      : []),
  ];
  return { volumeMounts, volumes };
}
