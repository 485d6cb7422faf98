import { stringify } from "yaml";

/** Where Grafana reads provisioned data sources at start. */
export const GRAFANA_DATASOURCES_PATH = "/etc/grafana/provisioning/datasources/ownstack.yaml";

/**
 * The provisioned Prometheus data source. Fixed uid, so dashboards can reference it; not
 * editable in the UI, because the next start would overwrite the edit anyway.
 */
export function renderGrafanaDatasources(prometheusUrl: string): string {
  return stringify(
    {
      apiVersion: 1,
      datasources: [
        {
          name: "Prometheus",
          type: "prometheus",
          uid: "ownstack-prometheus",
          access: "proxy",
          url: prometheusUrl,
          isDefault: true,
          editable: false,
        },
      ],
    },
    { lineWidth: 0 },
  );
}
