import { watch, type FSWatcher } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, dirname } from "node:path";
import { timingSafeEqual } from "node:crypto";
import type { Logger } from "../observability/logger.ts";
import { errorContext } from "../observability/logger.ts";
import { invalidCredentials, malformedCredentials } from "./auth-error.ts";
import type { AccessKeyEntry } from "./access-key-format.ts";
import { hashKey, keyId, readKeysFile, type KeyEntry } from "./api-key-format.ts";
import type { Authenticator } from "./authenticator.ts";
import type { Principal } from "./principal.ts";

/** Compared against when the id is unknown, so a miss costs the same as a wrong secret. */
const DUMMY_HASH = Buffer.alloc(32);

/**
 * API keys from the keys file. The file is re-read on SIGHUP (via `reload`) and when it changes
 * on disk; the directory is watched because editors and config management replace the file
 * rather than write it in place. A file that fails to parse leaves the previous keys in force.
 */
export class ApiKeyAuthenticator implements Authenticator {
  readonly kind = "api-key" as const;
  private watcher: FSWatcher | null = null;
  private debounce: ReturnType<typeof setTimeout> | null = null;

  private constructor(
    private readonly path: string,
    private readonly logger: Logger,
    private keys: Map<string, KeyEntry>,
    private accessKeys: Map<string, AccessKeyEntry>,
  ) {}

  /** Reads the file once; throws with the file's problems so start-up fails with exit 78. */
  static async open(path: string, logger: Logger): Promise<ApiKeyAuthenticator> {
    const { apiKeys, accessKeys } = readKeysFile(await readFile(path, "utf8"));
    const authenticator = new ApiKeyAuthenticator(path, logger, apiKeys, accessKeys);
    logger.info("api keys loaded", { path, keys: apiKeys.size, access_keys: accessKeys.size });
    return authenticator;
  }

  /** Starts following edits of the file. */
  watch(): void {
    if (this.watcher) return;
    const name = basename(this.path);
    try {
      this.watcher = watch(dirname(this.path), (_event, changed) => {
        if (changed !== null && changed !== name) return;
        // Editors write in bursts; read once things settle.
        if (this.debounce) clearTimeout(this.debounce);
        this.debounce = setTimeout(() => void this.reload(), 100);
      });
    } catch (error) {
      // Out of inotify watches, say: SIGHUP still reloads, so this is no reason to refuse to start.
      this.logger.warn("cannot watch the api keys file; reload it with SIGHUP after edits", {
        path: this.path,
        ...errorContext(error),
      });
    }
  }

  authenticate(credential: string): Principal {
    const id = keyId(credential);
    if (id === null) throw malformedCredentials("an API key looks like mrk_<16 hex>_<43 base64url characters>");
    const entry = this.keys.get(id);
    const presented = hashKey(credential);
    const matches = timingSafeEqual(presented, entry?.hash ?? DUMMY_HASH);
    if (!entry || !matches)
      throw invalidCredentials("the API key is not valid; check it, or create one with `millrace keys create`");
    return entry.principal;
  }

  /** The SQS access key with this id (for SigV4 verification), if the file has one. */
  accessKey(accessKeyId: string): AccessKeyEntry | undefined {
    return this.accessKeys.get(accessKeyId);
  }

  async reload(): Promise<boolean> {
    try {
      const { apiKeys, accessKeys } = readKeysFile(await readFile(this.path, "utf8"));
      this.keys = apiKeys;
      this.accessKeys = accessKeys;
      this.logger.info("api keys reloaded", { path: this.path, keys: apiKeys.size, access_keys: accessKeys.size });
      return true;
    } catch (error) {
      this.logger.error("api keys file is invalid; the previous keys stay in force", {
        path: this.path,
        ...errorContext(error),
      });
      return false;
    }
  }

  close(): void {
    this.watcher?.close();
    this.watcher = null;
    if (this.debounce) clearTimeout(this.debounce);
  }
}
