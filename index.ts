import { declareDockerStack } from "./components/layers/docker";
import { Secrets } from "./components/secrets";
import { SigningKeys } from "./components/signingKeys";
import {
  loadBackupCredentials,
  loadKubernetesSecrets,
  loadSettings,
  loadUserSecrets,
} from "./config";

// Settings: every key validated at once, before any resource exists.
const { settings, smtpPassword, dockerTls } = loadSettings();
const userSecrets = loadUserSecrets(settings);

// Secrets: generated once, kept in state as Pulumi secrets, rotated by counter. With
// authSigning es256 (the default) also the ES256 signing key, JWKS and sb_ API keys.
const secrets = new Secrets("secrets", { settings });
const signing =
  settings.signing.algorithm === "es256"
    ? new SigningKeys("signing", { settings, jwtSecret: secrets.jwtSecret })
    : undefined;

// A key with no value on this stack is left out: the runner warns for every undefined stack output
// (@pulumi/pulumi runtime/stack.ts `massage`), and `pulumi stack output` has nothing to show for it.
const present = (outputs: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(outputs).filter(([, value]) => value !== undefined));

// The runtime: one Docker daemon (local, vps), or a Kubernetes cluster. @pulumi/kubernetes is loaded
// only for that target: a dynamic import, whose promise the runner awaits (@pulumi/pulumi
// cmd/run/run.ts awaits the exported value), while the Docker stacks stay synchronous and unchanged.
export = settings.target === "kubernetes"
  ? import("./components/k8s/stack").then((k8s) =>
      present(
        k8s.kubernetesOutputs(
          settings,
          secrets,
          signing,
          loadKubernetesSecrets(smtpPassword, userSecrets),
        ),
      ),
    )
  : present(
      declareDockerStack(
        settings,
        secrets,
        signing,
        smtpPassword,
        dockerTls,
        loadBackupCredentials(),
        userSecrets,
      ),
    );
