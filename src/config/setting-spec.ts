/**
 * One setting: its environment variable, its CLI flag, default, unit and doc.
 * `parse` turns the raw text into a value or throws an Error whose message says how to fix it.
 */
export interface SettingSpec<T> {
  env: string;
  flag: string;
  doc: string;
  unit?: string;
  /** Shown in docs; computed defaults describe themselves here. */
  defaultText: string;
  /** Secrets are redacted by `millrace config` and may come from a systemd credential. */
  secret?: boolean;
  default: (env: Readonly<Record<string, string | undefined>>) => T;
  parse: (raw: string) => T;
}

export function spec<T>(s: SettingSpec<T>): SettingSpec<T> {
  return s;
}
