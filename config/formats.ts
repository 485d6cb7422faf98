/**
 * The forms of values other programs read: Docker image references, Ollama model names, e-mail
 * addresses, host names and Docker daemon URLs. Each follows the grammar of the program that
 * consumes the value, so a value accepted here is one that program accepts too.
 */

// Docker's reference grammar, distribution/reference regexp.go
// (https://github.com/distribution/reference/blob/main/regexp.go): lowercase path components joined
// by `.`, `_`, `__` or dashes; an optional registry host with an optional port; a tag; a digest.
const alphanumeric = "[a-z0-9]+";
const separator = "(?:[._]|__|[-]+)";
const pathComponent = `${alphanumeric}(?:${separator}${alphanumeric})*`;
const domainNameComponent = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const domainName = `${domainNameComponent}(?:\\.${domainNameComponent})*`;
const ipv6address = "\\[(?:[a-fA-F0-9:]+)\\]";
const domainAndPort = `(?:${domainName}|${ipv6address})(?::[0-9]+)?`;
const remoteName = `${pathComponent}(?:/${pathComponent})*`;
const tag = "[\\w][\\w.-]{0,127}";
const digest = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}";
const REFERENCE = new RegExp(
  `^((?:${domainAndPort}/)?${remoteName})(?::(${tag}))?(?:@(${digest}))?$`,
);
/** reference.go: NameTotalLengthMax. */
const NAME_TOTAL_LENGTH_MAX = 255;

export interface ImageReference {
  readonly name: string;
  readonly tag?: string;
  readonly digest?: string;
}

/**
 * An image reference split as Docker reads it, or undefined when Docker would refuse it. As in
 * normalize.go's splitDockerDomain, a first component names a registry only when it has a `.` or
 * `:` or is `localhost`; otherwise it is part of the repository path, which must be lowercase
 * (`Kong/kong` is a typo, not a registry host called "Kong").
 */
export function parseImageReference(text: string): ImageReference | undefined {
  const m = REFERENCE.exec(text);
  if (!m || m[1].length > NAME_TOTAL_LENGTH_MAX) return undefined;
  const [first, ...rest] = m[1].split("/");
  const registry = rest.length > 0 && (/[.:]/.test(first) || first === "localhost");
  if (!registry && first !== first.toLowerCase()) return undefined;
  return { name: m[1], tag: m[2], digest: m[3] };
}

// Ollama's model names, ollama/ollama types/model/name.go (ParseNameBare, isValidPart):
// [scheme://][host/][namespace/][kind/]model[:tag]; each part starts with a letter, digit or `_`.
const OLLAMA_KINDS = new Set(["skill", "agent", "mcp"]);
const ollamaPart = (chars: string, max: number) =>
  new RegExp(`^[A-Za-z0-9_][${chars}]{0,${max - 1}}$`);
const OLLAMA_PART = {
  host: ollamaPart("A-Za-z0-9_.:-", 350),
  namespace: ollamaPart("A-Za-z0-9_-", 80),
  model: ollamaPart("A-Za-z0-9_.-", 80),
  tag: ollamaPart("A-Za-z0-9_.-", 80),
};

/** Whether `ollama pull <name>` accepts the name, e.g. `llama3.2:1b` or `hf.co/<user>/<repo>:Q4_K_M`. */
export function isOllamaModelName(text: string): boolean {
  let rest = text;
  let tagPart: string | undefined;
  // "/" is not a tag character, so a ":" after the last "/" starts the tag.
  if (rest.lastIndexOf(":") > rest.lastIndexOf("/")) [rest, tagPart] = cutLast(rest, ":");
  // A scheme may precede the host (`https://hf.co/...`), and only the host.
  const scheme = /^[^/:]*:\/\//.exec(rest);
  if (scheme) rest = rest.slice(scheme[0].length);
  const segments = rest.split("/");
  if (segments.length > 4) return false;
  let host: string | undefined;
  let namespace: string | undefined;
  let kind: string | undefined;
  const model = segments.pop() as string;
  if (segments.length === 3) [host, namespace, kind] = segments;
  else if (segments.length === 2 && OLLAMA_KINDS.has(segments[1])) [namespace, kind] = segments;
  else if (segments.length === 2) [host, namespace] = segments;
  else if (segments.length === 1) [namespace] = segments;
  if ((kind !== undefined && !OLLAMA_KINDS.has(kind)) || (scheme && host === undefined))
    return false;
  const parts: [RegExp, string | undefined][] = [
    [OLLAMA_PART.host, host],
    [OLLAMA_PART.namespace, namespace],
    [OLLAMA_PART.model, model],
    [OLLAMA_PART.tag, tagPart],
  ];
  return parts.every(([re, part]) => part === undefined || re.test(part));
}

function cutLast(text: string, sep: string): [string, string] {
  const i = text.lastIndexOf(sep);
  return [text.slice(0, i), text.slice(i + sep.length)];
}

/** A DNS host name or IPv4 address: no scheme, port, path or user. */
const HOST_NAME =
  /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;
export const isHostName = (text: string): boolean => HOST_NAME.test(text);

/**
 * An address as mail servers take it: RFC 5322's dot-atom local part and a DNS domain. Forms
 * copied from elsewhere (`mailto:`, `Name <a@b>`, a trailing `;` or `,`) are refused.
 */
const EMAIL =
  /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;
export const isEmailAddress = (text: string): boolean => text.length <= 254 && EMAIL.test(text);

const isPort = (text: string | undefined) =>
  text !== undefined && /^\d{1,5}$/.test(text) && Number(text) >= 1 && Number(text) <= 65535;
const HOST_OR_IPV6 = (host: string) => isHostName(host) || /^\[[0-9a-f:.]+\]$/i.test(host);

/**
 * A Docker daemon URL as the docker CLI and provider dial it: `ssh://user@host[:port]` (the ssh
 * connection helper of docker/cli refuses a path) or `tcp://host:port`.
 */
export function isDockerHostUrl(text: string): boolean {
  const ssh = /^ssh:\/\/([A-Za-z0-9._-]+)@(\[[^\]\s]+\]|[^@/:\s[\]]+)(?::([^/\s]*))?$/.exec(text);
  if (ssh) return HOST_OR_IPV6(ssh[2]) && (ssh[3] === undefined || isPort(ssh[3]));
  const tcp = /^tcp:\/\/(\[[^\]\s]+\]|[^@/:\s[\]]+):([^/\s]*)$/.exec(text);
  return tcp !== null && HOST_OR_IPV6(tcp[1]) && isPort(tcp[2]);
}
