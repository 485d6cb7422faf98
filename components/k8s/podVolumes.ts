import * as k8s from "@pulumi/kubernetes";
import type { WorkloadArgs } from "./workload";

/**
 * A workload's volumes and their mounts: files from Secrets and ConfigMaps (each read-only at its
 * path, as Docker's uploads), a ConfigMap as a folder tree, and the sub-paths of its data claim.
 */
export function podVolumes(args: Pick<WorkloadArgs, "files" | "folder" | "data">): {
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
