import { Settings } from "../../config/settings";
import { Secrets } from "../secrets";
import { SigningKeys } from "../signingKeys";
import { storageRegion } from "../storage";

/**
 * Wiring the Docker layers and the kubernetes stack share, so that a service gets the same keys
 * and a user reads the same outputs whatever the target.
 */

/** The keys Studio holds: the API keys it calls with and postgres-meta's crypto key. */
export const studioKeys = (secrets: Secrets, signing: SigningKeys | undefined) => ({
  anonKey: secrets.anonKey,
  serviceRoleKey: secrets.serviceRoleKey,
  pgMetaCryptoKey: secrets.pgMetaCryptoKey,
  publishableKey: signing?.publishableKey,
  secretKey: signing?.secretKey,
});

/** The outputs every target has, under the same names: URLs, logins, keys and passwords. */
export function commonOutputs(
  settings: Settings,
  secrets: Secrets,
  signing: SigningKeys | undefined,
): Record<string, unknown> {
  const show = (output: string) =>
    `pulumi stack output --show-secrets -s ${settings.stack} ${output}`;
  return {
    target: settings.target,
    apiUrl: settings.publicUrl,
    studioUrl: settings.studioUrl,
    // Register this with every OAuth provider (ownstack:authProviders) as the redirect URL.
    authCallbackUrl: settings.authOptions.callbackUrl,
    dashboardUsername: settings.auth.dashboardUsername,
    dashboardPassword: secrets.dashboardPassword,
    anonKey: secrets.anonKey,
    serviceRoleKey: secrets.serviceRoleKey,
    jwtSecret: secrets.jwtSecret,
    postgresPassword: secrets.postgresPassword,
    storageBucket: settings.storage.bucket,
    // Storage's S3 protocol (supabase docs: storage/s3/authentication): any S3 client with these
    // four values reaches every bucket; the keys bypass row level security, like serviceRoleKey.
    storageS3Endpoint: `${settings.publicUrl}/storage/v1/s3`,
    storageS3Region: storageRegion(settings),
    storageS3AccessKeyId: secrets.s3ProtocolAccessKeyId,
    storageS3SecretAccessKey: secrets.s3ProtocolAccessKeySecret,
    keysCommand: `${show("anonKey")} && ${show("serviceRoleKey")}`,
    signingKeyId: signing?.kid,
    publishableKey: signing?.publishableKey,
    secretKey: signing?.secretKey,
  };
}
