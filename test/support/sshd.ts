import { ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { PortTakenError, onFreePort } from "./ports";

/**
 * A real OpenSSH server (Debian's openssh-server) on 127.0.0.1 for SFTP tests: a temporary host
 * key, one authorized client key, the built-in SFTP subsystem, and the current user's login. It
 * answers only on loopback and goes away with its folder.
 */

export const SSHD = "/usr/sbin/sshd";

export interface Sshd {
  readonly port: number;
  readonly user: string;
  /** The folder SFTP uploads go to (under the temporary root). */
  readonly dir: string;
  readonly clientKey: string;
  /** The host key line (`ssh-ed25519 AAAA…`), as backupSftpHostKey takes it. */
  readonly hostKey: string;
  stop(): Promise<void>;
}

const bannerOn = (port: number) =>
  new Promise<boolean>((ok) => {
    const s = connect({ host: "127.0.0.1", port }, () => undefined);
    s.once("data", (d) => (s.destroy(), ok(d.toString().startsWith("SSH-"))));
    s.once("error", () => ok(false));
  });

export async function startSshd(): Promise<Sshd> {
  const root = mkdtempSync(join(tmpdir(), "ownstack-sshd-"));
  const keygen = (name: string) =>
    execFileSync("ssh-keygen", [
      "-q",
      "-t",
      "ed25519",
      "-N",
      "",
      "-C",
      "ownstack-test",
      "-f",
      join(root, name),
    ]);
  keygen("host");
  keygen("client");
  writeFileSync(join(root, "authorized_keys"), readFileSync(join(root, "client.pub")));
  // sshd refuses to start without its privilege separation folder (Debian creates it at boot).
  if (process.getuid?.() === 0 && !existsSync("/run/sshd")) mkdirSync("/run/sshd", { mode: 0o755 });
  const dir = join(root, "offsite");
  mkdirSync(dir);

  const start = async (port: number) => {
    const config = join(root, "sshd_config");
    writeFileSync(
      config,
      [
        `Port ${port}`,
        "ListenAddress 127.0.0.1",
        `HostKey ${join(root, "host")}`,
        `AuthorizedKeysFile ${join(root, "authorized_keys")}`,
        "PidFile none",
        "UsePAM no",
        "StrictModes no",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "PubkeyAuthentication yes",
        "PermitRootLogin prohibit-password",
        "Subsystem sftp internal-sftp",
        "LogLevel ERROR",
        "",
      ].join("\n"),
    );
    const child: ChildProcess = spawn(SSHD, ["-D", "-e", "-f", config], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let log = "";
    child.stderr!.on("data", (d: Buffer) => (log += d.toString()));
    const exited = new Promise<void>((r) => child.once("exit", () => r()));
    for (;;) {
      if (child.exitCode !== null)
        throw /Address already in use|Bind to port/.test(log)
          ? new PortTakenError(log)
          : new Error(`sshd exited: ${log}`);
      if (await bannerOn(port)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    return { child, exited };
  };
  let port = 0;
  const { child, exited } = await onFreePort(async (p) => ((port = p), start(p)));
  return {
    port,
    user: userInfo().username,
    dir,
    clientKey: readFileSync(join(root, "client"), "utf8"),
    hostKey: readFileSync(join(root, "host.pub"), "utf8").trim().split(/\s+/).slice(0, 2).join(" "),
    stop: async () => {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}
